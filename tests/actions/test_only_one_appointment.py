"""One appointment listed at "是哪一个预约？" (issue 13, conversation set 12's S25 and S40, tuning
material): a son who asked to give his mother's place back answered "确定", a young man who
had switched to cancelling answered "是的", and both were asked "确定要取消这个预约吗？" once
more; the son's "2" (his runner typed the second button, and there was one) got "请点按钮".
Inside the cancellation a yes in any words chooses the one listed and says yes to cancelling
it; another number names the only one and asks the confirmation with its buttons. Moving an
appointment, a yes only chooses. Our own wordings and look-alikes."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.appointment_words import agrees
from actions.appointments import ValidateCancelForm, ValidateRescheduleForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events
from tests.actions.test_appointments_general import book


def _filled(tracker: Tracker, slot: str, value: str) -> Tracker:
    """The tracker as Rasa's form sends it: the slot its mapping filled comes after the message."""
    tracker.events.append({"event": "slot", "name": slot, "value": value})
    tracker.slots[slot] = value
    return tracker


ONE = {"requested_slot": "appointment_id", "offered_choices": ["apt_9"]}
YESES = ["确定", "是的", "对", "嗯", "就是这个", "取消吧", "对 退了吧", "係", "系嘅", "中", "好嘞", "要得", "确定。"]


@pytest.mark.parametrize("text", YESES)
def test_a_yes_alone_agrees(text: str) -> None:
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    ["不是这个", "这个？", "是这个吗", "中午那个", "算了", "先不要", "可以改到周五吗", "得了吧不取消", "1", "2", ""],
)
def test_a_no_a_question_or_other_words_do_not_agree(text: str) -> None:
    assert not agrees(text)


@pytest.mark.parametrize("text", YESES)
async def test_a_yes_at_the_choice_cancels_the_only_one(domain: dict, text: str) -> None:
    tracker = make_tracker(slots=ONE, text=text, intent="affirm")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_9", "confirm_cancel": True}


@pytest.mark.parametrize("text", ["确定", "是的", "嗯", "就是这个", "係", "中"])
async def test_a_yes_never_picks_among_two(domain: dict, text: str) -> None:
    two = {**ONE, "offered_choices": ["apt_8", "apt_9"]}
    tracker = make_tracker(slots=two, text=text, intent="affirm")
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


@pytest.mark.parametrize("text", ["确定", "是的", "嗯", "系嘅", "中"])
async def test_a_yes_when_moving_it_only_chooses(domain: dict, text: str) -> None:
    tracker = make_tracker(slots=ONE, text=text, intent="affirm")
    got = await ValidateRescheduleForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_9"}


@pytest.mark.parametrize("text", ["中", "系嘅", "确定", "好的好的"])
async def test_a_yes_in_other_words_at_the_confirmation_cancels(domain: dict, text: str) -> None:
    slots = {"requested_slot": "confirm_cancel", "appointment_id": "apt_9"}
    tracker = make_tracker(slots=slots, text=text, intent="out_of_scope")
    got = await ValidateCancelForm().extract_confirm_cancel(CollectingDispatcher(), tracker, domain)
    assert got == {"confirm_cancel": True}


@pytest.mark.parametrize("number", ["2", "3", "第二个"])
async def test_another_number_names_the_only_one_and_asks_to_confirm(
    hospital: FakeHospital, domain: dict, number: str
) -> None:
    pid = hospital.add_patient("李桂芝", "13812345671", user="u1")
    aid = book(hospital, pid)
    tracker = make_tracker(
        slots={"requested_slot": "appointment_id", "offered_choices": [aid]},
        text=number,
        entities=[{"entity": "number", "value": number}],
        active_loop="cancel_form",
    )
    tracker = _filled(tracker, "appointment_id", number)
    dispatcher = CollectingDispatcher()
    events = await ValidateCancelForm().run(dispatcher, tracker, domain)
    slots = slot_events(events)
    assert slots["appointment_id"] == aid and "confirm_cancel" not in slots
    assert slots["requested_slot"] == "confirm_cancel"  # "确定要取消这个预约吗？" [确定取消] [不取消了]
    said = [m.get("text") or "" for m in dispatcher.messages]
    assert said == ["您只有这一个预约：李*芝 心血管内科 1月2日(周五) 上午09:00。"]
    assert not [m for m in dispatcher.messages if m.get("response") == "utter_invalid_choice"]
    # the "确定" that follows cancels it
    confirm = make_tracker(
        slots={"requested_slot": "confirm_cancel", "appointment_id": aid, "offered_choices": [aid]},
        text="确定",
        intent="affirm",
        active_loop="cancel_form",
    )
    got = await ValidateCancelForm().extract_confirm_cancel(CollectingDispatcher(), confirm, domain)
    assert got == {"confirm_cancel": True}


async def test_another_number_when_moving_it_goes_on_with_the_only_one(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李桂芝", "13812345671", user="u1")
    aid = book(hospital, pid)
    tracker = make_tracker(slots={"requested_slot": "appointment_id", "offered_choices": [aid]})
    dispatcher = CollectingDispatcher()
    got = await ValidateRescheduleForm().validate_appointment_id("2", dispatcher, tracker, domain)
    assert got == {"appointment_id": aid}
    assert dispatcher.messages[0]["text"].startswith("您只有这一个预约：李*芝 心血管内科")


async def test_another_number_among_two_still_asks_for_a_button(domain: dict) -> None:
    tracker = make_tracker(slots={"requested_slot": "appointment_id", "offered_choices": ["apt_8", "apt_9"]})
    dispatcher = CollectingDispatcher()
    got = await ValidateCancelForm().validate_appointment_id("3", dispatcher, tracker, domain)
    assert got == {"appointment_id": None}
    assert [m.get("response") for m in dispatcher.messages] == ["utter_invalid_choice"]


async def test_a_tap_on_the_appointment_keeps_the_confirmation(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("李桂芝", "13812345671", user="u1")
    aid = book(hospital, pid)
    tapped = f'/inform{{"appointment_id": "{aid}"}}'
    tracker = make_tracker(
        slots={"requested_slot": "appointment_id", "offered_choices": [aid]},
        text=tapped,
        entities=[{"entity": "appointment_id", "value": aid}],
        active_loop="cancel_form",
    )
    tracker = _filled(tracker, "appointment_id", aid)
    events = await ValidateCancelForm().run(CollectingDispatcher(), tracker, domain)
    slots = slot_events(events)
    assert slots["appointment_id"] == aid and "confirm_cancel" not in slots
    assert slots["requested_slot"] == "confirm_cancel"
