"""Hand-off to a person, payment help, and starting a journey afresh."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.appointments import upcoming_appointments
from actions.base import HospitalAction
from actions.booking import hold_minutes

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
