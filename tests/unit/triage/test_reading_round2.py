"""Reading bugs, round 2: words the engine read as something the patient never said.

1. A burning feeling in the chest, stomach or throat ("心口窝烧得慌") is heartburn, not a fever.
2. A negated or pregnancy child word ("没怀娃儿", "还没娃") does not make the patient a child.
3. A duration after a verb ("他汀吃了一个月") is not a one-month-old baby.

Each family is asked in our own words (never a vignette's), with look-alikes that must keep
their reading or level, so that no emergency is lost by the fix.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.demographics import extract


def _rules(engine: TriageEngine, text: str) -> set[str]:
    return {reason.rule for reason in engine.assess(TriageInput(text=text)).reasons}


# -- 1. a burning feeling is not a fever --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "心口窝烧得慌，老是反酸",
        "胃里烧得慌，吃完饭更明显",
        "这几天胸口后头烧得难受，躺下更厉害",
        "嗓子烧得慌，总往上反酸水",
        "喉咙烧得火辣辣的，吃了辣椒以后",
        "胃这块儿烧得难受",
        "最近老烧心，胃里也有点胀",
        "有点烧心，吃完饭就这样",
    ],
)
def test_a_burning_feeling_in_chest_stomach_or_throat_is_not_a_fever(engine: TriageEngine, text: str) -> None:
    assert "fever" not in _rules(engine, text)
    assert engine.assess(TriageInput(text=text)).level is not TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "孩子夜里烧得厉害",
        "昨天烧到39度",
        "身上烧得慌，浑身没劲",
        "孩子烧得难受，一直哭",
        "没胃口，烧得难受",
        "嗓子疼烧得难受",
        "烧得迷迷糊糊的",
    ],
)
def test_a_fever_said_with_shaode_is_still_a_fever(engine: TriageEngine, text: str) -> None:
    assert "fever" in _rules(engine, text)


def test_a_caustic_drink_with_a_burning_throat_stays_an_emergency(engine: TriageEngine) -> None:
    text = "误喝了一口洁厕灵，嗓子烧得慌"
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY


def test_a_baby_burning_up_stays_an_emergency(engine: TriageEngine) -> None:
    text = "宝宝两个月，烧得厉害，39度"
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY


# -- 2. a denied or unborn child is no child patient ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "没怀娃儿，发烧，腰杆这边疼，解小便也疼",
        "我还没娃，这两天尿尿疼",
        "我们没有孩子，我自己肚子疼",
        "结婚三年没得娃，月经不准",
        "不是孩子，是我自己发烧",
        "怀娃儿五个月了，腿有点肿",
        "怀着孩子，这两天肚子有点胀",
        "没生过孩子，下面有点痒",
    ],
)
def test_a_denied_or_unborn_child_is_no_child(text: str) -> None:
    assert not extract(text).is_child


@pytest.mark.parametrize("text", ["没怀娃儿，发烧", "还没怀上孩子，腰疼", "没怀过宝宝，小肚子疼"])
def test_not_carrying_a_baby_is_not_pregnant(text: str) -> None:
    assert extract(text).pregnant is False


@pytest.mark.parametrize("text", ["怀娃儿三个月了，见了点红", "怀上宝宝两个月，肚子疼"])
def test_carrying_a_baby_is_pregnant(text: str) -> None:
    assert extract(text).pregnant is True


@pytest.mark.parametrize(
    "text",
    [
        "娃儿发烧，哭闹",
        "孩子没发烧，就是咳",
        "宝宝没有吃奶，一直睡",
        "是不是孩子发烧了，额头好烫",
        "没让孩子吃药，娃儿还在咳",
        "我家就一个孩子，宝宝三个月，拉肚子",
    ],
)
def test_a_child_said_with_a_negation_nearby_is_still_a_child(text: str) -> None:
    assert extract(text).is_child


def test_an_adult_without_child_gets_no_child_rules(engine: TriageEngine) -> None:
    rules = _rules(engine, "没怀娃儿，发烧39度，右边腰疼，尿尿疼")
    assert "fever_urinary_loin" in rules
    assert not any(rule.startswith("child_") or rule.endswith("_child") for rule in rules)


# -- 3. a span after a verb is no baby's age -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "他汀吃了一个月，腿有点酸",
        "他汀吃了一个月大腿酸",
        "降压药用了快两个月大便有点黑",
        "理疗做了一个月大腿还是没劲",
        "这药吃了一个月宝宝说我脸黄",
        "胰岛素打了差不多三个月",
        "药膏抹了两周大腿还痒",
        "吃了十天药，孩子说我瘦了",
    ],
)
def test_a_span_after_a_verb_is_no_age(engine: TriageEngine, text: str) -> None:
    normalized = engine.normalize(text)
    said = extract(normalized)
    assert said.age is None
    assert engine._findings(normalized, said).age_days is None


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("宝宝一个月，吐奶", 1 / 12),
        ("孩子才一个月大", 1 / 12),
        ("一个月的娃，鼻子不通", 1 / 12),
        ("宝宝两个月大，发烧38度", 2 / 12),
        ("宝宝吃了一个月奶粉，三个月大", 3 / 12),
        ("三周大的宝宝吐奶", 21 / 365),
    ],
)
def test_a_baby_age_is_still_read(engine: TriageEngine, text: str, age: float) -> None:
    assert extract(engine.normalize(text)).age == pytest.approx(age, abs=0.002)


def test_a_two_month_old_with_fever_stays_an_emergency(engine: TriageEngine) -> None:
    assert engine.assess(TriageInput(text="宝宝两个月大，发烧38度")).level is TriageLevel.EMERGENCY


def test_black_stools_after_months_of_pills_stay_an_emergency_for_an_adult(engine: TriageEngine) -> None:
    result = engine.assess(TriageInput(text="降压药用了两个月大便发黑"))
    assert result.level is TriageLevel.EMERGENCY
    assert "pediatrics" not in result.departments
