"""Parsing age, sex and pregnancy from what patients and relatives write."""

from __future__ import annotations

import pytest

from services.clinical.triage.demographics import Demographics, extract, merge
from services.clinical.triage.normalize import to_simplified


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("我家宝宝5个月", 5 / 12),
        ("5个月大的宝宝发烧", 5 / 12),
        ("宝宝两个半月", 2.5 / 12),
        ("3岁孩子", 3.0),
        ("一岁半的宝宝", 1.5),
        ("70多岁的老人", 70.0),
        ("七十多岁的老人", 70.0),
        ("女，45岁", 45.0),
        ("八旬老人", 80.0),
        ("我婆婆七十五了", 75.0),
        ("出生20天的宝宝", 20 / 365),
        ("新生儿黄疸", 0.08),
        ("咳嗽两个月了", None),
        ("孩子发烧3天", None),
        ("头疼两天了", None),
    ],
)
def test_age(text: str, age: float | None) -> None:
    parsed = extract(text).age
    if age is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(age, abs=0.01)


@pytest.mark.parametrize(
    ("text", "sex"),
    [("女，45岁", "female"), ("男，60岁", "male"), ("我老公胸口疼", "male"), ("我妈头晕", "female"), ("头疼", None)],
)
def test_sex(text: str, sex: str | None) -> None:
    assert extract(text).sex == sex


@pytest.mark.parametrize(
    ("text", "pregnant"),
    [
        ("我老婆怀孕了", True),
        ("怀孕8周", True),
        ("孕30周破水了", True),
        ("没有怀孕", False),
        ("在备孕", False),
        ("头疼", None),
    ],
)
def test_pregnancy(text: str, pregnant: bool | None) -> None:
    parsed = extract(text)
    assert parsed.pregnant is pregnant
    if pregnant:
        assert parsed.sex == "female"


def test_child_and_elder_hints() -> None:
    assert extract("宝宝咳嗽").is_child
    assert extract("我奶奶胸口疼").is_elder
    assert not extract("儿子25岁，长痘").is_child


def test_explicit_values_win() -> None:
    parsed = extract("我家宝宝2个月")
    merged = merge(parsed, age=3.0, sex="male", pregnant=None)
    assert merged.age == 3.0
    assert merged.sex == "male"
    assert merge(Demographics(), pregnant=True).sex == "female"


def test_traditional_text_is_parsed_after_conversion() -> None:
    assert extract(to_simplified("寶寶兩個月")).age == pytest.approx(2 / 12, abs=0.01)
