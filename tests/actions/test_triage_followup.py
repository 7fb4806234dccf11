"""Asked "do I need to go?" right after the advice, the patient hears the advice again, not the
hospital's address (set 11's M26 and M03, set 12's S27 got the address or the insurance rules).
Our own wordings."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from actions.triage_followup import LEAD, advice_again
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker

ADVICE = "目前看情况不太严重，可以先在家观察休息。多喝水。 如果没有好转，建议去：儿科。"


def _after_advice(*between: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "闺女三岁 拉肚子一天了", "parse_data": {"intent": {"name": "report_symptom"}}},
        {"event": "action", "name": "action_reset_journey"},
        {"event": "active_loop", "name": "triage_form"},
        {"event": "active_loop", "name": None},
        {"event": "action", "name": "action_triage"},
        {"event": "bot", "text": ADVICE, "metadata": {"utter_action": "utter_triage_self_care"}},
        {"event": "slot", "name": "triage_level", "value": "self_care"},
        {"event": "bot", "text": "要我帮您预约儿科吗？"},
    ]
    for text in between:
        events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": "deny"}}})
        events.append({"event": "bot", "text": "还有别的需要帮忙吗？"})
    return events


@pytest.mark.parametrize("text", ["那用不用上医院啊", "要不要带她去看看", "严重不 能等到周末吗", "需要去醫院嗎"])
def test_asking_what_to_do_after_the_advice_gets_the_advice(text: str) -> None:
    assert advice_again(make_tracker(text=text, intent="faq", events=_after_advice())) == ADVICE


def test_a_detail_said_in_between_still_counts() -> None:
    tracker = make_tracker(text="用不用去医院", intent="faq", events=_after_advice("没有带血 就是稀"))
    assert advice_again(tracker) == ADVICE


@pytest.mark.parametrize(
    ("text", "events"),
    [
        ("医院在哪", _after_advice()),  # a real question about the hospital
        ("用不用去医院", []),  # no advice given
        ("用不用去医院", _after_advice("a", "b", "c", "d")),  # long after it
    ],
)
def test_other_questions_are_left_to_the_faq(text: str, events: list[dict[str, Any]]) -> None:
    assert advice_again(make_tracker(text=text, intent="faq", events=events)) is None


async def test_the_faq_action_says_the_advice_again(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="用不用上医院啊 家里有药", intent="faq", events=_after_advice())
    await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert [m.get("text") for m in dispatcher.messages] == [LEAD + ADVICE]
