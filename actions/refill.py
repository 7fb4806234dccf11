"""Refill requests: follow-ups only (no first visit online), for a
prescription the hospital already issued; the patient's questions go to the
reviewing doctor with the request."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, identify
from actions.base import HospitalAction, PatientFormValidation, yes_no
from actions.numbers import parse_choice
from integrations.hospital import Conflict, HospitalError, InvalidInput

NO_QUESTION = ("没有", "没", "无", "不用", "没了", "没问题", "没有了")


def prescription_label(rx: Dict[str, Any]) -> str:
    drugs = [str(i.get("drug") or i.get("name")) for i in rx.get("items", []) or [] if isinstance(i, dict)]
    parts = [str(rx.get("diagnosis") or ""), "、".join(d for d in drugs if d), str(rx.get("issued_on") or "")]
    return " ".join(p for p in parts if p) or str(rx.get("id"))


def match_drug(prescriptions: List[Dict[str, Any]], drug: Optional[str]) -> Optional[str]:
    if not drug:
        return None
    hits = [rx for rx in prescriptions if drug in prescription_label(rx)]
    return str(hits[0]["id"]) if len(hits) == 1 else None


class ValidateRefillForm(identify.PhoneIdentification, PatientFormValidation):
    identify_purpose = "refill"

    def name(self) -> Text:
        return "validate_refill_form"

    def more_required(self, slots: List[Text], tracker: Tracker) -> List[Text]:
        slots = identify.with_identification(slots, tracker)
        if tracker.get_slot("refill_followup") is False and "refill_followup" in slots:  # first visit: stop here
            return slots[: slots.index("refill_followup") + 1]
        return slots

    async def validate_refill_followup(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        answer = yes_no(value)
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        elif answer is False:
            dispatcher.utter_message(response="utter_refill_first_visit")
        return {"refill_followup": answer}

    async def validate_prescription_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_choices") or []
        value = str(value or "").strip()
        if value in offered:
            return {"prescription_id": value}
        choice = parse_choice(value)
        if choice is not None and 0 < choice <= len(offered):
            return {"prescription_id": offered[choice - 1]}
        dispatcher.utter_message(response="utter_invalid_choice")
        return {"prescription_id": None}

    async def validate_refill_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        return {"refill_question": "" if text in NO_QUESTION or text.startswith("/") else text[:500]}


class ActionAskPrescriptionId(HospitalAction):
    def name(self) -> Text:
        return "action_ask_prescription_id"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        patient_id = tracker.get_slot("patient_id")
        listed = common.backend().prescriptions(patient_id) if patient_id else []
        prescriptions = [rx for rx in listed if rx.get("eligible", True)]
        if not prescriptions:
            reasons = [str(rx.get("reason")) for rx in listed if rx.get("reason")]
            if reasons:
                dispatcher.utter_message(response="utter_backend_message", message=reasons[0])
            dispatcher.utter_message(response="utter_no_prescriptions")
            return [SlotSet("prescription_id", "none"), SlotSet("refill_question", ""), SlotSet("requested_slot", None)]
        chosen = match_drug(prescriptions, tracker.get_slot("drug"))
        ids = common.ids_from(prescriptions)
        if not chosen and len(prescriptions) == 1:  # the only one that can be renewed: no choice to make
            chosen = str(prescriptions[0]["id"])
            label = prescription_label(prescriptions[0])
            dispatcher.utter_message(response="utter_refill_only_one", prescription=label)
        if chosen:
            dispatcher.utter_message(response="utter_ask_refill_question")
            return [
                SlotSet("prescription_id", chosen),
                SlotSet("offered_choices", ids),
                SlotSet("requested_slot", "refill_question"),
            ]
        buttons = [
            common.button(i, prescription_label(rx), common.inform_payload("prescription_id", str(rx["id"])))
            for i, rx in enumerate(prescriptions, start=1)
        ]
        dispatcher.utter_message(response="utter_ask_prescription_id", buttons=buttons)
        return [SlotSet("offered_choices", ids)]

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("prescription_id", "none"), SlotSet("refill_question", ""), SlotSet("requested_slot", None)]


class ActionRequestRefill(HospitalAction):
    def name(self) -> Text:
        return "action_request_refill"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        done: List[EventType] = [
            SlotSet("prescription_id", None),
            SlotSet("refill_question", None),
            SlotSet("refill_followup", None),
        ]
        patient_id, rx = tracker.get_slot("patient_id"), tracker.get_slot("prescription_id")
        if tracker.get_slot("refill_followup") is not True or not patient_id or not rx or rx == "none":
            return done
        question = tracker.get_slot("refill_question") or ""
        try:
            common.backend().request_refill(patient_id, rx, answers={"question": question} if question else None)
        except (Conflict, InvalidInput) as exc:
            if exc.message:  # e.g. "这张处方超过复诊期限" or red flags that need a visit
                dispatcher.utter_message(response="utter_backend_message", message=exc.message)
            dispatcher.utter_message(response="utter_refill_not_eligible")
            return done
        dispatcher.utter_message(response="utter_refill_submitted")
        return done

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("prescription_id", None), SlotSet("refill_question", None), SlotSet("refill_followup", None)]
