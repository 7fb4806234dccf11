"""A change between moving an appointment and giving it back is said before the phone question
(issue 13, conversation set 12's S40, tuning material): "我挂的眼科能不能改时间" started the
reschedule, "算了不改了 直接取消吧" the cancellation, and the patient heard the same "先帮您找到
预约。请输入挂号时登记的手机号：" again with no word that the change was taken. Our own wordings."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

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
