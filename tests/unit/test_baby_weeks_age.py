"""A baby's age said as "刚满两周", "才三周" (services/clinical/triage/demographics.py): read as
weeks, so a fever of 38 or more under 28 days is the rules' emergency (NICE NG143), not the
learned layer's alone; "三周岁" is years and a bare "宝宝一周没拉" is no age."""

from __future__ import annotations

import pytest

from services.clinical.triage.demographics import extract


@pytest.mark.parametrize(
    ("text", "weeks"),
    [("宝宝刚满两周", 2), ("宝宝刚满2周，今天量了体温38.5度", 2), ("孩子才三周", 3), ("女儿刚满三个礼拜", 3)],
)
def test_weeks_after_the_baby_word_are_an_age(text: str, weeks: int) -> None:
    assert extract(text).age == round(weeks * 7 / 365, 3)


@pytest.mark.parametrize(("text", "age"), [("孩子刚满三周岁", 3.0), ("宝宝一周没拉", None), ("宝宝两周没拉屎", None)])
def test_years_and_durations_are_not_weeks_of_age(text: str, age: float | None) -> None:
    assert extract(text).age == age
