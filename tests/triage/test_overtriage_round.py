"""Over-triage round on the tuning sets A-Q (issue 10): each narrowing of a red flag, with its look-alikes.

A fresh blind set sent 32 urgent and 11 routine cases to 120. On A-Q the rules called a
presentation an emergency although the same message bounded the sign (a faint with the usual
warning of a reflex one, an old stroke's unchanged weakness, a black stool with the patient
saying they feel well). Each narrowing below keeps a same-day (or clinic) answer and every
look-alike with a danger sign stays an emergency. Phrases are our own, not the blind sets'.
Tested on the rules alone (the chat edge's engine) unless the learned layer matters.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from tests.triage.assessing import level_and_flags

# --- a reflex faint: "眼前发黑" before it is its warning, 抽血 is a blood test (NICE CG109) ---


@pytest.mark.parametrize(
    "text",
    [
        "排队站了很久 眼前一黑就晕倒了 几秒钟就醒了 现在好了",
        "在医院抽血 看到针头晕过去了 一会儿就醒了",
        "蹲久了站起来眼前发黑 晕倒了 马上就醒了 没有心慌",
    ],
)
def test_a_reflex_faint_said_with_its_warning_is_seen_today(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text, age=25)
    assert level is TriageLevel.URGENT
    assert "unconscious_or_seizure" not in flags


@pytest.mark.parametrize(
    "text",
    [
        "站久了眼前一黑晕倒了 几秒钟就醒了 之前心慌得厉害",  # palpitations before: arrhythmia
        "跑步的时候眼前发黑晕倒了 马上就醒了",  # on exertion
        "站起来眼前一黑晕倒了 一会儿就醒了 拉的大便是黑的",  # a bleed
        "抽血的时候晕过去了 一会儿醒了 醒了以后手脚一直抽",  # a fit
    ],
)
def test_a_faint_with_a_danger_sign_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level_and_flags(rules, text, age=25)[0] is TriageLevel.EMERGENCY


# --- an old stroke's unchanged weakness, asked about for rehabilitation (NICE NG236 vs NG128) ---


@pytest.mark.parametrize(
    "text",
    [
        "脑梗出院两个月 右手还是没劲 想问哪里做康复",
        "前年中风 现在右腿还不太灵活 想做康复锻炼",
        "我妈脑出血后一年 左手仍然没力气 想找康复科",
    ],
)
def test_an_old_strokes_unchanged_weakness_is_a_clinic_matter(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text, age=66)
    assert level is TriageLevel.ROUTINE
    assert "stroke_signs" not in flags


@pytest.mark.parametrize(
    "text",
    [
        "脑梗出院两个月 右手还是没劲 今天说话也含糊了",  # a new sign
        "前年中风 右手一直不灵活 这两天越来越没劲",  # worse
        "去年中风过 刚才突然左手拿不住筷子",  # sudden
        "中风后半年 左手还没力 今天嘴巴有点歪",  # face
        "脑梗出院三个月 左手还是没劲 又有点头晕想吐",  # dizzy and vomiting
    ],
)
def test_new_or_worse_signs_after_an_old_stroke_stay_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level_and_flags(rules, text, age=66)[0] is TriageLevel.EMERGENCY


# --- a black stool with the patient saying they are well: same day, not 120 (Blatchford, NICE CG141) ---


@pytest.mark.parametrize(
    "text",
    [
        "今天解的大便是黑色的 人挺好 没什么不舒服",
        "大便发黑两天了 不头晕 也没吃补铁的东西",
        "最近在吃止痛药 大便变黑了 没有头晕",
    ],
)
def test_a_black_stool_in_a_well_patient_is_seen_today(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text, age=45)
    assert level is TriageLevel.URGENT
    assert "major_bleeding" not in flags


@pytest.mark.parametrize(
    "text",
    [
        "大便黑的 像柏油",  # nothing said about how the patient is
        "大便发黑 不头晕 就是有点心慌",  # a bleeding sign after
        "脸色苍白 这两天大便发黑 别的没啥不舒服",  # a bleeding sign before
        "有肝硬化 今天大便黑了 人还好",  # varices
        "大便发黑 人没事 早上吐了一口血",  # haematemesis
    ],
)
def test_a_black_stool_with_a_danger_sign_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    assert level_and_flags(rules, text, age=45)[0] is TriageLevel.EMERGENCY


def test_a_denied_black_stool_raises_nothing(rules: TriageEngine) -> None:
    """ "没有黑便" after a pale face is a denial, not a bleed."""
    assert "major_bleeding" not in level_and_flags(rules, "最近脸色发白 有点乏力 没有黑便", age=45)[1]


def test_a_black_stool_on_an_anticoagulant_stays_an_emergency(rules: TriageEngine) -> None:
    assert level_and_flags(rules, "吃着华法林 今天大便发黑 没头晕", age=70)[0] is TriageLevel.EMERGENCY


# --- under-triage: a woman's sudden one-sided pelvic pain (torsion, ectopic: RCOG GTG 21, NICE NG126) ---


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("下面右边突然疼起来 有点想吐", 26),
        ("左边小肚子一下子痛了 恶心", 31),
        ("刚才下腹一侧突然绞着疼", 19),
        ("下面一边忽然很痛", None),
    ],
)
def test_a_womans_sudden_one_sided_pelvic_pain_is_seen_today(engine: TriageEngine, text: str, age: int | None) -> None:
    level, _ = level_and_flags(engine, text, age=age, sex="female")
    assert level in (TriageLevel.URGENT, TriageLevel.EMERGENCY)


def test_the_net_itself_answers_on_the_rules_alone(rules: TriageEngine) -> None:
    """Without the learned layer the answer is the net's: same day, gynaecology first."""
    found = rules.assess(TriageInput(text="下面右边突然疼起来 有点想吐", age=26, sex="female"))
    assert found.level is TriageLevel.URGENT
    assert found.departments[0] == "gynecology"


@pytest.mark.parametrize(
    ("text", "sex", "level"),
    [
        ("下面一边有点隐隐的不舒服 好几天了", "female", TriageLevel.ROUTINE),  # neither sudden nor severe
        ("下面右边突然疼起来 有点想吐", "male", TriageLevel.EMERGENCY),  # a male's 下面: torsion
        ("月经推迟了 小肚子一边突然痛", "female", TriageLevel.EMERGENCY),  # late period: ectopic
    ],
)
def test_look_alikes_of_sudden_pelvic_pain_keep_their_level(
    rules: TriageEngine, text: str, sex: str, level: TriageLevel
) -> None:
    assert level_and_flags(rules, text, age=28, sex=sex)[0] is level


def test_a_lump_or_blister_below_is_not_this_net(rules: TriageEngine) -> None:
    found = rules.assess(TriageInput(text="下面一边长了个包 突然很痛", age=28, sex="female"))
    assert not any("sudden_one_sided_pelvic_pain_woman" in r.rule for r in found.reasons)
