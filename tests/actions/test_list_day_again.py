"""The day said again at its own list ("下周一吧" at Monday's places, set 4's F07 class) is
no wrong answer: the list is asked again without "请点按钮". Wordings are our own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.booking_dates import names_the_listed_day
from actions.dates import today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses

TODAY = today_in_shanghai()
TOMORROW = TODAY + timedelta(days=1)
AFTER = TODAY + timedelta(days=2)


@pytest.mark.parametrize("text", ["明天吧", "那就明天", "明天的就行", "明天下午"])
def test_the_listed_day_said_again(text: str) -> None:
    assert names_the_listed_day(text, f"{TOMORROW.isoformat()} afternoon")


@pytest.mark.parametrize("text", ["后天吧", "明天上午", "2", "好的", ""])
def test_another_day_half_or_choice_is_not_the_listed_day(text: str) -> None:
    assert not names_the_listed_day(text, f"{TOMORROW.isoformat()} afternoon")


async def test_the_list_is_asked_again_without_a_rebuke(hospital: FakeHospital, domain: dict) -> None:
    slots = {"department": "ent", "date": TOMORROW.isoformat(), "requested_slot": "slot_id", "offered_choices": ["a"]}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots=slots, text="明天吧", active_loop="booking_form")
    assert await ValidateBookingForm().validate_slot_id("明天吧", dispatcher, tracker, domain) == {"slot_id": None}
    assert responses(dispatcher) == []
    dispatcher = CollectingDispatcher()
    other = make_tracker(slots=slots, text="嗯嗯嗯", active_loop="booking_form")
    await ValidateBookingForm().validate_slot_id("嗯嗯嗯", dispatcher, other, domain)
    assert responses(dispatcher) == ["utter_invalid_choice"]
