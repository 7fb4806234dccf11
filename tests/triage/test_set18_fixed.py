"""Conversation set 18's over-calls by the rules (tuning material), each fixed by a general reading.

P01: "没拉黑便" was read as black stool (the verb between the denial and the sign broke the
negation) and "就是烧得慌" (burning, said of heartburn) as a fever: a month of reflux was sent
to 120. NICE CKS Dyspepsia/GORD: heartburn with no alarm sign is a clinic case.
P11: "摸着火辣辣的" held "着火" (a fire), and "晒秃噜皮" (Northeastern for sunburnt to peeling)
was no sunburn: a red painful sunburn without blisters, fever or confusion is home care (NICE CKS
Sunburn; NHS "Sunburn"); blisters over the back with fever and confusion stay an emergency.
P19: a child's nosebleed that stopped with five minutes of pressure was raised to 120 by the
learned layer; the patient's own "止住了" now holds the home-care entry (NICE CKS Epistaxis).
A warfarin nosebleed of twenty minutes or more stays an emergency.
P32: six months of knee pain on stairs with "有时候有点肿" and "体重有点胖" counted as danger
signs (acute swelling, weight loss) and lost the long-standing hold: osteoarthritis is a clinic
case (中国骨关节炎诊疗指南 2021; NICE NG226). A red, hot or newly swollen knee keeps its level.
P49: "没起疙瘩" was a lump. Phrases here are our own, not the blind set's.
"""

from __future__ import annotations

import pytest

from actions.triage_answers import answer_age, without_leading_age
from services.clinical.triage import TriageEngine, TriageLevel
from tests.triage.assessing import level_and_flags, level_and_rules

# --- a denial with the verb of passing or coming up between ---


@pytest.mark.parametrize("text", ["胃里反酸两个月了 没拉过黑便", "烧心半个多月 没解黑便 也没吐血", "身上痒 没长疙瘩"])
def test_a_sign_denied_with_its_verb_is_no_finding(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text, age=45)
    assert level is not TriageLevel.EMERGENCY
    assert "major_bleeding" not in fired and "lump" not in fired


@pytest.mark.parametrize(
    "text", ["这两天拉黑便 头晕心慌", "没拉肚子 但是拉了黑便 站起来眼前发黑", "没解大便 吐了一口血"]
)
def test_black_stool_or_vomited_blood_said_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text, age=50)
    assert level is TriageLevel.EMERGENCY
    assert "major_bleeding" in flags


@pytest.mark.parametrize("text", ["烧心 吃完饭更明显 不是胸口疼 就是烧得慌", "胃里烧得慌 一个多月了 饭后反酸"])
def test_burning_said_of_heartburn_is_no_fever(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text, age=40)
    assert level is TriageLevel.ROUTINE
    assert "fever" not in fired


def test_a_child_burning_up_is_still_a_fever(rules: TriageEngine) -> None:
    _, fired = level_and_rules(rules, "孩子烧得厉害 小脸通红", age=3)
    assert "fever" in fired


# --- sunburn ---


@pytest.mark.parametrize(
    "text", ["去海边晒爆皮了 后背通红 摸着火辣辣的 没起泡", "晒秃噜皮了 皮肤通红 有点疼 不发烧 没起泡"]
)
def test_a_sunburn_without_blisters_is_home_care(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, flags = level_and_flags(judge, text, age=25)
        assert level is TriageLevel.SELF_CARE, (text, flags)


def test_hot_skin_after_the_sun_is_no_fire(rules: TriageEngine) -> None:
    level, flags = level_and_flags(rules, "胳膊晒得通红 摸着火辣辣地疼", age=25)
    assert "severe_burn" not in flags
    assert level is TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text",
    ["晒伤了 后背起了一大片水泡 发烧 人有点迷糊", "厨房着火了 胳膊被烧伤", "衣服着火了 后背烧伤一大片"],
)
def test_a_burn_with_blisters_fever_and_confusion_or_a_fire_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(rules, text, age=30)
    assert level is TriageLevel.EMERGENCY


def test_sunburn_blisters_over_the_back_are_seen_the_same_day(rules: TriageEngine) -> None:
    level, _ = level_and_flags(rules, "海边晒伤 后背起了一大片水泡", age=30)
    assert level >= TriageLevel.URGENT


# --- a nosebleed that stopped ---


@pytest.mark.parametrize("text", ["闺女刚流鼻血了 按了几分钟止住了 第一次流", "孩子鼻子出血 捏住鼻子一会儿就不流了"])
def test_a_childs_nosebleed_stopped_by_pressure_is_home_care(
    rules: TriageEngine, engine: TriageEngine, text: str
) -> None:
    for judge in (rules, engine):
        level, fired = level_and_rules(judge, text, age=7)
        assert level is TriageLevel.SELF_CARE, (text, fired)


@pytest.mark.parametrize("text", ["我在吃华法林 鼻子流血二十多分钟了 捏着也止不住", "吃着华法林 流鼻血半个小时才止住"])
def test_a_long_nosebleed_on_warfarin_stays_an_emergency(rules: TriageEngine, engine: TriageEngine, text: str) -> None:
    for judge in (rules, engine):
        level, _ = level_and_flags(judge, text, age=70)
        assert level is TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", ["孩子流鼻血 捏了一会止住了 这礼拜第三次了", "儿子摔了一跤 流鼻血 现在止住了"])
def test_a_recurrent_or_injured_nosebleed_is_not_home_care(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=7)
    assert level is not TriageLevel.SELF_CARE


# --- long-standing knee pain with intermittent swelling ---


@pytest.mark.parametrize(
    "text",
    [
        "我妈膝盖疼 上楼疼得厉害 有大半年了 没摔过 偶尔有点肿 人有点胖",
        "膝盖疼两年了 下楼梯疼得厉害 有时候肿 体重有点超",
    ],
)
def test_long_standing_knee_pain_with_swelling_now_and_then_is_routine(rules: TriageEngine, text: str) -> None:
    level, fired = level_and_rules(rules, text, age=65)
    assert level is TriageLevel.ROUTINE
    assert "severe_pain" not in fired


@pytest.mark.parametrize("text", ["膝盖疼半年了 这两天肿得厉害 疼得厉害", "膝盖疼了好几个月 疼得厉害 最近体重掉了十斤"])
def test_knee_pain_newly_swollen_or_with_weight_loss_keeps_its_level(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_rules(rules, text, age=65)
    assert level >= TriageLevel.URGENT


# --- the age typed first in an answer ---


@pytest.mark.parametrize(
    ("text", "age"), [("20 已经摘了 滴了眼药水没用", 20), ("65 体重有点胖", 65), ("40，抽烟喝酒都有点", 40)]
)
def test_an_age_typed_first_is_the_age(text: str, age: int) -> None:
    assert answer_age(text) == age


@pytest.mark.parametrize("text", ["3 天了", "38 度", "38.5 烧了两天", "300 块钱", "2 次"])
def test_a_number_with_a_unit_is_no_age(text: str) -> None:
    assert answer_age(text) is None


def test_the_age_typed_first_is_not_read_as_words() -> None:
    assert without_leading_age("20 已经摘了 滴了眼药水没用") == "已经摘了 滴了眼药水没用"
    assert without_leading_age("3 天了") == "3 天了"
