"""A half of the day given as the reason it does not suit is no wish (issue 13, set 13's W32).

"上午的 下午没人送我" at the day question listed the afternoon: nobody to bring the patient
then was not read as the afternoon being unsuitable (actions/dates.py BUSY_AFTER). The other
half asked for is the wish; a half asked for plainly still is. Phrases are our own.
"""

from __future__ import annotations

from datetime import date

import pytest

from actions.booking_wishes import period_wished
from actions.dates import period_of, resolve


@pytest.mark.parametrize(
    "text, wished",
    [
        ("上午的 下午没人送我", "morning"),
        ("要上午 下午没人陪我去", "morning"),
        ("下午家里没人带我 上午吧", "morning"),
        ("上午没人开车送 下午的号", "afternoon"),
        ("下午就不要了 上午的", "morning"),
        ("上午我没车 下午吧", "afternoon"),
        ("下午不行 上午", "morning"),
        ("上午没空", None),
    ],
)
def test_a_half_nobody_can_bring_the_patient_in_is_no_wish(text: str, wished: str | None) -> None:
    assert period_wished(text) == wished


@pytest.mark.parametrize(
    "text, wished",
    [
        ("下午吧", "afternoon"),
        ("要下午的", "afternoon"),
        ("上午人少吗 要上午的", "morning"),
        ("下午有人送我 就下午", "afternoon"),
    ],
)
def test_a_half_asked_for_plainly_is_still_the_wish(text: str, wished: str | None) -> None:
    """Look-alikes: no reason against the half; someone there to bring the patient is no reason against it."""
    assert period_wished(text) == wished


def test_the_day_phrase_keeps_the_half_asked_for() -> None:
    assert period_of("明天上午的 下午没人送我") == "morning"
    found = resolve("明天上午 下午没人陪", today=date(2026, 12, 8))
    assert found is not None and found.period == "morning"
