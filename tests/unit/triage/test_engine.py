"""Behaviour of the engine on focused cases: negation, modifiers, levels, API shape."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel, TriageResult, default_engine


def assess(engine: TriageEngine, text: str, **kwargs: object) -> TriageResult:
    return engine.assess(TriageInput.model_validate({"text": text, **kwargs}))


@pytest.mark.parametrize(
    "text",
    ["没有胸痛", "不发烧", "无呼吸困难", "没有明显的胸痛，也不出汗", "没有发烧、咳嗽、胸痛", "否认胸痛", "胸口不痛"],
)
def test_negated_red_flags_do_not_fire(engine: TriageEngine, text: str) -> None:
    assert engine.red_flags(text) == []


@pytest.mark.parametrize(
    "text",
    ["没有发烧，但是喘不上气", "不咳嗽，胸口压着疼出冷汗", "浑身没劲，呼吸困难", "是不是心梗了", "不发烧就是喘不上气"],
)
def test_negation_does_not_leak_into_the_next_clause(engine: TriageEngine, text: str) -> None:
    assert engine.red_flags(text)


@pytest.mark.parametrize("text", ["去年得过心梗，想复查", "心梗支架术后复查", "脑梗后遗症做康复", "怎么预防中风"])
def test_history_and_prevention_are_not_events(engine: TriageEngine, text: str) -> None:
    assert engine.red_flags(text) == []
    assert assess(engine, text).level is not TriageLevel.EMERGENCY


def test_lookalike_chest_complaints(engine: TriageEngine) -> None:
    mild = assess(engine, "胸口有点闷，吃饱了撑的")
    serious = assess(engine, "胸口压着疼出冷汗")
    assert mild.level is TriageLevel.SELF_CARE
    assert mild.departments[0] == "gastroenterology"
    assert serious.level is TriageLevel.EMERGENCY
    assert serious.red_flags == ["chest_pain_cardiac"]


def test_fever_by_age(engine: TriageEngine) -> None:
    assert assess(engine, "宝宝发烧38度", age=0.2).level is TriageLevel.EMERGENCY
    toddler = assess(engine, "宝宝发烧38度", age=1.5)
    assert toddler.level is TriageLevel.URGENT
    assert toddler.departments[0] == "pediatrics"
    assert assess(engine, "发烧38度", age=30).level is TriageLevel.ROUTINE


def test_age_in_text_drives_infant_fever(engine: TriageEngine) -> None:
    assert [h.id for h in engine.red_flags("我家宝宝2个月，发烧了")] == ["infant_fever"]
    assert engine.red_flags("我家宝宝5个月，发烧了") == []


def test_explicit_age_wins_over_text(engine: TriageEngine) -> None:
    result = assess(engine, "我家宝宝2个月，发烧了", age=2)
    assert result.level is TriageLevel.URGENT


def test_pregnancy_modifiers(engine: TriageEngine) -> None:
    assert assess(engine, "肚子疼", pregnant=True).level is TriageLevel.EMERGENCY
    assert assess(engine, "肚子疼", pregnant=True).departments[:2] == ["emergency", "obstetrics"]
    assert assess(engine, "我老婆怀孕8周，下面出血了").level is TriageLevel.EMERGENCY
    assert assess(engine, "肚子疼", pregnant=False).level is not TriageLevel.EMERGENCY


def test_elders_have_a_lower_threshold(engine: TriageEngine) -> None:
    assert assess(engine, "胸口疼", age=75).level is TriageLevel.EMERGENCY
    assert assess(engine, "胸口疼", age=35).level is TriageLevel.URGENT
    assert assess(engine, "有点胸闷", age=80).level is TriageLevel.URGENT


def test_children_are_sent_to_paediatrics(engine: TriageEngine) -> None:
    result = assess(engine, "咳嗽三天了", age=6)
    assert result.departments[0] == "pediatrics"


def test_every_level_has_departments_and_advice(engine: TriageEngine) -> None:
    for text in ["你好", "", "感冒流鼻涕", "尿血了", "不想活了"]:
        result = assess(engine, text)
        assert result.departments
        assert result.advice
        assert set(result.departments) <= set(engine.knowledge.departments)


def test_unknown_text_is_routine_general_medicine(engine: TriageEngine) -> None:
    result = assess(engine, "我想挂号")
    assert result.level is TriageLevel.ROUTINE
    assert result.departments == ["general_internal"]


def test_emergency_advice_says_call_120(engine: TriageEngine) -> None:
    advice = assess(engine, "喘不上气，嘴唇发紫").advice
    assert "拨打120" in advice
    assert "立即去急诊" in advice


def test_suicide_advice_gives_a_hotline(engine: TriageEngine) -> None:
    result = assess(engine, "我不想活了")
    assert result.departments[:2] == ["emergency", "psychiatry"]
    assert "12356" in result.advice


def test_traditional_characters_and_typos(engine: TriageEngine) -> None:
    assert engine.red_flags("胸口壓著疼，出冷汗")
    assert engine.red_flags("喘不上起")
    assert engine.red_flags("抽畜了")
    assert engine.red_flags("ＺＩＳＨＡ")


def test_red_flag_hits_carry_rule_details(engine: TriageEngine) -> None:
    (hit,) = engine.red_flags("我爸嘴歪了")
    assert hit.id == "stroke_signs"
    assert hit.departments[0] == "emergency"
    assert hit.source
    assert "歪" in hit.matched


def test_levels_are_ordered_and_never_downgrade() -> None:
    assert TriageLevel.SELF_CARE < TriageLevel.ROUTINE < TriageLevel.URGENT < TriageLevel.EMERGENCY
    assert max(TriageLevel.EMERGENCY, TriageLevel.ROUTINE) is TriageLevel.EMERGENCY
    assert TriageLevel.highest(TriageLevel.EMERGENCY, "self_care") is TriageLevel.EMERGENCY
    assert TriageLevel.highest(None, "urgent") is TriageLevel.URGENT
    assert TriageLevel.highest() is None


def test_result_serialises_to_the_contract(engine: TriageEngine) -> None:
    payload = assess(engine, "胸口压着疼出冷汗").model_dump(mode="json")
    assert set(payload) == {"level", "departments", "red_flags", "advice", "reasons", "questions"}
    assert payload["level"] == "emergency"
    assert payload["reasons"][0]["rule"] == "chest_pain_cardiac" and payload["reasons"][0]["source"]


def test_default_engine_is_cached() -> None:
    assert default_engine() is default_engine()
