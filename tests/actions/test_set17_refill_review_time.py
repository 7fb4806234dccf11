""" "医生审核要多久" after a refill request is about the refill's review, not the lab's turnaround
(conversation set 17's N38; own wordings, traditional and dialect; negatives: the same words
with no refill in the conversation, and a lab question)."""

from __future__ import annotations

import pytest

from actions.refill_review import ANSWER, refill_review_answer

SUBMITTED = [
    {"event": "user", "text": "续方", "parse_data": {"intent": {"name": "request_refill"}}},
    {"event": "action", "name": "action_request_refill"},
]


@pytest.mark.parametrize("text", ["医生审核要多久", "審核要等幾天啊", "啥时候能批下来", "多久审完 我药快没了"])
def test_the_review_time_after_a_refill(text: str) -> None:
    assert refill_review_answer(text, SUBMITTED) == ANSWER
    assert "24小时" in ANSWER


@pytest.mark.parametrize("text", ["血常规多久出结果", "挂号要等多久", "你好"])
def test_other_waits_are_not_the_review(text: str) -> None:
    assert refill_review_answer(text, SUBMITTED) is None


def test_no_refill_in_the_conversation_no_review_answer() -> None:
    booking = [{"event": "user", "text": "挂号", "parse_data": {"intent": {"name": "book_appointment"}}}]
    assert refill_review_answer("医生审核要多久", booking) is None


async def test_the_faq_action_answers_it(domain: dict) -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.faq import ActionAnswerFaq
    from tests.actions.helpers import make_tracker

    tracker = make_tracker(text="医生审核要多久", intent="faq", events=SUBMITTED)
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == [ANSWER]
