"""Hand-off to a person, payment help, and starting a journey afresh."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.appointments import upcoming_appointments
from actions.base import HospitalAction
from actions.booking import hold_minutes
from actions.numbers import parse_choice

# Slots one journey fills that must not leak into the next one. Slots filled
# by entities of the message that starts the journey are kept ("挂心内科").
JOURNEY_SLOTS = (
    "department",
    "date",
    "doctor",
    "slot_id",
    "patient_id",
    "patient_name",
    "id_number",
    "phone",
    "otp_code",
    "otp_token",
    "otp_attempts",
    "symptom",
    "duration",
    "age",
    "sex",
    "appointment_id",
    "confirm_cancel",
    "reschedule_from",
    "drug",
    "prescription_id",
    "refill_followup",
    "refill_question",
    "lab_test",
    "offered_choices",
    "booking_ok",
    "triage_level",
)


class ActionResetJourney(Action):
    def name(self) -> Text:
        return "action_reset_journey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        fresh = {e.get("entity") for e in (tracker.latest_message or {}).get("entities", [])}
        return [
            SlotSet(slot, None) for slot in JOURNEY_SLOTS if slot not in fresh and tracker.get_slot(slot) is not None
        ]


class ActionHandoff(Action):
    """Tell the patient a person is coming; the channels see ``handoff`` in the
    message's custom payload and route the conversation to staff."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_handoff")
        dispatcher.utter_message(json_message={"handoff": True, "sender": tracker.sender_id})
        return [SlotSet("handoff", True)]


class ActionPaymentHelp(HospitalAction):
    """Resend the pay link of an unpaid booking, or explain how paying works."""

    def name(self) -> Text:
        return "action_payment_help"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        unpaid = [a for a in upcoming_appointments(tracker) if a.get("status") == "held"]
        pay = next(((a, a.get("payment") or {}) for a in unpaid if (a.get("payment") or {}).get("pay_url")), None)
        if pay is None:
            dispatcher.utter_message(response="utter_pay_help")
            return []
        appt, payment = pay
        dispatcher.utter_message(
            response="utter_booking_held",
            department_name=str(appt.get("department_name") or common.department_name(appt.get("department"))),
            doctor=common.doctor_label(appt.get("doctor")),
            start_text=common.start_text(str(appt.get("start", ""))),
            amount_yuan=common.yuan(payment.get("amount_fen", appt.get("fee_fen"))),
            pay_url=payment["pay_url"],
            hold_minutes=hold_minutes(appt.get("hold_expires_at")),
        )
        return []

    def on_error(self, exc: Any, tracker: Tracker) -> List[EventType]:
        return []


PAYLOAD_RE = re.compile(r"^/(?P<intent>[\w/]+)(?P<entities>\{.*\})?$", re.S)


def last_buttons(tracker: Tracker) -> List[Dict[str, Any]]:
    """The buttons of the bot's latest message before the patient's current one."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen > 1:
                return []  # nothing with buttons since the previous message
        elif event.get("event") == "bot" and users_seen == 1:
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons:
                return list(buttons)
    return []


def replay_payload(payload: str, text: str) -> Optional[List[Dict[Text, Any]]]:
    """Events that make Rasa treat the chosen button as what the patient sent:
    the bare "2" is reverted (as Rasa's two-stage fallback does) and the
    button's payload takes its place, so the same rules as for a tap apply."""
    match = PAYLOAD_RE.match(payload.strip())
    if not match:
        return None
    entities_json = json.loads(match.group("entities") or "{}")
    entities = [{"entity": k, "value": v, "start": 0, "end": 0} for k, v in entities_json.items()]
    parse_data = {"intent": {"name": match.group("intent"), "confidence": 1.0}, "entities": entities, "text": text}
    slot_events = [SlotSet(k, v) for k, v in entities_json.items()]
    return [UserUtteranceReverted(), UserUttered(text=payload, parse_data=parse_data), *slot_events]


class ActionMenuChoice(Action):
    """A bare answer outside any form: "2" picks the second button shown, a
    department name starts a booking, anything else gets the menu again."""

    def name(self) -> Text:
        return "action_menu_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        text = common.latest_text(tracker)
        choice = parse_choice(text)
        buttons = last_buttons(tracker)
        if choice is not None and 0 < choice <= len(buttons):
            events = replay_payload(str(buttons[choice - 1].get("payload", "")), text)
            if events is not None:
                return events
        department = common.normalise_department(next(tracker.get_latest_entity_values("department"), None))
        if department:
            return (
                replay_payload(
                    common.inform_payload("department", department).replace("/inform", "/book_appointment"), text
                )
                or []
            )
        dispatcher.utter_message(response="utter_default")
        return []
