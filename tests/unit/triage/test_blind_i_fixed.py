"""Checks that belong to set I's round alone (issue 10): reading bugs found while tuning on set I,
fixed as general rules and asked here in our own words. The vignettes, paraphrases and look-alikes
of set I's fixed families (``tests/triage/set_i_fixed.yml``) are asked in
``test_blind_fixed_families.py``, with the other tuning sets'.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.demographics import extract

_HEAD_RULES = {"head_injury_any", "minor_head_bump", "head_injury_severe", "elder_head_injury"}


def _rules_that_spoke(rules: TriageEngine, text: str) -> set[str]:
    return {reason.rule for reason in rules.assess(TriageInput(text=text)).reasons}


@pytest.mark.parametrize(
    ("text", "age"),
    [("我妈七十五", 75.0), ("我爸八十二了 胸闷", 82.0), ("奶奶九十 这两天不吃饭", 90.0), ("外公八十六，咳嗽", 86.0)],
)
def test_a_relatives_age_without_sui_is_read(text: str, age: float) -> None:
    assert extract(text).age == age


@pytest.mark.parametrize("text", ["我妈二十分钟前晕倒了", "奶奶九十斤", "姥姥三十九 发烧", "我妈20号来的月经"])
def test_a_time_a_weight_or_a_temperature_after_a_relative_is_no_age(text: str) -> None:
    # A temperature read as a grandmother's age would also hide that she is an elder.
    parsed = extract(text)
    assert parsed.age is None
    assert parsed.is_elder == ("奶奶" in text or "姥姥" in text)


@pytest.mark.parametrize("text", ["三岁宝宝两天了 一直咳", "孩子5岁 宝宝两天没拉了"])
def test_days_after_a_child_with_an_age_in_years_are_how_long(text: str) -> None:
    assert extract(text).age in (3.0, 5.0)


@pytest.mark.parametrize("text", ["宝宝才两天 有点黄", "出生五天的宝宝", "宝宝两天 吃奶少"])
def test_days_said_as_a_newborns_age_stay_an_age(text: str) -> None:
    age = extract(text).age
    assert age is not None and age < 0.02


@pytest.mark.parametrize(
    "text", ["脚趾头撞了 有点肿", "手指头磕到桌角了", "踢球骨头撞了一下", "枕头砸到脸上了", "舌头被牙磕破了"]
)
def test_a_tou_that_is_not_the_head_is_no_head_injury(rules: TriageEngine, text: str) -> None:
    assert not _rules_that_spoke(rules, text) & _HEAD_RULES


@pytest.mark.parametrize("text", ["孩子磕到床头了 哭了一会", "被石头砸到头了", "脑袋撞门框上了"])
def test_a_real_head_hit_still_counts(rules: TriageEngine, text: str) -> None:
    assert _rules_that_spoke(rules, text) & _HEAD_RULES


@pytest.mark.parametrize("text", ["嘴里长了个溃疡 有点疼", "舌头上起了两个小泡 吃辣的疼", "口里烂了个口疮"])
def test_a_mouth_ulcer_said_with_a_measure_word_is_self_care(rules: TriageEngine, text: str) -> None:
    assert rules.assess(TriageInput(text=text)).level is TriageLevel.SELF_CARE


def test_a_gum_boil_is_no_mouth_ulcer(rules: TriageEngine) -> None:
    assert rules.assess(TriageInput(text="牙龈上长了个泡 有脓")).level is not TriageLevel.SELF_CARE


@pytest.mark.parametrize(
    "text", ["肾移植两年 肌酐升高了", "换肾三年了 最近肌酐涨到200", "肾移植病史 肌酐高了", "肝移植一年多 转氨酶升高"]
)
def test_a_transplant_said_with_how_long_ago_is_a_transplant_now(rules: TriageEngine, text: str) -> None:
    # "两年" after 移植 is how long the graft has been in, not a past illness: rising creatinine or
    # liver tests is same-day work for the transplant centre.
    assert rules.assess(TriageInput(text=text)).level.severity >= TriageLevel.URGENT.severity


def test_a_stable_transplant_stays_routine(rules: TriageEngine) -> None:
    assert rules.assess(TriageInput(text="肾移植两年 肌酐很稳定 来复查")).level is TriageLevel.ROUTINE
