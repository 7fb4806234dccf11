"""Nothing is written before the patient has seen it (issue 13): the name, the masked ID
number and the phone are read back and confirmed before a new patient's record exists,
so "李明" typed for "李敏" is fixed there, not carried into every later visit."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.base import ID_RE


def mask_id(value: Any) -> str:
    """'110105194912310021' -> '110105********0021'; a number the chat edge kept back shows
    nothing of itself, so it reads '已填写'."""
    digits = str(value or "")
    if ID_RE.fullmatch(digits):
        return f"{digits[:6]}********{digits[-4:]}"
    return "已填写"


class ActionAskRegistrationOk(Action):
    """Read back the name, masked ID number and phone before the record is written."""

    def name(self) -> Text:
        return "action_ask_registration_ok"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            response="utter_ask_registration_ok",
            patient_name=str(tracker.get_slot("patient_name") or ""),
            id_masked=mask_id(tracker.get_slot("id_number")),
            phone_masked=common.mask_phone(str(tracker.get_slot("phone") or "")),
        )
        return []
