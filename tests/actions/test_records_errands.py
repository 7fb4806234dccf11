"""An appointment query the NLU read as a complaint or a booking lists the appointments
(blind set 5: G39, G40 went to self-triage, G41 to "您想挂哪个科？"), through the journey's
first action; our own variants beside the patients' words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ActionQueryAppointments
from actions.general import APPOINTMENT_LIST, ActionResetJourney
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses, slot_events
from tests.actions.test_appointments_general import book


def _followup(events: list[dict[str, Any]]) -> str | None:
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


@pytest.mark.parametrize(
    "text,intent",
    [
        ("俺给俺闺女约了个号，俺寻思着是礼拜四，记不清了，帮俺查查", "report_symptom"),
        ("我是不是约了明天的号🤔 忘了到底是不是12月7日", "report_symptom"),
        ("我想睇下我約咗邊日覆診", "book_appointment"),
        ("我 约的 是 哪天 忘了", "book_appointment"),
        ("上礼拜给我妈挂了个眼科的号，是哪天来着", "book_appointment"),
    ],
)
async def test_a_query_read_as_a_complaint_or_booking_lists_the_appointments(
    text: str, intent: str, domain: dict
) -> None:
    tracker = make_tracker(text=text, intent=intent, slots={"symptom": text})
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert _followup(events) == APPOINTMENT_LIST
    assert slot_events(events).get("symptom", "kept") is None  # no complaint is left for triage


@pytest.mark.parametrize(
    "text,intent",
    [
        ("我约了明天的心内科，现在胸口有点闷", "report_symptom"),  # no look-up asked: triage
        ("我约了明天的号，现在发烧了，是不是还能去", "report_symptom"),  # a complaint with it: triage first
        ("孩子约的是哪天来着，他又咳嗽了", "report_symptom"),
        ("帮我挂个明天的号", "book_appointment"),
        ("约了周三的号，能不能改到周五", "book_appointment"),
    ],
)
async def test_a_complaint_a_booking_or_a_move_is_left_to_its_journey(text: str, intent: str, domain: dict) -> None:
    tracker = make_tracker(text=text, intent=intent)
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert _followup(events) != APPOINTMENT_LIST


async def test_the_front_doors_symptom_trigger_is_read_by_its_words(domain: dict) -> None:
    """The edge's `/report_symptom{"symptom": …}` carries the patient's words as the entity."""
    text = "俺给俺闺女约了个号，记不清是礼拜几了，帮俺查查"
    tracker = make_tracker(
        text="/report_symptom" + json.dumps({"symptom": text}, ensure_ascii=False),
        intent="report_symptom",
        entities=[{"entity": "symptom", "value": text}],
    )
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert _followup(events) == APPOINTMENT_LIST


@pytest.mark.parametrize(
    "text", ["嗯等一下我先想想要不要改到下个礼拜", "我考虑一下改不改到周五", "还没想好，要不要改个时间"]
)
async def test_wondering_about_a_move_while_cancelling_keeps_the_cancellation(text: str, domain: dict) -> None:
    """Set 5's G37: the reschedule reading of a thought aloud no longer starts the reschedule
    form, so "算了算了还是直接取消吧" next is an answer to the cancellation's question."""
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_1"]}
    tracker = make_tracker(text=text, intent="reschedule_appointment", slots=slots, active_loop="cancel_form")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "cancel_form"}]


async def test_a_decided_move_or_a_move_outside_a_cancellation_reschedules(domain: dict) -> None:
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_1"]}
    decided = make_tracker(
        text="还是帮我改到下周五吧", intent="reschedule_appointment", slots=slots, active_loop="cancel_form"
    )
    assert _followup(await ActionResetJourney().run(CollectingDispatcher(), decided, domain)) is None
    fresh = make_tracker(text="我想想要不要改到下周", intent="reschedule_appointment")
    assert _followup(await ActionResetJourney().run(CollectingDispatcher(), fresh, domain)) is None


@pytest.mark.parametrize("text", ["我 那个 约的号 不去 了", "明天那个号我不去了", "周三约的那个去不了了"])
async def test_giving_a_place_back_read_as_a_look_at_the_list_cancels(text: str, domain: dict) -> None:
    """Set 5's G34 (returning): the list's "需要取消或改时间吗？" took no ID number, phone or
    code typed after it; the cancellation asks which appointment and takes the tap."""
    tracker = make_tracker(text=text, intent="query_appointment")
    events = await ActionQueryAppointments().run(CollectingDispatcher(), tracker, domain)
    assert _followup(events) == "cancel_form"


@pytest.mark.parametrize("text", ["/query_appointment", "我约的是哪天", "挂了号不去了能退钱吗"])
async def test_a_look_at_the_list_or_a_question_lists(text: str, hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("周丽", "13812345670", user="u1")
    book(hospital, pid)
    tracker = make_tracker(text=text, intent="query_appointment", sender="u1")
    dispatcher = CollectingDispatcher()
    events = await ActionQueryAppointments().run(dispatcher, tracker, domain)
    assert _followup(events) is None and "utter_appointment_item" in responses(dispatcher)
