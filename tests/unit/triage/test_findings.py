"""Findings read from patients' words: numbers, ages, pregnancy, tablets, drugs, mechanisms."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel
from services.clinical.triage.demographics import extract, merge
from services.clinical.triage.findings import Findings


def findings(engine: TriageEngine, text: str) -> Findings:
    normalized = engine.normalize(text)
    return engine._findings(normalized, extract(normalized))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发烧39.5度", 39.5),
        ("体温38.6℃", 38.6),
        ("烧到40了", 40.0),
        ("三十九度五", 39.5),
        ("39度5", 39.5),
        ("体温只有34.8", 34.8),
        ("體溫35度", 35.0),
    ],
)
def test_temperature_including_low_values(engine: TriageEngine, text: str, expected: float) -> None:
    assert findings(engine, text).temperature == pytest.approx(expected)


def test_an_angle_is_not_a_temperature(engine: TriageEngine) -> None:
    assert findings(engine, "腰弯成90度角").temperature is None


@pytest.mark.parametrize(
    ("text", "systolic", "diastolic"),
    [
        ("血压180/110", 180, 110),
        ("血压 200 120", 200, 120),
        ("高压190低压120", 190, 120),
        ("量了血压是85/50", 85, 50),
        ("血压两百多", 200, None),
    ],
)
def test_blood_pressure(engine: TriageEngine, text: str, systolic: float, diastolic: float | None) -> None:
    found = findings(engine, text)
    assert (found.systolic, found.diastolic) == (systolic, diastolic)


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("心率150", "pulse", 150),
        ("心跳才38次", "pulse", 38),
        ("脉搏一百四", "pulse", 140),
        ("血氧饱和度只有89%", "spo2", 89),
        ("指脉氧85", "spo2", 85),
        ("血糖2.8", "glucose", 2.8),
        ("血糖高到25.6", "glucose", 25.6),
        ("血糖仪显示HI", "glucose", 33.3),
        ("血糖测了450", "glucose", 25.0),
    ],
)
def test_vital_signs(engine: TriageEngine, text: str, name: str, value: float) -> None:
    assert findings(engine, text).value(name) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("宝宝出生12天", 12),
        ("出生才二十天的宝宝", 20),
        ("5天的宝宝", 5),
        ("3周大的宝宝", 21),
        ("新生儿", 14),
        ("孩子两个月", 61),
    ],
)
def test_age_in_days(engine: TriageEngine, text: str, days: float) -> None:
    assert findings(engine, text).age_days == pytest.approx(days, abs=1)


@pytest.mark.parametrize(
    ("text", "age", "days"),
    [
        ("刚生下来的宝宝，脸有点黄", 0.0003, 0.1),  # a field of a few hours beats the word's 14
        ("刚生下来的宝宝，脸有点黄", None, 14),
        ("新生儿", 0.01, 3.6),
        ("宝宝出生12天，刚生下来就挺能吃", 0.0003, 12),  # days said in the text are specific too
        ("没满月的宝宝", 0.1, 14),  # a month rounded to 0.1 year (36.5 days) beside "under a month"
        ("刚生下来的宝宝", 30, 14),  # an adult's age in the field is the parent's, not the baby's
    ],
)
def test_a_newborn_word_never_hides_a_more_specific_age(
    engine: TriageEngine, text: str, age: float | None, days: float
) -> None:
    normalized = engine.normalize(text)
    found = engine._findings(normalized, merge(extract(normalized), age, None, None))
    assert found.age_days == pytest.approx(days, abs=0.1)


def test_first_day_jaundice_with_the_age_in_the_field(rules: TriageEngine) -> None:
    """Set E's open end: "刚生下来" with an age field of a few hours is the first day of life."""
    result = rules.assess(TriageInput(text="刚生下来的宝宝，脸有点黄", age=0.0003))
    assert result.level is TriageLevel.EMERGENCY
    assert "newborn_jaundice_first_day" in result.red_flags


def test_pregnancy_weeks_are_not_an_age(engine: TriageEngine) -> None:
    found = findings(engine, "怀孕32周")
    assert found.pregnancy_weeks == 32 and found.pregnant and found.age_days is None


@pytest.mark.parametrize(
    ("text", "weeks"),
    [("孕8个月", 31.1), ("怀孕七个多月", 26.8), ("孕晚期", 32), ("孕二十六周", 26)],
)
def test_pregnancy_weeks(engine: TriageEngine, text: str, weeks: float) -> None:
    assert findings(engine, text).pregnancy_weeks == pytest.approx(weeks, abs=0.2)


@pytest.mark.parametrize("text", ["产后一周", "还在坐月子", "剖腹产后第五天", "刚生完孩子"])
def test_postpartum(engine: TriageEngine, text: str) -> None:
    assert findings(engine, text).postpartum


@pytest.mark.parametrize(
    ("text", "count"),
    [("吃了20片", 20), ("吞了十几片安眠药", 10), ("吃了一整瓶降压药", 30), ("30粒安眠药吃下去了", 30)],
)
def test_counted_tablets(engine: TriageEngine, text: str, count: float) -> None:
    assert findings(engine, text).tablets == count


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("头疼三天了", 72),
        ("咳嗽两周", 336),
        ("拉肚子两个小时", 2),
        ("三天前开始发烧", 72),
        ("昨天开始", 24),
        ("半年了", 4380),
        ("十几天了", 312),
    ],
)
def test_duration(engine: TriageEngine, text: str, hours: float) -> None:
    assert findings(engine, text).duration_hours == hours


def test_sudden_onset(engine: TriageEngine) -> None:
    assert findings(engine, "突然头疼").sudden and not findings(engine, "头疼好几年").sudden


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("在吃华法林", "anticoagulant"),
        ("吃利伐沙班", "anticoagulant"),
        ("每天阿司匹林", "antiplatelet"),
        ("氯吡格雷", "antiplatelet"),
        ("打胰岛素", "insulin"),
        ("一周透析三次", "dialysis"),
        ("有房颤", "atrial_fibrillation"),
        ("在化疗", "chemotherapy"),
        ("长期吃激素", "immunosuppressed"),
        ("肾移植术后吃免疫抑制剂", "immunosuppressed"),
    ],
)
def test_medications_and_conditions(engine: TriageEngine, text: str, condition: str) -> None:
    assert condition in findings(engine, text).conditions


def test_negated_medication_is_not_a_finding(engine: TriageEngine) -> None:
    assert "anticoagulant" not in findings(engine, "没有吃华法林").conditions


@pytest.mark.parametrize(
    ("text", "mechanism"),
    [("在家摔倒了", "fall"), ("出车祸了", "traffic"), ("从三楼掉下来", "fall_height"), ("高处坠落", "fall_height")],
)
def test_mechanisms_of_injury(engine: TriageEngine, text: str, mechanism: str) -> None:
    assert mechanism in findings(engine, text).mechanisms


def test_uncertainty_is_kept(engine: TriageEngine) -> None:
    assert findings(engine, "好像怀孕了").uncertain == ("好像",)


def test_traditional_characters_are_converted_by_opencc(engine: TriageEngine) -> None:
    assert engine.normalize("掛號，發燒，懷孕32週") == "挂号，发烧，怀孕32周"
