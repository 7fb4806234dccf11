"""FAQ answers carry the hospital's facts from data/hospital.yml."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from services.hospital_facts import load_facts
from tests.actions.helpers import make_tracker


def _asking(topic: str) -> Any:
    tracker = make_tracker(text="医院电话多少", intent="faq")
    tracker.latest_message["response_selector"] = {
        "faq": {"response": {"utter_action": f"utter_faq/{topic}", "intent_response_key": f"faq/{topic}"}}
    }
    return tracker


async def test_the_phone_question_gets_the_phone(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> None:
    await ActionAnswerFaq().run(dispatcher, _asking("phone"), domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq/phone"
    assert message["hospital_phone"] == load_facts().phone
    text = domain["responses"]["utter_faq/phone"][0]["text"].format(**message)
    assert load_facts().phone in text and "{" not in text


async def test_fees_by_title(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> None:
    await ActionAnswerFaq().run(dispatcher, _asking("fees"), domain)
    assert "专家号50元" in dispatcher.messages[0]["fees"]


async def test_an_unknown_topic_answers_with_the_phone(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ActionAnswerFaq().run(dispatcher, _asking("nonexistent"), domain)
    assert dispatcher.messages[0]["response"] == "utter_faq/phone"
