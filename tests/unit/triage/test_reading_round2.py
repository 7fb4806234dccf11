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
