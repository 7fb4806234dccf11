"""A change between moving an appointment and giving it back is said before the phone question
(issue 13, conversation set 12's S40, tuning material): "我挂的眼科能不能改时间" started the
reschedule, "算了不改了 直接取消吧" the cancellation, and the patient heard the same "先帮您找到
预约。请输入挂号时登记的手机号：" again with no word that the change was taken; a returning
patient, whose one appointment was listed at once, had the same words read as choosing it to
move. Our own wordings."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ValidateCancelForm, ValidateRescheduleForm
from actions.general import ActionResetJourney
from tests.actions.helpers import make_tracker, slot_events


def _texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


@pytest.mark.parametrize("text", ["算了不改了 直接取消吧", "不改了，退掉", "还是取消吧 下礼拜再挂"])
async def test_cancelling_while_moving_is_said_and_the_slots_are_cleared(domain: dict, text: str) -> None:
    tracker = make_tracker(
        slots={"requested_slot": "phone", "phone": None, "otp_token": "t"},
        text=text,
        intent="cancel_appointment",
        active_loop="reschedule_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionResetJourney().run(dispatcher, tracker, domain)
    assert _texts(dispatcher) == ["好的，改成取消预约。"]
    assert slot_events(events) == {"otp_token": None}  # then cancel_form asks the phone


async def test_cancelling_at_the_new_day_of_a_move_is_said(domain: dict) -> None:
    tracker = make_tracker(
        slots={"requested_slot": "date", "reschedule_from": "apt_3", "department": "ophthalmology"},
        text="不换了 把原来那个也退了",
        intent="cancel_appointment",
        active_loop="booking_form",
    )
    dispatcher = CollectingDispatcher()
    await ActionResetJourney().run(dispatcher, tracker, domain)
    assert _texts(dispatcher) == ["好的，改成取消预约。"]


async def test_moving_while_cancelling_is_said(domain: dict) -> None:
    tracker = make_tracker(
        slots={"requested_slot": "phone"}, text="别退了 帮我改到下周", intent="reschedule_appointment",
        active_loop="cancel_form",
    )  # fmt: skip
    dispatcher = CollectingDispatcher()
    await ActionResetJourney().run(dispatcher, tracker, domain)
    assert _texts(dispatcher) == ["好的，改成改约时间。"]


@pytest.mark.parametrize(
    ("loop", "intent", "slots"),
    [
        (None, "cancel_appointment", {}),  # a first request: nothing to change from
        ("booking_form", "cancel_appointment", {}),  # a new booking, no move
        ("reschedule_form", "book_appointment", {}),
        ("cancel_form", "cancel_appointment", {}),
    ],
)
async def test_no_change_no_words(domain: dict, loop: str | None, intent: str, slots: dict) -> None:
    tracker = make_tracker(slots=slots, text="取消预约", intent=intent, active_loop=loop)
    dispatcher = CollectingDispatcher()
    await ActionResetJourney().run(dispatcher, tracker, domain)
    assert not dispatcher.messages


GIVEN_UP = ["算了不改了 直接取消吧 下周再重新挂", "不换了，退了吧", "别改了 取消掉 过两天再约"]


@pytest.mark.parametrize("text", GIVEN_UP)
async def test_a_move_given_up_at_the_choice_is_no_choice_of_the_one_to_move(domain: dict, text: str) -> None:
    """The returning S40 had its one appointment listed at once: the cancellation was read as
    choosing it to move, and a new place was held. Now the form leaves it to the cancellation."""
    for offered in (["apt_3"], ["apt_3", "apt_4"]):
        tracker = make_tracker(
            slots={"requested_slot": "appointment_id", "offered_choices": offered},
            text=text,
            intent="cancel_appointment",
            active_loop="reschedule_form",
        )
        assert await ValidateRescheduleForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


@pytest.mark.parametrize("text", GIVEN_UP)
async def test_the_same_words_in_the_cancellation_cancel_the_only_one(domain: dict, text: str) -> None:
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_3"]}
    tracker = make_tracker(slots=slots, text=text, intent="cancel_appointment", active_loop="cancel_form")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got == {"appointment_id": "apt_3", "confirm_cancel": True}


@pytest.mark.parametrize("text", ["取消，改到下周", "别取消，帮我改到周五", "不改了 取消能退钱吗", "我要取消另一个"])
async def test_a_move_or_a_question_still_cancels_nothing(domain: dict, text: str) -> None:
    slots = {"requested_slot": "appointment_id", "offered_choices": ["apt_3"]}
    tracker = make_tracker(slots=slots, text=text, intent="cancel_appointment", active_loop="cancel_form")
    got = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert got.get("confirm_cancel") is not True
