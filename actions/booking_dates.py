"""Asking for the day of a booking with an example computed from today, and the day said
again at its own list."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dates import example_date, parse_date_slot, resolve, today_in_shanghai
from actions.numbers import parse_choice


class ActionAskDate(Action):
    """The booking form's date question (`action_ask_date` wins over `utter_ask_date`)."""

    def name(self) -> Text:
        return "action_ask_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_ask_date", date_example=example_date(today_in_shanghai()))
        return []


def names_the_listed_day(text: str, date_slot: Optional[str]) -> bool:
    """ "下周一吧" at a list already showing Monday: the patient agrees to the day (F07 had
    offered Monday or Tuesday), which is no wrong answer to the list; a half of the day
    said with it counts only when the list is for that half."""
    if not text or not date_slot or parse_choice(text) is not None:
        return False
    phrase = resolve(text, today_in_shanghai())
    day, period = parse_date_slot(date_slot)
    return phrase is not None and phrase.iso() == day and phrase.period in (None, period)
