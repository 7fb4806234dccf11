"""The interview (questions that would change the answer) and self-care advice."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel, UnknownAnswer


def assess(engine: TriageEngine, text: str, **fields: object):  # type: ignore[no-untyped-def]
    return engine.assess(TriageInput.model_validate({"text": text, **fields}))


def test_a_known_complaint_without_its_discriminator_asks_it(engine: TriageEngine) -> None:
    result = assess(engine, "胸口疼")
    asked = {q.id: q for q in result.questions}
    assert result.level is TriageLevel.URGENT and "chest_pain_features" in asked
    assert [o.value for o in asked["chest_pain_features"].options] == ["yes", "no"]


def test_every_question_offered_would_change_the_level(engine: TriageEngine) -> None:
    for text in ["胸口疼", "发烧", "头疼", "肚子疼", "咳嗽", "拉肚子", "摔了一跤", "心慌"]:
        before = assess(engine, text)
        assert len(before.questions) <= 3
        for question in before.questions:
            levels = {assess(engine, text, answers={question.id: o.value}).level for o in question.options}
            assert levels - {before.level}, (text, question.id)


def test_an_answer_is_reassessed_by_the_same_rules(engine: TriageEngine) -> None:
    result = assess(engine, "胸口疼", answers={"chest_pain_features": "yes"})
    assert result.level is TriageLevel.EMERGENCY and "chest_pain_cardiac" in result.red_flags
    calm = assess(engine, "胸口疼", answers={"chest_pain_features": "no"})
    assert calm.level is TriageLevel.URGENT
    assert "chest_pain_features" not in {q.id for q in calm.questions}


def test_a_temperature_answer_decides_an_infant_fever(engine: TriageEngine) -> None:
    result = assess(engine, "宝宝两个月，有点烫", answers={"highest_temperature": "39"})
    assert result.level is TriageLevel.EMERGENCY


def test_an_emergency_answers_at_once_without_questions(engine: TriageEngine) -> None:
    result = assess(engine, "胸口压着疼，出冷汗")
    assert result.level is TriageLevel.EMERGENCY and result.questions == []


def test_a_stated_discriminator_is_not_asked_again(engine: TriageEngine) -> None:
    asked = {q.id for q in assess(engine, "发烧38.5度").questions}
    assert "highest_temperature" not in asked


def test_questions_about_pregnancy_are_not_put_to_men(engine: TriageEngine) -> None:
    asked = {q.id for q in assess(engine, "肚子疼", sex="male", age=40).questions}
    assert "maybe_pregnant" not in asked


@pytest.mark.parametrize(
    ("answers", "message"),
    [({"no_such_question": "yes"}, "没有这个问题"), ({"chest_pain_features": "maybe"}, "只能是")],
)
def test_unknown_answers_raise(engine: TriageEngine, answers: dict[str, str], message: str) -> None:
    with pytest.raises(UnknownAnswer, match=message):
        assess(engine, "胸口疼", answers=answers)


@pytest.mark.parametrize(
    "text",
    [
        "嗓子疼两天了，能吃能喝",
        "感冒了，流鼻涕打喷嚏",
        "咳嗽两天，流鼻涕",
        "有点拉肚子，一天三次",
        "崴了一下脚，能走路",
        "手上划了个小口子",
        "头疼一天了",
        "被蚊子咬了很痒",
        "口腔溃疡三天了",
    ],
)
def test_mild_short_low_risk_complaints_get_self_care_with_worsening_signs(engine: TriageEngine, text: str) -> None:
    result = assess(engine, text)
    assert result.level is TriageLevel.SELF_CARE, [r.rule for r in result.reasons]
    assert "如果" in result.advice and "就医" in result.advice
    assert any(r.rule.startswith("self_care_") for r in result.reasons)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("嗓子疼两天了", {"pregnant": True}),
        ("咳嗽两天", {"age": 80}),
        ("咳嗽一个月了", {}),
        ("嗓子疼两天，发烧39度", {}),
        ("拉肚子两天，在化疗", {}),
        ("宝宝一个月，有点流鼻涕", {}),
        ("头疼", {}),
        ("头疼得厉害，两天了", {}),
        ("经常拉肚子，半年了", {}),
        ("宝宝10个月，拉肚子两天，尿比平时少", {}),
        ("血压170/105，头有点晕", {}),
        ("有点咳嗽，血氧93", {}),
    ],
)
def test_risk_long_duration_or_severity_rule_out_self_care(
    engine: TriageEngine, text: str, fields: dict[str, object]
) -> None:
    assert assess(engine, text, **fields).level is not TriageLevel.SELF_CARE


def test_every_symptom_that_can_be_self_care_has_advice(engine: TriageEngine) -> None:
    care = engine.knowledge.interview.self_care
    for symptom in engine.knowledge.symptoms:
        spec = symptom.spec
        if TriageLevel.SELF_CARE in {spec.level, spec.mild_level}:
            assert spec.id in care, spec.id
    assert all("如果" in entry.worsening for entry in care.values())
