"""Frequently asked questions, answered with the hospital's facts.

The NLU's response selector picks the topic (faq/address, faq/phone, …); the
wording is the domain response of that topic and the facts it names
({hospital_address}, {fees}, …) come from data/hospital.yml, so an address or a
fee changes in one file without retraining the bot.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from services.hospital_facts import FactsError, load_facts

log = logging.getLogger(__name__)
FALLBACK_TOPIC = "utter_faq/phone"  # the number to call answers any question we cannot


def selected_topic(latest_message: Dict[str, Any]) -> Optional[str]:
    """ "utter_faq/address" from the response selector's reading of the message, if any."""
    selector = latest_message.get("response_selector") or {}
    for key in ("faq", "default"):
        response = (selector.get(key) or {}).get("response") or {}
        action = response.get("utter_action") or ""
        if not action and response.get("intent_response_key"):
            action = f"utter_{response['intent_response_key']}"
        if action:
            return str(action)
    return None


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        topic = selected_topic(tracker.latest_message or {})
        responses = (domain or {}).get("responses") or {}
        if topic is None or (responses and topic not in responses):
            topic = FALLBACK_TOPIC
        try:
            values = load_facts().template_values()
        except (OSError, FactsError) as exc:  # a broken facts file must not silence the bot
            log.error("hospital facts unreadable: %s", exc)
            dispatcher.utter_message(response="utter_backend_error")
            return []
        dispatcher.utter_message(response=topic, **values)
        return []
