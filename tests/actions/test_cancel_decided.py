"""Cancel or move decided inside an appointment errand (issue 13, conversation set 13's W41
and W04, tuning material): a father moving his child's appointment at the SMS-code question
changed his mind twice, and was asked for his phone again each time; as a returning patient
his "能不能改到下周" at "是哪一个预约？" was taken as choosing the one to cancel. A man who
tapped 不取消了 then said "对 确定取消" and fell back to the menu. Our own wordings."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointment_words import asks_to_move
from actions.appointments import ValidateCancelForm
from actions.general import ActionResetJourney
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events
from tests.actions.test_appointments_general import book

AT_THE_CODE = {"requested_slot": "otp_code", "phone": "13900000041", "otp_attempts": 1, "otp_token": None}


@pytest.mark.parametrize(
    ("loop", "intent"),
    [("cancel_form", "reschedule_appointment"), ("reschedule_form", "cancel_appointment"),
     ("cancel_form", "cancel_appointment")],
)  # fmt: skip
async def test_a_switch_at_the_code_question_keeps_the_phone(domain: dict, loop: str, intent: str) -> None:
    tracker = make_tracker(slots=AT_THE_CODE, text="/" + intent, intent=intent, active_loop=loop)
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    reset = slot_events(events)
    assert "phone" not in reset and "otp_attempts" not in reset  # the form asks the code it sent


@pytest.mark.parametrize("slots", [{**AT_THE_CODE, "requested_slot": "phone"}, {"requested_slot": "otp_code"}])
async def test_no_code_sent_yet_nothing_kept(domain: dict, slots: dict) -> None:
    slots = {**slots, "phone": slots.get("phone") or None, "department": "pediatrics"}
    tracker = make_tracker(slots=slots, text="改个时间", intent="reschedule_appointment", active_loop="cancel_form")
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert reset.get("department", "x") is None
    if slots.get("phone"):
        assert reset["phone"] is None


async def test_another_errand_at_the_code_question_forgets_the_phone(domain: dict) -> None:
    tracker = make_tracker(slots=AT_THE_CODE, text="我要挂号", intent="book_appointment", active_loop="cancel_form")
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert reset["phone"] is None


@pytest.mark.parametrize("text", ["能不能改到下周", "换到周五吧", "改个时间", "可以推迟几天吗", "往后挪一挪"])
def test_a_move_asked_for(text: str) -> None:
    assert asks_to_move(text)


@pytest.mark.parametrize("text", ["不改了 直接取消", "取消，改到下周", "就是这个", "下周那个", "算了"])
def test_not_a_move(text: str) -> None:
    assert not asks_to_move(text)


@pytest.mark.parametrize("text", ["能不能改到下周", "帮我换到下礼拜三", "改一下时间"])
async def test_a_move_at_the_cancellations_choice_chooses_nothing(domain: dict, text: str) -> None:
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_5"]}
    tracker = make_tracker(slots=slots, text=text, intent="reschedule_appointment", active_loop="cancel_form")
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


async def test_the_move_then_takes_the_one_listed(domain: dict) -> None:
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_5"]}
    tracker = make_tracker(
        slots=slots, text="能不能改到下周", intent="reschedule_appointment", active_loop="cancel_form"
    )
    dispatcher = CollectingDispatcher()
    events = await ActionResetJourney().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == ["好的，改成改约时间。"]
    assert events[-1]["name"] == "appointment_id" and events[-1]["value"] == "apt_5"


async def test_two_listed_the_move_asks_which(domain: dict) -> None:
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_5", "apt_6"]}
    tracker = make_tracker(slots=slots, text="改到下周", intent="reschedule_appointment", active_loop="cancel_form")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events).get("appointment_id") is None


KEPT = [
    {"event": "slot", "name": "appointment_id", "value": "apt_7"},
    {"event": "user", "text": "2"},
    {"event": "slot", "name": "appointment_id", "value": None},
    {"event": "bot", "text": "好的，预约保留不变。", "metadata": {"utter_action": "utter_cancel_kept"}},
]


@pytest.mark.parametrize("typed", ["对 确定取消", "还是取消吧", "那就取消吧", "算了 退了吧"])
async def test_cancel_decided_right_after_keeping_it_cancels_the_same_one(domain: dict, typed: str) -> None:
    tracker = make_tracker(text="/cancel_appointment", intent="cancel_appointment", events=list(KEPT))
    tracker.latest_message["metadata"]["typed"] = typed
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert reset == {"appointment_id": "apt_7", "confirm_cancel": True}


async def test_a_plain_cancel_request_after_keeping_it_asks_to_confirm(domain: dict) -> None:
    tracker = make_tracker(text="取消预约", intent="cancel_appointment", events=list(KEPT))
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert reset == {"appointment_id": "apt_7"}


async def test_a_cancel_later_in_the_chat_asks_which(domain: dict) -> None:
    events = [*KEPT, {"event": "user", "text": "挂号费多少"}, {"event": "bot", "text": "普通号30元。"}]
    tracker = make_tracker(text="还是取消吧", intent="cancel_appointment", events=events)
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert "appointment_id" not in reset


async def test_the_carried_appointment_passes_the_forms_check(hospital: FakeHospital, domain: dict) -> None:
    pid = hospital.add_patient("周小明", "13812345673", user="u1")
    aid = book(hospital, pid)
    tracker = make_tracker(slots={"requested_slot": None, "offered_choices": None}, active_loop="cancel_form")
    dispatcher = CollectingDispatcher()
    got = await ValidateCancelForm().validate_appointment_id(aid, dispatcher, tracker, domain)
    assert got == {"appointment_id": aid} and not dispatcher.messages
    stranger = await ValidateCancelForm().validate_appointment_id("apt_nobody", dispatcher, tracker, domain)
    assert stranger == {"appointment_id": None}


async def test_the_phone_carried_over_is_not_said_again(domain: dict) -> None:
    """The next form checks the phone it starts with: no "验证码已经发到…" for a phone not typed."""
    slots = {**AT_THE_CODE, "phone": "13900000041"}
    events = [{"event": "slot", "name": "phone", "value": "13900000041"}]
    tracker = make_tracker(slots=slots, text="/cancel_appointment", intent="cancel_appointment", events=events,
                           active_loop="cancel_form")  # fmt: skip
    dispatcher = CollectingDispatcher()
    got = await ValidateCancelForm().validate_phone("13900000041", dispatcher, tracker, domain)
    assert got == {"phone": "13900000041"} and not dispatcher.messages


@pytest.mark.parametrize(
    ("typed", "confirmed"), [("算了 还是直接取消吧", True), ("取消预约", None), ("不改了 就退了吧", True)]
)
async def test_cancelling_at_the_new_day_of_a_move_takes_the_one_being_moved(
    domain: dict, typed: str, confirmed: bool | None
) -> None:
    slots = {"requested_slot": "date", "reschedule_from": "apt_2", "department": "pediatrics"}
    tracker = make_tracker(
        slots=slots, text="/cancel_appointment", intent="cancel_appointment", active_loop="booking_form"
    )
    tracker.latest_message["metadata"]["typed"] = typed
    dispatcher = CollectingDispatcher()
    events = await ActionResetJourney().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == ["好的，改成取消预约。"]
    reset = slot_events(events)
    assert reset["appointment_id"] == "apt_2" and reset.get("confirm_cancel") is confirmed


@pytest.mark.parametrize("typed", ["不取消了", "取消了能退钱吗"])
async def test_no_decision_after_keeping_it_confirms_nothing(domain: dict, typed: str) -> None:
    tracker = make_tracker(text=typed, intent="cancel_appointment", events=list(KEPT))
    reset = slot_events(await ActionResetJourney().run(CollectingDispatcher(), tracker, domain))
    assert "confirm_cancel" not in reset
