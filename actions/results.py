"""Result queries: a one-time code by SMS before any result is shown.

The phone typed must match the chosen patient's phone on file (the API shows
it masked), the code is verified by the hospital, and its token is used for
one listing only; nothing is shown for another patient.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, identify
from actions.base import (
    CODE_AGAIN,
    CODE_STILL_GOOD,
    HospitalAction,
    PatientFormValidation,
    bound_patients,
    placeholder_in,
    utter_error,
)
from actions.only_patient import OnlyPatient
from actions.phone_again import say_sent_already, the_phone_again
from actions.simplified import simplified
from integrations.hospital import HospitalError, InvalidInput, RateLimited
from shared_rules import placeholder_mask

OTP_PURPOSE = "results"
MAX_OTP_ATTEMPTS = 3
OTP_RE = re.compile(r"(?<!\d)\d{4,8}(?!\d)")
MAX_RESULTS = 10


def phone_matches(phone: str, masked: str) -> bool:
    """'13812345678' matches '138****5678' (every shown digit must agree); so does the chat
    edge's placeholder '[手机#138****5678#k7Q2abcd]', by the digits both show."""
    if not masked:
        return True
    if placeholder_mask(phone):
        ours, theirs = placeholder_mask(phone), re.sub(r"[^\d*]", "", masked)
        if len(theirs) != len(ours):
            return ours[-4:] == theirs[-4:]
        return all("*" in (m, p) or m == p for m, p in zip(theirs, ours, strict=True))
    shown = re.sub(r"[^\d*]", "", masked)
    if len(shown) != len(phone):
        return phone[-4:] == re.sub(r"\D", "", masked)[-4:]
    return all(m == "*" or m == p for m, p in zip(shown, phone, strict=True))


class ValidateResultsForm(OnlyPatient, identify.PhoneIdentification, PatientFormValidation):
    identify_purpose = OTP_PURPOSE

    def name(self) -> Text:
        return "validate_results_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        return identify.with_identification(slots, tracker, keep_code=True)

    def needs_phone_anyway(self) -> bool:
        return True

    async def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """ "验证码没收到啊", "重新发一下" at the code question (the NLU may read the latter as going
        back) send the code again: set 11's M56 was told its words were a wrong code, then sent
        back to the phone question, and the code it then typed there was no phone."""
        again = self.send_again(dispatcher, tracker)
        if again is not None:  # the code question again (the domain's order would ask a name first)
            return [*(SlotSet(slot, value) for slot, value in again.items()), SlotSet("requested_slot", "otp_code")]
        return list(await super()._run(dispatcher, tracker, domain))

    def send_again(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[Text, Any]]:
        """The slots after a code asked for again at the code question of a known patient;
        None when the message is no such request (a code typed, or another question)."""
        text = common.latest_text(tracker)
        phone = tracker.get_slot("phone")
        if tracker.get_slot("requested_slot") != "otp_code" or self.identifying(tracker) or not phone:
            return None
        if not CODE_AGAIN.search(simplified(text)) or OTP_RE.search(text) or placeholder_in(text, tracker, "code"):
            return None
        try:
            common.backend().send_otp(phone, OTP_PURPOSE, tracker.sender_id)
        except RateLimited:  # one went out a moment ago: it is still good
            dispatcher.utter_message(response="utter_backend_message", message=CODE_STILL_GOOD)
            return {"otp_code": None}
        except HospitalError as exc:
            utter_error(dispatcher, exc)
            return {"otp_code": None}
        dispatcher.utter_message(response="utter_otp_sent", phone_masked=common.mask_phone(phone))
        return {"otp_code": None}

    def after_phone(
        self, phone: str, patient_id: Optional[str], dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        if patient_id:
            try:
                patient = next((p for p in bound_patients(tracker) if str(p.get("id")) == patient_id), None)
            except HospitalError as exc:
                utter_error(dispatcher, exc)
                return {"phone": None}
            if patient is not None and not phone_matches(phone, str(patient.get("phone", ""))):
                dispatcher.utter_message(response="utter_phone_mismatch")
                return {"phone": None}
        try:
            common.backend().send_otp(phone, OTP_PURPOSE, tracker.sender_id)
        except HospitalError as exc:
            utter_error(dispatcher, exc)
            return {"phone": None}
        dispatcher.utter_message(response="utter_otp_sent", phone_masked=common.mask_phone(phone))
        return {"otp_code": None, "otp_token": None, "otp_attempts": 0}

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The same phone again at the code question (set 17's N40): the code sent stays good."""
        again = None if self.identifying(tracker) else the_phone_again(value, tracker)
        if again is not None:
            say_sent_already(dispatcher, again)
            return {"phone": again}
        return dict(await super().validate_phone(value, dispatcher, tracker, domain))

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if self.identifying(tracker):  # nobody chosen yet: the code finds who it is for
            return identify.claim(value, OTP_PURPOSE, dispatcher, tracker)
        again = the_phone_again(None, tracker)
        if again is not None and not identify.typed_code(None, tracker):  # a phone, no code: no attempt
            if "phone" not in tracker.slots_to_validate():  # validate_phone says it otherwise
                say_sent_already(dispatcher, again)
            return {"otp_code": None}
        if value == "verified":  # validated again after an interruption: already spent
            return {"otp_code": "verified"}
        match = OTP_RE.search(str(value or "")) or OTP_RE.search(common.latest_text(tracker))
        code = placeholder_in(value, tracker, "code") or (match.group(0) if match else None)
        phone = tracker.get_slot("phone")
        attempts = int(tracker.get_slot("otp_attempts") or 0) + 1
        if code and phone:
            try:
                answer = common.backend().verify_otp(phone, OTP_PURPOSE, code, tracker.sender_id)
            except InvalidInput:
                answer = {}
            except HospitalError as exc:  # expired or locked: say so, and send a new code
                utter_error(dispatcher, exc)
                return {"otp_code": None, "phone": None}
            if answer.get("verified") and answer.get("token"):
                return {"otp_code": "verified", "otp_token": answer["token"], "otp_attempts": 0}
        if attempts >= MAX_OTP_ATTEMPTS:
            dispatcher.utter_message(response="utter_otp_failed")
            return {"otp_code": "failed", "otp_token": None, "otp_attempts": attempts}
        dispatcher.utter_message(response="utter_invalid_otp")
        return {"otp_code": None, "otp_attempts": attempts}


class ActionShowResults(HospitalAction):
    def name(self) -> Text:
        return "action_show_results"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        token, patient_id = tracker.get_slot("otp_token"), tracker.get_slot("patient_id")
        # bind_code: "failed" (a full phone, actions/base.py) must not end a later form at once
        forget: List[EventType] = [SlotSet("otp_token", None), SlotSet("otp_code", None), SlotSet("bind_code", None)]
        if not token or not patient_id or tracker.get_slot("otp_code") != "verified":
            return forget
        results = common.backend().results(patient_id, token, tracker.sender_id)
        if not results:
            dispatcher.utter_message(response="utter_results_none")
            return forget
        for item in results[:MAX_RESULTS]:
            dispatcher.utter_message(response="utter_result_item", **describe_result(item))
        dispatcher.utter_message(response="utter_results_footer")
        return forget

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("otp_token", None), SlotSet("otp_code", None)]


def describe_result(item: Dict[str, Any]) -> Dict[str, str]:
    """One line per report: title, status or abnormal items, date."""
    name = str(item.get("title") or item.get("name") or "检查")
    if item.get("summary"):  # the API's plain-language summary
        summary = str(item["summary"])
    elif item.get("status") and item.get("status") != "final":
        summary = "结果还没出来"
    else:
        abnormal = [
            f"{i.get('name')}{'偏高' if i.get('flag') in ('H', 'high') else '偏低'}"
            for i in item.get("items", []) or []
            if i.get("flag") in ("H", "L", "high", "low")
        ]
        summary = "、".join(abnormal[:4]) + "，请复诊时给医生看" if abnormal else "未见明显异常"
        if item.get("conclusion") or item.get("findings"):
            summary = str(item.get("conclusion") or item.get("findings"))[:60]
    when = str(item.get("reported_at") or item.get("sampled_at") or "")
    return {"name": name, "summary": summary, "date_text": when[:10]}
