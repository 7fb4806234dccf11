"""What the booking form does with the words the chat edge hands it (issue 13, set 12's S28
and S09; services/conversation/booking_words.py): a Cantonese day without its "no rush" is
the day, and `/go_back` at the name question after the pick brings the place list back.
Wordings are our own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.dates import resolve, today_in_shanghai
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events

TODAY = today_in_shanghai()


@pytest.mark.parametrize(
    ("text", "days", "period"),
    [
        ("听日", 1, None),
        ("后日", 2, None),
        ("今日下昼", 0, "afternoon"),
        ("听日朝早", 1, "morning"),
        ("後日上昼", 2, "morning"),
    ],
)
def test_a_cantonese_day_is_read(text: str, days: int, period: str | None) -> None:
    said = resolve(text, TODAY)
    assert said is not None and said.day == TODAY + timedelta(days=days) and said.period == period


def _place(sid: str, day: str, hour: int) -> dict[str, Any]:
    doctor = {"id": "d1", "name": "钱立群", "title": "主治医师"}
    start = f"{day}T{hour:02d}:00:00+08:00"
    return {
        "id": sid,
        "department": "dermatology",
        "doctor": doctor,
        "date": day,
        "start": start,
        "fee_fen": 1500,
        "remaining": 2,
    }


@pytest.mark.parametrize(("text", "days"), [("听日", 1), ("后日", 2), ("听日下昼", 1)])
async def test_the_day_words_the_edge_hands_over_are_the_day(
    text: str, days: int, hospital: FakeHospital, domain: dict[str, Any]
) -> None:
    day = (TODAY + timedelta(days=days)).isoformat()
    hospital.slots[f"dermatology|{day}"] = [_place("m1", day, 9), _place("a1", day, 14)]
    tracker = make_tracker(
        slots={"department": "dermatology", "requested_slot": "date", "date": text},
        text=text,
        active_loop="booking_form",
    )
    found = await ValidateBookingForm().validate_date(text, CollectingDispatcher(), tracker, domain)
    assert str(found.get("date") or "").startswith(day)


async def test_going_back_at_the_name_question_shows_the_places_again(domain: dict[str, Any]) -> None:
    day = (TODAY + timedelta(days=1)).isoformat()
    tracker = make_tracker(
        slots={"department": "orthopedics", "date": day, "slot_id": "s3", "requested_slot": "patient_name"},
        text="/go_back",
        intent="go_back",
        active_loop="booking_form",
    )
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), tracker, domain))
    assert events.get("slot_id", "kept") is None
    assert events.get("requested_slot") == "slot_id"
    assert "department" not in events and "date" not in events
