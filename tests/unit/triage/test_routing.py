"""Symptom messages reach triage; department names resolve by synonym and by sound."""

from __future__ import annotations

import pytest

from services.clinical.triage.routing import looks_like_symptom, resolve_department, sound


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("耳鼻猴科", "ent"),
        ("内分秘科", "endocrinology"),
        ("新内科", "cardiology"),
        ("皮服科", "dermatology"),
        ("神精内科", "neurology"),
        ("我想挂耳鼻猴科的号", "ent"),
        ("掛號心內科", "cardiology"),
        ("五官科", "ent"),
        ("肠胃科", "gastroenterology"),
        ("内科", "general_internal"),
        ("心血管内科", "cardiology"),
    ],
)
def test_department_names_with_typos_and_homophones(text: str, code: str) -> None:
    assert resolve_department(text) == code


@pytest.mark.parametrize("text", ["我要挂个号", "你好", "", "明天上午"])
def test_no_department_named(text: str) -> None:
    assert resolve_department(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("月经老是不准 是不是该看妇科", "gynecology"),  # 看妇科 sounds like 康复科: the verb is no syllable
        ("想挂看妇科的号", "gynecology"),
        ("我要看康复科", "rehabilitation"),
        ("产房可以进家属吗", "obstetrics"),  # the delivery room is the obstetric ward's
    ],
)
def test_a_verb_before_a_name_and_the_delivery_room(text: str, code: str) -> None:
    assert resolve_department(text) == code


def test_sound_folds_common_confusions() -> None:
    assert sound("心") == sound("新") and sound("脑") == sound("老")


@pytest.mark.parametrize(
    "text",
    [
        "孩子发烧39度，要不要去医院",
        "头疼挂什么科",
        "肚子疼，能挂今天的号吗",
        "我這兩天一直咳嗽",
        "喉嚨痛是什麼原因",
        "胸口闷是怎么回事",
        "宝宝吐奶正常吗",
        "我血压高，头晕",
        "救命，我爸叫不醒",
    ],
)
def test_symptom_messages_go_to_triage_even_as_questions(text: str) -> None:
    assert looks_like_symptom(text)


@pytest.mark.parametrize(
    "text",
    [
        "心内科在几楼",
        "发热门诊几点开门",
        "我想预约明天的号",
        "我要续方降压药",
        "报告出来了吗",
        "谢谢",
        "退款什么时候到",
    ],
)
def test_errands_are_not_symptoms(text: str) -> None:
    assert not looks_like_symptom(text)


@pytest.mark.parametrize(
    "text",
    ["怀孕8周，下面有点褐色分泌物，肚子不疼", "血糖22，没有别的不舒服", "我爸一整天都没尿", "眼睛看手机看久了干涩"],
)
def test_numbers_and_risk_groups_route_to_triage_too(text: str) -> None:
    assert looks_like_symptom(text)


@pytest.mark.parametrize("text", ["我累了，不想挂了", "我想喝酸奶", "挂号要多少钱"])
def test_everyday_words_are_not_complaints(text: str) -> None:
    assert not looks_like_symptom(text)


@pytest.mark.parametrize("text", ["解手的时候有血", "上完厕所纸上全是血", "痰里带点血丝", "小便是红的，有血"])
def test_blood_said_in_plain_words_is_a_complaint(text: str) -> None:
    """Neither the symptom table nor the old complaint words knew "有血" after a bowel
    movement said plainly (NLU set 5, read by class)."""
    assert looks_like_symptom(text)


@pytest.mark.parametrize("text", ["有血常规的报告吗", "是血液科吗", "查血有结果了吗", "验血型在几楼"])
def test_blood_tests_and_the_blood_department_are_not_bleeding(text: str) -> None:
    assert not looks_like_symptom(text)
