"""Leftovers of set J as tuning material (J310, J077, J049/H135, the hives net).

Each family is asked in our own words (never a vignette's), with look-alikes that must keep
their reading or level, so that no emergency is lost by the fix.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.demographics import extract
from services.clinical.triage.findings import Findings


def _findings(engine: TriageEngine, text: str) -> Findings:
    normalized = engine.normalize(text)
    return engine._findings(normalized, extract(normalized))


def _rules(engine: TriageEngine, text: str) -> set[str]:
    return {reason.rule for reason in engine.assess(TriageInput(text=text)).reasons}


# -- a bottle of a drink is no count of tablets (J310) ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "老公晚上喝了一整瓶白酒，现在睡着了",
        "喝了半瓶红酒有点上头",
        "啤酒喝了一瓶，脸红",
        "孩子一口气喝了一瓶饮料",
        "早上喝了半瓶水",
        "喝了一瓶多啤酒",
    ],
)
def test_a_bottle_of_a_drink_is_not_counted_as_tablets(engine: TriageEngine, text: str) -> None:
    assert _findings(engine, text).tablets is None
    assert "overdose_count" not in _rules(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "她吃了半瓶安眠药",
        "吞了一瓶药",
        "喝了半瓶止咳糖浆",
        "喝了一整瓶酒精",
        "喝完白酒又吃了一整瓶降压药",
        "白酒喝了半瓶，还吞了一把安眠药",
    ],
)
def test_a_bottle_of_pills_still_counts(engine: TriageEngine, text: str) -> None:
    assert _findings(engine, text).tablets == 30
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY


# -- a heavy period or heavy vaginal bleeding: gynaecology first, still an emergency (J077) ----


@pytest.mark.parametrize(
    "text",
    [
        "这次大姨妈特别多，站起来就头晕",
        "例假量很大，一个小时就得换，脸色发白",
        "下身流血止不住，人有点晕",
    ],
)
def test_heavy_menstrual_or_vaginal_bleeding_goes_to_gynecology(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.EMERGENCY
    assert list(result.departments[:2]) == ["emergency", "gynecology"]


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("吐了一大口血", "gastroenterology"),
        ("拉了一马桶的血，头晕", "gastroenterology"),
        ("手被刀割了，血一直往外冒", "general_surgery"),
    ],
)
def test_other_major_bleeding_keeps_its_departments(engine: TriageEngine, text: str, department: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.EMERGENCY
    assert department in result.departments[:3]
    assert "gynecology" not in result.departments


# -- hives with denied airway signs is no anaphylaxis; real airway or collapse still is ------


@pytest.mark.parametrize(
    "text",
    [
        "身上起了一片风团，挺痒，没有气喘，嘴不肿",
        "全身起红疙瘩，也没气喘",
        "浑身长了疹子，不喘，嗓子也不紧",
    ],
)
def test_hives_with_denied_airway_signs_is_not_the_anaphylaxis_flag(engine: TriageEngine, text: str) -> None:
    assert "hives_with_airway_or_collapse" not in _rules(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "身上起风团，有点气喘",
        "全身起疹子，嗓子发紧",
        "浑身起了红包，喘不上气",
        "身上长满了风团，人晕倒了",
    ],
)
def test_hives_with_airway_or_collapse_stays_an_emergency(engine: TriageEngine, text: str) -> None:
    result = engine.assess(TriageInput(text=text))
    assert result.level is TriageLevel.EMERGENCY
    assert "hives_with_airway_or_collapse" in {reason.rule for reason in result.reasons}


# -- a statin's mild muscle ache: home care when said to be mild, cardiology (J049, H135) -----


@pytest.mark.parametrize(
    "text",
    [
        "吃阿托伐他汀以后腿有点酸，不严重",
        "降脂药吃上以后胳膊有点酸痛，尿的颜色也正常",
    ],
)
def test_a_mild_statin_ache_said_to_be_mild_is_self_care(rules: TriageEngine, text: str) -> None:
    result = rules.assess(TriageInput(text=text))
    assert result.level is TriageLevel.SELF_CARE
    assert result.departments[0] == "cardiology"


def test_a_statin_ache_alone_is_routine_in_cardiology(rules: TriageEngine) -> None:
    result = rules.assess(TriageInput(text="吃了瑞舒伐他汀，肌肉有点酸"))
    assert result.level is TriageLevel.ROUTINE
    assert result.departments[0] == "cardiology"


@pytest.mark.parametrize(
    "text",
    [
        "吃他汀以后浑身肌肉疼，尿像浓茶",
        "吃他汀腿酸，尿的颜色发褐，不严重",
        "吃降脂药以后大腿疼，小便是棕色的",
    ],
)
def test_a_statin_ache_with_dark_urine_is_an_emergency(engine: TriageEngine, text: str) -> None:
    assert engine.assess(TriageInput(text=text)).level is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["吃他汀肌肉疼得厉害，胳膊没劲抬不起来", "吃他汀以后腿有点酸，没劲站不起来，不严重"],
)
def test_a_statin_ache_with_weakness_or_severe_pain_is_not_home_care(rules: TriageEngine, text: str) -> None:
    assert rules.assess(TriageInput(text=text)).level >= TriageLevel.URGENT
