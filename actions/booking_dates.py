"""Asking for the day of a booking with an example computed from today."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dates import example_date, today_in_shanghai


class ActionAskDate(Action):
    """The booking form's date question (`action_ask_date` wins over `utter_ask_date`)."""

    def name(self) -> Text:
        return "action_ask_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_ask_date", date_example=example_date(today_in_shanghai()))
        return []
