"""Checks that belong to set G's fixes alone (issue 10). The vignettes, paraphrases and
look-alikes of its fixed families (``tests/triage/set_g_fixed.yml``) are asked in
``test_blind_fixed_families.py``, with the other tuning sets'.
"""

from __future__ import annotations

import pytest

from services.clinical.triage.demographics import extract


@pytest.mark.parametrize(
    ("text", "days"),
    [("出生两周的宝宝", 14), ("bb刚刚出世一个礼拜", 7), ("三周大的宝宝", 21), ("宝宝出世三天", 3)],
)
def test_weeks_since_birth_are_a_baby_s_age(text: str, days: int) -> None:
    age = extract(text).age
    assert age is not None and round(age * 365) == days


@pytest.mark.parametrize("text", ["宝宝一周没拉大便", "孩子两周前摔了一跤", "咳嗽两个礼拜了"])
def test_weeks_without_birth_are_no_age(text: str) -> None:
    # A duration ("一周没拉", "两周前") is not how old the baby is.
    assert extract(text).age is None
