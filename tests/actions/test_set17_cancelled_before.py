"""Set 17's N20 and N21 (tuning material; our own wording, look-alikes and negatives):
"上次取消了 现在想重新挂个皮肤科" and "我取消了预约 钱怎么还没到" were read as a new
cancellation; a cancellation told as past now goes on to the booking or the refund answer,
and one wanted now still cancels."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cancelled_before import BOOK, REFUND, after_a_cancellation
from actions.general import ActionResetJourney
from tests.actions.helpers import make_tracker, responses


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("我取消了预约 钱怎么还没到", REFUND),
        ("昨天退号了 钱还没回来", REFUND),
        ("已经取消的那个号 退款什么时候到账", REFUND),
        ("前天取消的 微信付的", REFUND),
        ("我取消了預約 錢怎麼還沒到", REFUND),
        ("上次取消了 现在想重新挂个皮肤科", BOOK),
        ("上回退号了 今天又想挂眼科", BOOK),
        ("取消过了 想再约个下周的", BOOK),
        ("我想取消预约", None),
        ("帮我取消了吧", None),
        ("取消了能退钱吗", None),
        ("我要取消明天的号 钱退微信", None),
        ("不取消了", None),
        ("上次取消了", None),
        ("我取消了 帮我看看取消成功没", None),
    ],
)
def test_a_past_cancellation_goes_on_to_money_or_a_booking(text: str, want: str | None) -> None:
    assert after_a_cancellation(text) == want


async def test_money_awaited_after_a_cancellation_is_answered_not_cancelled(domain: dict) -> None:
    tracker = make_tracker(text="我取消了预约 钱怎么还没到", intent="cancel_appointment")
    dispatcher = CollectingDispatcher()
    events = await ActionResetJourney().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_faq/refund"]
    assert events[-1] == FollowupAction("action_listen")  # no phone asked, nothing to cancel


async def test_how_it_was_paid_right_after_the_refund_answer_gets_its_part(domain: dict) -> None:
    said_before = [
        {"event": "user", "text": "我取消了预约 钱怎么还没到"},
        {"event": "bot", "text": "取消预约后，已付的挂号费会原路退回：微信付的退回微信……"},
    ]
    tracker = make_tracker(text="前天取消的 微信付的", intent="cancel_appointment", events=said_before)
    dispatcher = CollectingDispatcher()
    events = await ActionResetJourney().run(dispatcher, tracker, domain)
    said = dispatcher.messages[0]["text"]
    assert said.startswith("微信付的退回微信") and "工作日" in said
    assert events[-1] == FollowupAction("action_listen")


async def test_a_new_booking_after_a_past_cancellation_starts_the_booking(domain: dict) -> None:
    tracker = make_tracker(
        text="上次取消了 现在想重新挂个皮肤科",
        intent="cancel_appointment",
        entities=[{"entity": "department", "value": "dermatology"}],
    )
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("department", "dermatology") in events and events[-1] == FollowupAction("booking_form")


@pytest.mark.parametrize("text", ["我想取消预约", "帮我取消了吧", "取消了能退钱吗"])
async def test_a_cancellation_wanted_still_cancels(domain: dict, text: str) -> None:
    tracker = make_tracker(text=text, intent="cancel_appointment")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert FollowupAction("booking_form") not in events and FollowupAction("action_listen") not in events
