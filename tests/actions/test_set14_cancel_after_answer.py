"""A question answered at the cancellation's choice, one appointment listed (conversation set
14's X11, tuning material): after "我要退号" and the refund answer to "钱多久能退回来", the form
asked "是哪一个预约？" again. Now it names the one listed and asks "确定要取消这个预约吗？" with its
buttons; nothing is cancelled until a yes. Among two, and when moving one, the choice stays.
Our own wordings and look-alikes."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ValidateCancelForm, ValidateRescheduleForm
from actions.cancel_after_answer import answered_in_between
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events
from tests.actions.test_appointments_general import book

REFUND_ANSWER = "取消预约后，已付的挂号费会原路退回……"


def _answered(tracker: Tracker, action: str = "action_answer_faq") -> Tracker:
    """The tracker as the form sees it when it comes back after another action answered."""
    tracker.events.extend(
        [
            {"event": "action", "name": action},
            {"event": "bot", "text": REFUND_ANSWER},
        ]
    )
    return tracker


def _at_the_choice(offered: list[str], text: str, intent: str = "faq", loop: str = "cancel_form") -> Tracker:
    slots = {"requested_slot": "appointment_id", "offered_choices": offered}
    return make_tracker(slots=slots, text=text, intent=intent, active_loop=loop)


@pytest.mark.parametrize("text", ["钱多久能退回来", "退了钱啥时候到", "挂号费能全退吗", "医院地址在哪"])
async def test_after_the_answer_the_only_one_is_named_and_the_cancellation_asked(
    hospital: FakeHospital, domain: dict, text: str
) -> None:
    pid = hospital.add_patient("李桂芝", "13812345671", user="u1")
    aid = book(hospital, pid)
    tracker = _answered(_at_the_choice([aid], text))
    dispatcher = CollectingDispatcher()
    slots = slot_events(await ValidateCancelForm().run(dispatcher, tracker, domain))
    assert slots["appointment_id"] == aid
    assert "confirm_cancel" not in slots  # never cancelled without a yes
    assert slots["requested_slot"] == "confirm_cancel"  # "确定要取消这个预约吗？" [确定取消] [不取消了]
    assert [m.get("text") for m in dispatcher.messages] == [
        "您只有这一个预约：李*芝 心血管内科 1月2日(周五) 上午09:00。"
    ]


async def test_among_two_the_choice_is_asked_again(domain: dict) -> None:
    tracker = _answered(_at_the_choice(["apt_8", "apt_9"], "钱多久能退回来"))
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


async def test_when_moving_it_the_choice_stays(domain: dict) -> None:
    tracker = _answered(_at_the_choice(["apt_9"], "改期要不要钱", loop="reschedule_form"))
    assert await ValidateRescheduleForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


async def test_words_the_form_read_itself_are_as_before(domain: dict) -> None:
    """No answer in between: a question typed at the choice is no choice ("钱多久能退回来" read
    by the form alone chooses nothing)."""
    tracker = _at_the_choice(["apt_9"], "钱多久能退回来", intent="inform")
    assert not answered_in_between(tracker)
    assert await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain) == {}


def test_only_an_action_after_the_latest_message_counts() -> None:
    earlier: list[dict[str, Any]] = [{"event": "action", "name": "action_answer_faq"}, {"event": "bot", "text": "…"}]
    tracker = make_tracker(text="1", events=earlier)
    assert not answered_in_between(tracker)
    tracker.events.append({"event": "action", "name": "cancel_form"})
    assert not answered_in_between(tracker)
    assert answered_in_between(_answered(make_tracker(text="钱多久能退回来"), "action_payment_help"))


@pytest.mark.parametrize(
    "text", ["算了算了 还是取消吧 反正也去不了", "想好了 直接取消", "算咯 还是退掉吧 下礼拜也没空", "還是取消吧，謝謝"]
)
async def test_a_decision_after_a_hold_on_cancels_the_only_one(domain: dict, text: str) -> None:
    """ "我先想想要不要改到下周" was answered in between (the cancellation's question kept open),
    then the patient decides (set 5's G37, whose slow Rasa test caught the X11 change taking
    this for a question): that decision confirms; a question with the same words does not."""
    tracker = _answered(_at_the_choice(["apt_9"], text, intent="cancel_appointment"), "action_reset_journey")
    slots = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert slots == {"appointment_id": "apt_9", "confirm_cancel": True}


@pytest.mark.parametrize("text", ["取消的话钱什么时候退", "退了钱啥时候到", "取消了能退钱吗"])
async def test_a_question_after_a_hold_on_is_no_decision(domain: dict, text: str) -> None:
    tracker = _answered(_at_the_choice(["apt_9"], text, intent="cancel_appointment"), "action_reset_journey")
    slots = await ValidateCancelForm().extract_appointment_id(CollectingDispatcher(), tracker, domain)
    assert "confirm_cancel" not in slots
