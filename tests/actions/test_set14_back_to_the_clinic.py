"""Set 14's X14 (tuning material), in wordings of our own: "返回" at the booking's day
question goes back one step and says which clinic was chosen; "是" keeps it; a time of day
or a title said at the clinic question is a wish kept, the clinic asked again."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.clinic_again import keeps_the_clinic, last_department, wish_line
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events

CHOSEN = [{"event": "slot", "name": "department", "value": "obstetrics"}]
CLEARED = [*CHOSEN, {"event": "slot", "name": "department", "value": None}]


def said(dispatcher: CollectingDispatcher) -> str:
    return " ".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize("text", ["返回", "上一步", "返回上一步", "回到上一步"])
async def test_going_back_at_the_day_question_says_the_clinic_chosen(
    text: str, hospital: FakeHospital, domain: dict
) -> None:
    tracker = make_tracker(
        slots={"department": "obstetrics", "requested_slot": "date"},
        text=text,
        intent="go_back",
        events=CHOSEN,
        active_loop="booking_form",
    )
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert events["department"] is None and events["requested_slot"] == "department"
    assert "回到上一步" in said(dispatcher) and "产科" in said(dispatcher)
    assert "utter_go_back" not in responses(dispatcher)


async def test_going_back_with_a_new_day_takes_it_as_before(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(
        slots={"department": "obstetrics", "requested_slot": "date"},
        text="返回 改成后天",
        intent="go_back",
        events=CHOSEN,
        active_loop="booking_form",
    )
    dispatcher = CollectingDispatcher()
    await ValidateBookingForm().run(dispatcher, tracker, domain)
    assert "回到上一步" not in said(dispatcher)


def at_clinic_question(text: str, intent: str = "inform", events: Any = CLEARED) -> Any:
    tracker = make_tracker(
        slots={"requested_slot": "department"}, text=text, intent=intent, events=events, active_loop="booking_form"
    )
    if intent == "inform":  # the typed-text mapping fills the clinic with the words
        tracker.slots["department"] = text
        tracker.events.append({"event": "slot", "name": "department", "value": text})
    return tracker


def test_the_clinic_chosen_before_is_read_from_the_events() -> None:
    assert last_department(at_clinic_question("上午的")) == "obstetrics"
    assert last_department(at_clinic_question("上午的", events=[])) is None


@pytest.mark.parametrize(
    ("text", "intent"), [("是", "affirm"), ("对的", "affirm"), ("还是这个吧", "inform"), ("嗯", "affirm")]
)
async def test_yes_keeps_the_clinic_chosen_before(text: str, intent: str, hospital: FakeHospital, domain: dict) -> None:
    tracker = at_clinic_question(text, intent)
    assert keeps_the_clinic(tracker) == "obstetrics"
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert events["department"] == "obstetrics"
    assert "utter_unknown_department" not in responses(dispatcher)


def test_yes_with_no_clinic_before_keeps_nothing() -> None:
    assert keeps_the_clinic(at_clinic_question("是", "affirm", events=[])) is None


@pytest.mark.parametrize(("text", "intent"), [("上午的", "inform"), ("上晝嘅", "inform"), ("下午吧", "affirm")])
async def test_a_half_of_the_day_at_the_clinic_question_is_a_wish(
    text: str, intent: str, hospital: FakeHospital, domain: dict
) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question(text, intent), domain))
    assert not events.get("department")
    assert events["booking_wish"]["period"] in ("morning", "afternoon")
    assert "utter_unknown_department" not in responses(dispatcher)
    assert "记下了" in said(dispatcher) and "还是挂产科吗" in said(dispatcher)


async def test_a_wish_with_no_clinic_before_asks_the_clinic(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = at_clinic_question("要专家号", events=[])
    events = slot_events(await ValidateBookingForm().run(dispatcher, tracker, domain))
    assert events["booking_wish"]["title"] == "expert"
    assert "先告诉我想挂哪个科" in said(dispatcher)


@pytest.mark.parametrize("text", ["上午的产科", "心内科", "林晓"])
def test_no_wish_line_for_a_clinic_or_a_name(text: str, hospital: FakeHospital) -> None:
    assert wish_line(at_clinic_question(text)) is None


async def test_a_new_clinic_after_going_back_is_taken(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = slot_events(await ValidateBookingForm().run(dispatcher, at_clinic_question("妇科"), domain))
    assert events["department"] == "gynecology"
