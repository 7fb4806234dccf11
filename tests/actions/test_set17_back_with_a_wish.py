"""Set 17's N20 (tuning material; our own wording): after picking a place, "返回 我想换个专家的"
at the name question reached the bot as `/go_back` (the chat edge's reading, so the NLU's
"moving an appointment" does not start a look-up) and the list came back whole: the patient
tapped its third place, an attending. The edge now keeps the words as typed in the metadata
and the booking form reads the wish from them, so the list comes back narrowed to experts."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm, typed_words
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events
from tests.actions.test_booking_wishes import DAY, listed, place


def _went_back(typed: str | None, shown: dict[str, Any]) -> Any:
    tracker = make_tracker(
        slots={"department": "cardiology", "date": DAY, "slot_id": "a1", "requested_slot": "patient_name", **shown},
        text="/go_back",
        intent="go_back",
        active_loop="booking_form",
    )
    if typed is not None:
        tracker.latest_message["metadata"]["typed"] = typed
    return tracker


@pytest.fixture
def day(hospital: FakeHospital) -> None:
    hospital.slots[f"cardiology|{DAY}"] = [
        place("a1", DAY, 8, "郭立新", "主治医师"),
        place("a2", DAY, 9, "郭立新", "主治医师"),
        place("c1", DAY, 9, "马立新", "主任医师"),
        place("d1", DAY, 10, "周红", "副主任医师"),
    ]


@pytest.mark.parametrize("typed", ["返回 我想换个专家的", "上一步 还是要专家号", "返回 換個專家的"])
async def test_going_back_with_an_expert_wish_lists_experts(day: None, domain: dict, typed: str) -> None:
    shown, _ = await listed(domain, {"date": DAY})
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), _went_back(typed, shown), domain))
    assert events["slot_id"] is None and events["booking_wish"]["title"] == "expert"
    result, _ = await listed(domain, {"date": DAY, "slot_list_view": events["slot_list_view"]})
    assert result["offered_choices"] == ["c1", "d1"]


@pytest.mark.parametrize("typed", [None, "返回", "返回 这个点儿太晚了"])
async def test_going_back_with_no_title_keeps_the_whole_list(day: None, domain: dict, typed: str | None) -> None:
    shown, _ = await listed(domain, {"date": DAY})
    events = slot_events(await ValidateBookingForm().run(CollectingDispatcher(), _went_back(typed, shown), domain))
    assert events["slot_id"] is None and "booking_wish" not in events


def test_the_words_typed_come_before_the_edge_reading() -> None:
    tracker = make_tracker(text="/go_back")
    assert typed_words(tracker) == "/go_back"
    tracker.latest_message["metadata"]["typed"] = "返回 要专家"
    assert typed_words(tracker) == "返回 要专家"
