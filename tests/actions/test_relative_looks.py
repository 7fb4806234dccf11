"""A relative asks, at the results' phone question, whether they may look (issue 13,
conversation set 13's W48, tuning material): the bot left the results for the appointment
list. Now the question is answered and the phone asked again, in the results. Our wordings."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import ActionQueryAppointments
from actions.relative_looks import ANSWER, asks_if_relative_may
from tests.actions.helpers import make_tracker

ASKED = [
    "我是他儿子 不能查吗",
    "我是家属可以看吗",
    "我替我妈查行不行",
    "我是她女儿，能帮她查吗？",
    "老伴的报告我能看不",
]


@pytest.mark.parametrize("text", ASKED)
def test_a_relative_asks_whether_they_may(text: str) -> None:
    assert asks_if_relative_may(text)


@pytest.mark.parametrize("text", ["那用他手机号 13800138001", "我的预约", "查一下血常规", "他儿子"])
def test_an_answer_or_another_request_is_not_that_question(text: str) -> None:
    assert not asks_if_relative_may(text)


@pytest.mark.parametrize("asked", ["phone", "otp_code"])
async def test_answered_and_the_results_go_on(domain: dict, asked: str) -> None:
    tracker = make_tracker(
        slots={"requested_slot": asked},
        text="我是他儿子 不能查吗",
        intent="query_appointment",
        active_loop="results_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionQueryAppointments().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == [ANSWER]
    assert "验证码" in ANSWER and "家属" in ANSWER
    assert events == [FollowupAction("results_form")]


@pytest.mark.parametrize(("loop", "asked"), [(None, None), ("results_form", "lab_test"), ("refill_form", "phone")])
async def test_elsewhere_the_appointment_list_as_before(domain: dict, loop: str | None, asked: str | None) -> None:
    tracker = make_tracker(
        slots={"requested_slot": asked}, text="我是他儿子 不能查吗", intent="query_appointment", active_loop=loop
    )
    dispatcher = CollectingDispatcher()
    events = await ActionQueryAppointments().run(dispatcher, tracker, domain)
    assert FollowupAction("results_form") not in events
