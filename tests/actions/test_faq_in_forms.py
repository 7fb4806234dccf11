"""Inside a form, words the response selector reads as "what can you do" that ask nothing of
the kind are the patient talking (set 7's I17: "干啥都没意思 上班也没精神头" at triage's age
question got the whole menu). Wordings are our own."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from tests.actions.helpers import make_tracker


def _read_as_capabilities(text: str, active_loop: str | None) -> Any:
    tracker = make_tracker(text=text, intent="faq", active_loop=active_loop)
    tracker.latest_message["response_selector"] = {
        "faq": {"response": {"intent_response_key": "faq/capabilities", "confidence": 0.7}}
    }
    return tracker


async def test_a_complaint_inside_a_form_is_not_answered_with_the_menu(domain: dict[str, Any]) -> None:
    for text in ("干啥都提不起劲 觉也睡不好", "心里烦 啥也不想干"):
        dispatcher = CollectingDispatcher()
        await ActionAnswerFaq().run(dispatcher, _read_as_capabilities(text, "triage_form"), domain)
        assert [m.get("response") for m in dispatcher.messages] == [None], text
        assert "记下" in dispatcher.messages[0]["text"]


async def test_asking_what_the_bot_does_still_gets_the_menu(domain: dict[str, Any]) -> None:
    for text, loop in (("你都能办些什么", "triage_form"), ("干啥都提不起劲", None)):
        dispatcher = CollectingDispatcher()
        await ActionAnswerFaq().run(dispatcher, _read_as_capabilities(text, loop), domain)
        assert [m.get("response") for m in dispatcher.messages] == ["utter_faq/capabilities"], text
