"""Set R's over-triage defects (issue 10), each fixed generally, with look-alikes that stay emergencies.

Blind set R (now tuning material) sent urgent, routine and self-care cases to 120 for a
handful of reasons: a denial in Cantonese not read, an antipyretic taken for a fever read as
an ingestion, "no shortness of breath" read as "not breathing", a cramp read as a fit, a
bleed after the menopause read as bleeding in pregnancy, a stool count read as a baby's
age, and the learned layer alone raising non-acute presentations (a squint, late speech,
a blood pressure on treatment) to emergency. Phrases here are our own, not the blind set's.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from tests.triage.assessing import level_and_flags

# --- a fever's antipyretic is treatment, not a poisoning (NICE NG143 1.6; 中国急性中毒共识 2016) ---


@pytest.mark.parametrize(
    "text",
    [
        "女儿四岁 发烧三十九度 给她吃了退烧药 烧能降下来 就是说耳朵痛",
        "儿子发热两天 吃了退热药还是反复烧 精神还可以",
    ],
)
def test_an_antipyretic_given_for_a_fever_is_no_poisoning(rules: TriageEngine, text: str) -> None:
    _, flags = level_and_flags(rules, text)
    assert "poisoning" not in flags


@pytest.mark.parametrize(
    "text",
    [
        "孩子吃了退烧药 怎么办",
        "孩子发烧 趁大人不注意把一瓶退烧药都喝了",
        "孩子发烧 吃了奶奶的降压药",
    ],
)
def test_a_child_taking_medicine_without_a_fever_or_by_accident_stays_an_emergency(
    rules: TriageEngine, text: str
) -> None:
    level, _ = level_and_flags(rules, text)
    assert level is TriageLevel.EMERGENCY


# --- Cantonese 諗 is 想: "冇諗過自殺" is a denial, "諗住自殺" is not ---


@pytest.mark.parametrize(
    "text",
    ["心情好差 成個月瞓得唔好 冇諗過自殺", "生完BB之後好想喊 冇諗過傷害自己", "心情低落很久了 没有想过要伤害自己"],
)
def test_a_denied_thought_of_self_harm_is_not_a_suicide_risk(rules: TriageEngine, text: str) -> None:
    _, flags = level_and_flags(rules, text)
    assert "suicide_risk" not in flags


@pytest.mark.parametrize("text", ["我成日諗住自殺", "諗過好多次自殺 今晚想去天台", "我想伤害自己"])
def test_a_said_thought_of_suicide_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, flags = level_and_flags(rules, text)
    assert level is TriageLevel.EMERGENCY
    assert "suicide_risk" in flags


# --- "冇氣促" is no shortness of breath, not "没气" (not breathing) ---


def test_no_shortness_of_breath_is_not_read_as_not_breathing(rules: TriageEngine) -> None:
    _, flags = level_and_flags(rules, "食完蝦之後身痕起疹 冇氣促 嘴唇冇腫")
    assert "unconscious_or_seizure" not in flags


@pytest.mark.parametrize("text", ["老人突然倒下 没气了", "叫不醒 没有呼吸了"])
def test_not_breathing_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(rules, text)
    assert level is TriageLevel.EMERGENCY


# --- an adult's 抽筋 is a cramp unless said with a fit's company (NICE NG217; KDOQI 2015) ---


@pytest.mark.parametrize(
    "text",
    ["我爸做血透好几年了 每次透到后面就抽筋", "游完泳上来抽筋了 拉伸一下好点"],
)
def test_an_adults_cramp_is_no_fit(rules: TriageEngine, text: str) -> None:
    _, flags = level_and_flags(rules, text, age=60)
    assert "unconscious_or_seizure" not in flags


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("我老公刚才突然抽筋 叫他没反应", {"age": 40}),
        ("同学倒在地上抽筋 嘴里都是白沫", {"age": 20}),
        ("怀孕三十五周 抽筋了", {}),
        ("孩子发高烧 抽筋了", {}),
        ("宝宝抽筋了", {}),
        ("他抽筋已经五分钟了 还没停", {"age": 30}),
    ],
)
def test_a_fit_said_as_choujin_stays_an_emergency(rules: TriageEngine, text: str, given: dict[str, object]) -> None:
    level, _ = level_and_flags(rules, text, **given)
    assert level is TriageLevel.EMERGENCY


# --- after the menopause there is no pregnancy (NICE NG12 1.5: postmenopausal bleeding is a referral) ---


def test_bleeding_years_after_the_menopause_is_no_pregnancy_bleeding(rules: TriageEngine) -> None:
    level, flags = level_and_flags(rules, "绝经十来年了 这周内裤上又有点血", sex="female")
    assert "pregnancy_bleeding" not in flags
    assert level is not TriageLevel.EMERGENCY


@pytest.mark.parametrize("text", ["停经五十天 下面出血了", "怀孕八周 见红了 肚子有点痛"])
def test_bleeding_with_a_missed_period_or_a_pregnancy_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(rules, text)
    assert level is TriageLevel.EMERGENCY


# --- "宝宝三天没拉" is a stool count, not a baby's age; "不哭闹" is a content baby (NICE NG143) ---


def test_days_without_stool_are_no_newborns_age(rules: TriageEngine) -> None:
    level, flags = level_and_flags(rules, "宝宝四天没拉大便了 喝配方奶 肚子摸着软 不哭闹")
    assert not {"newborn_unwell", "infant_unwell"} & set(flags)
    assert level is not TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["宝宝出生三天 不吃奶 一直睡", "宝宝两个月 今天软软的 不哭了", "宝宝出生五天 没拉过大便 肚子胀 吐绿水"],
)
def test_an_unwell_young_baby_stays_an_emergency(rules: TriageEngine, text: str) -> None:
    level, _ = level_and_flags(rules, text)
    assert level is TriageLevel.EMERGENCY


# --- a curtain over the vision said the other way round ("像挡了块幕布") is a field loss (RCOphth) ---


def test_a_curtain_over_the_vision_is_an_emergency(rules: TriageEngine) -> None:
    level, _ = level_and_flags(rules, "左眼好多小黑点在飘 左边像遮了一层黑布")
    assert level is TriageLevel.EMERGENCY


# --- the learned layer alone stops at urgent on non-acute presentations (quiet_hold.py) ---


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("儿子三岁了 眼睛有点斗鸡眼 看东西往里斜", {}),
        ("孩子快三岁 还只会说几个字 叫他名字也不回头", {}),
        ("左边乳头有点褐色的水渗出来 不痛", {"sex": "female"}),
        ("我妈有高血压 一直吃着药 今天早上量了165 有点晕乎", {}),
        ("做护工的 收拾的时候被用过的针头扎了一下", {}),
        ("新生儿出生第五天 脸有点黄 吃奶挺好 精神好", {}),
    ],
)
def test_the_layer_alone_does_not_send_a_non_acute_presentation_to_120(
    engine: TriageEngine, text: str, given: dict[str, object]
) -> None:
    level, _ = level_and_flags(engine, text, **given)
    assert level is not TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    ("text", "given"),
    [
        ("孩子今天突然斜视 看东西有两个 还吐了", {}),
        ("我爸七十岁 今天突然不会说话了", {}),
        ("高血压 今天量了190/120 头痛得厉害 看东西模糊", {}),
        ("被艾滋病人用过的针扎了 出了血", {}),
        ("新生儿第二天 全身都黄了 不怎么吃奶 一直睡", {}),
        ("奶奶血压90/60 没力气 心慌 手冰凉", {"age": 85}),
        ("老爸有高血压 肚子里摸着一跳一跳的 腰背痛", {"age": 78}),
    ],
)
def test_the_acute_forms_of_those_presentations_stay_emergencies(
    engine: TriageEngine, text: str, given: dict[str, object]
) -> None:
    level, _ = level_and_flags(engine, text, **given)
    assert level is TriageLevel.EMERGENCY
