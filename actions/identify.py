"""Who is chatting, by the phone on file: the fewest questions for a known patient.

A fresh web visitor or a new WeChat follower who asks for results, a refill or their
appointments has no patient on the chat account yet. The journey then asks one thing,
the phone the hospital has on file, sends a code there, and the code typed back binds
that phone's patients to the chat (POST /accounts/patients/claim): one patient is
chosen at once, several are offered as buttons. A patient who types the phone and the
code before being asked (at the "which patient?" buttons) gets the same.

The SMS goes only to a phone some patient has on file, and the answer is the same
either way, so the bot says "if this phone is registered"; a wrong code can be typed
again, an expired one asks for the phone again. A patient who is not on file (a
"复查" booking read as "my appointments") gets no SMS and used to type the phone
again and again, each time sent back to the phone question: the same phone typed at
the code question, or "没收到", is no wrong code and sends nothing; it says what to do
instead (book as a first visit, another phone, a person).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.appointment_described import explain_phone_first
from actions.base import previous_value
from actions.patient_names import masked_name
from integrations.hospital import HospitalError, InvalidInput, RateLimited
from shared_rules import MOBILE_IN_TEXT

try:  # the chat edge's placeholders (services/conversation/placeholders.py), where present
    from shared_rules import find_placeholder
except ImportError:  # pragma: no cover - before the placeholders land

    def find_placeholder(text: str, kind: str) -> Optional[str]:
        return None


IDENTIFY_SLOTS = ["phone", "otp_code"]
REGISTRATION_SLOTS = ("patient_name", "id_number", "registration_ok", "bind_code")
CODE_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")
ID_NUMBER_RE = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])|身份证")
MAX_TRIES = 3
# The phone is bound to as many accounts as allowed and none could be released
# (services/patients/phone_release.py): asking the phone again would only loop.
PHONE_LIMIT = "phone_limit"
NOT_RECEIVED = re.compile(
    r"(没|沒|未|不)(有)?(收到|收着|来|來)|收不到|没看到|沒看到|没短信|沒短信|还没到|還沒到|唔见|冇收到"
)


_SHOWN_PHONE = re.compile(r"1[3-9]\d\*{4}\d{4}")


def _phone_key(value: str) -> str:
    """A phone as the edge's placeholder shows it ("139****7777"), from a placeholder (even
    one the NLU cut short of its "]") or from the digits typed."""
    shown = _SHOWN_PHONE.search(value or "")
    if shown:
        return shown.group(0)
    typed = MOBILE_IN_TEXT.search(value or "")
    return common.mask_phone(typed.group(0)) if typed else ""


def shown_phone(value: str) -> str:
    """The phone as shown to the patient ("138****8001"); "" when there is none."""
    return _phone_key(value)


def same_phone(one: Optional[str], other: Optional[str]) -> bool:
    """Two answers name the same phone: each typing of a phone gets a new placeholder, so
    they are compared as shown (the first three and last four digits)."""
    key = _phone_key(str(one or ""))
    return bool(key) and key == _phone_key(str(other or ""))


def say_code_not_received(dispatcher: CollectingDispatcher, tracker: Tracker, phone: Optional[str] = None) -> None:
    shown = _phone_key(str(phone or tracker.get_slot("phone") or "")) or "您的手机"
    dispatcher.utter_message(response="utter_identify_code_not_received", phone_masked=shown)


def bound_ids(tracker: Tracker) -> List[str]:
    channel, user_id = common.chat_account(tracker)
    return [str(p.get("id")) for p in common.backend().account_patients(channel, user_id)]


def needs_identifying(tracker: Tracker) -> bool:
    """No patient chosen, none on the chat account, and no code verified yet: ask the phone."""
    if tracker.get_slot("patient_id") is not None or tracker.get_slot("otp_code") in ("verified", "failed"):
        return False
    try:
        return not bound_ids(tracker)
    except HospitalError:
        return False  # the ask action will apologise


def typed_phone(value: Any, tracker: Tracker) -> Optional[str]:
    """The phone in the answer: the chat edge's placeholder, or 11 digits."""
    text = str(value or "")
    latest = common.latest_text(tracker)
    kept = find_placeholder(text, "phone") or find_placeholder(latest, "phone")
    if kept:
        return kept
    match = MOBILE_IN_TEXT.search(text) or MOBILE_IN_TEXT.search(latest)
    return match.group(0) if match else None


def typed_id_number(tracker: Tracker) -> bool:
    """An ID number typed where the phone was asked ("身份证号…", hoping to skip the SMS)."""
    latest = common.latest_text(tracker)
    return bool(find_placeholder(latest, "id_number") or ID_NUMBER_RE.search(latest))


def typed_code(value: Any, tracker: Tracker) -> Optional[str]:
    text = str(value or "")
    latest = common.latest_text(tracker)
    kept = find_placeholder(latest, "code") or find_placeholder(text, "code")
    if kept:
        return kept
    # the message itself first: the NLU's entity may hold only part of the digits
    match = CODE_RE.search(latest) or CODE_RE.search(text)
    return match.group(0) if match else None


def send_code(phone: str, purpose: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """Send the code to the phone on file; the slots to set."""
    try:
        common.backend().send_otp(phone, purpose, tracker.sender_id)
    except RateLimited:  # a code went to this phone a minute ago (a journey switched midway): ask for it
        say_code_not_received(dispatcher, tracker, phone)
        return {"phone": phone, "otp_code": None, "otp_token": None}
    except HospitalError as exc:
        if exc.message and (exc.status or 500) < 500:
            dispatcher.utter_message(response="utter_backend_message", message=exc.message)
        else:
            dispatcher.utter_message(response="utter_backend_error")
        return {"phone": None}
    dispatcher.utter_message(response="utter_identify_code_sent", phone_masked=common.mask_phone(phone))
    return {"phone": phone, "otp_code": None, "otp_token": None, "otp_attempts": 0}


def utter_plain(dispatcher: CollectingDispatcher, exc: HospitalError) -> None:
    """The API's own words for a refusal (plain Chinese for patients), or a kind apology."""
    if exc.message and (exc.status or 500) < 500:
        dispatcher.utter_message(response="utter_backend_message", message=exc.message)
    else:
        dispatcher.utter_message(response="utter_backend_error")


def claim(value: Any, purpose: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
    """Check the code by claiming the phone's patients; the slots to set."""
    code, phone = typed_code(value, tracker), tracker.get_slot("phone")
    if value == "verified":  # validated again after an interruption: the code is spent already
        return {"otp_code": "verified"}
    attempts = int(tracker.get_slot("otp_attempts") or 0) + 1
    if not phone:  # a code before any phone: ask the phone first
        return {"otp_code": None}
    if not code and typed_phone(value, tracker):  # the phone again (validate_phone answered it): no wrong code
        return {"otp_code": None}
    if not code and NOT_RECEIVED.search(common.latest_text(tracker)):
        say_code_not_received(dispatcher, tracker)
        return {"otp_code": None}
    if code:
        channel, user_id = common.chat_account(tracker)
        try:
            held_before = set(bound_ids(tracker))
        except HospitalError:
            held_before = set()
        try:
            answer = common.backend().claim_patients(phone, code, purpose, channel, user_id, tracker.sender_id)
        except InvalidInput:
            answer = {}
        except HospitalError as exc:  # expired or locked: say so, and ask the phone again
            if exc.code == PHONE_LIMIT:  # the code was right, the phone has no free place: no new code helps
                utter_plain(dispatcher, exc)
                return {"otp_code": "failed", "otp_token": None, "otp_attempts": 0}
            utter_plain(dispatcher, exc)
            return {"otp_code": None, "phone": None}
        patients = [p for p in answer.get("patients") or [] if p.get("id")]
        if patients:
            names = "、".join(masked_name(str(p.get("name", ""))) for p in patients)
            slots: Dict[Text, Any] = {"otp_code": "verified", "otp_token": answer.get("token"), "otp_attempts": 0}
            chosen, by_records = the_one(patients, held_before)
            if by_records and chosen is not None:
                shown = masked_name(str(chosen.get("name", "")))
                dispatcher.utter_message(response="utter_identified_for", names=names, chosen=shown)
            else:
                dispatcher.utter_message(response="utter_identified", names=names)
            if chosen is not None:
                slots["patient_id"] = str(chosen["id"])
            return slots
    if attempts >= MAX_TRIES:
        dispatcher.utter_message(response="utter_otp_failed")
        return {"otp_code": "failed", "otp_token": None, "otp_attempts": attempts}
    dispatcher.utter_message(response="utter_identify_code_wrong")
    return {"otp_code": None, "otp_attempts": attempts}


def the_one(patients: List[Dict[str, Any]], held_before: Set[str]) -> Tuple[Optional[Dict[str, Any]], bool]:
    """The patient a verified phone's code is for, and whether the records decided it: the
    only one on that phone, the one this chat already held, or the only one with anything
    for the journey (a grandfather's reports, not his grandson's: blind set 3, E43 and E45
    ended at "which patient?" after the code). Several with records: ask."""
    if len(patients) == 1:
        return patients[0], False
    mine = [p for p in patients if str(p["id"]) in held_before]
    if len(mine) == 1:
        return mine[0], False
    with_records = [p for p in patients if p.get("has_records")]
    if len(with_records) == 1:
        return with_records[0], True
    return None, False


def tries_a_phone(text: str) -> bool:
    """A number typed as the phone ("13800", "138 0013 800"), not a reading said beside the
    question ("血压最近130多/80多 没有不舒服", set 10's L30, was told its phone looked wrong)."""
    plain = re.sub(r"[\s\-+]", "", text or "")
    return bool(re.search(r"\d{7,}", plain) or re.fullmatch(r"\d{3,}", plain))


class PhoneIdentification:
    """``validate_phone`` / ``validate_otp_code`` of a form that may identify the patient by
    the phone on file (results, refills, cancel, reschedule, the appointment list).

    A form that registers a new patient (a name was given, or "添加新的就诊人") keeps its
    own phone check; so does a results form whose patient was chosen first (the phone
    must then match that patient's)."""

    identify_purpose = "appointments"

    def identifying(self, tracker: Tracker) -> bool:
        registering = tracker.get_slot("patient_name") or tracker.get_slot("patient_id") == "new"
        return not registering and tracker.get_slot("patient_id") is None

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        if not self.identifying(tracker):
            return dict(await super().validate_phone(value, dispatcher, tracker, domain))  # type: ignore[misc]
        phone = typed_phone(value, tracker)
        if phone is None:
            if tracker.get_slot("requested_slot") != "phone":  # the NLU saw a number elsewhere
                return {"phone": tracker.get_slot("phone")}
            if typed_id_number(tracker):  # an ID number instead: it cannot stand for the code (E45)
                dispatcher.utter_message(response="utter_identify_phone_not_id")
            elif tries_a_phone(common.latest_text(tracker)):  # a number, but not a phone
                dispatcher.utter_message(response="utter_invalid_phone")
            elif self.identify_purpose == "appointments":  # "明天上午那个心内科的": why the phone first
                explain_phone_first(dispatcher, tracker)
            # words and no number ("心内科开的，吃了好几年了"): no "wrong phone", the question comes again
            return {"phone": None}
        before = previous_value(tracker, "phone")  # this turn's extraction overwrote the slot already
        if tracker.get_slot("requested_slot") == "otp_code" and same_phone(phone, before):
            if typed_phone(None, tracker) is None:  # carried over by a change of errand: the code is asked
                return {"phone": before}
            say_code_not_received(dispatcher, tracker, before)  # sent already: nothing new to send, no loop
            return {"phone": before}
        return send_code(phone, self.identify_purpose, dispatcher, tracker)

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        if self.identifying(tracker):
            return claim(value, self.identify_purpose, dispatcher, tracker)
        parent = getattr(super(), "validate_otp_code", None)
        if parent is not None:
            return dict(await parent(value, dispatcher, tracker, domain))
        return {"otp_code": tracker.get_slot("otp_code")}  # no code needed once the patient is known


def with_identification(slots: List[Text], tracker: Tracker, keep_code: bool = False) -> List[Text]:
    """A patient form's slots (results, refills) with the phone and its code where they
    belong: first when nobody is known yet; after "which patient?" while none is chosen
    (so a phone and a code typed there are taken, not left unchecked); and, once a patient
    is chosen, only where the journey itself needs them (``keep_code``: results)."""
    if tracker.get_slot("otp_code") == "failed":
        return []
    if needs_identifying(tracker):
        rest = [s for s in slots if s not in IDENTIFY_SLOTS and s not in REGISTRATION_SLOTS and s != "patient_id"]
        return [*IDENTIFY_SLOTS, "patient_id", *rest]
    if tracker.get_slot("patient_id") is None and "patient_id" in slots:
        at = slots.index("patient_id") + 1
        return slots[:at] + [s for s in IDENTIFY_SLOTS if s not in slots] + slots[at:]
    return slots if keep_code else [s for s in slots if s != "otp_code"]


def appointments_identification(slots: List[Text], tracker: Tracker) -> Optional[List[Text]]:
    """The phone and its code for the appointment forms when nobody is known yet; None
    when the chat account already has its patients (the form goes on as before)."""
    if tracker.get_slot("otp_code") == "failed":
        return []
    if needs_identifying(tracker):
        return IDENTIFY_SLOTS + [s for s in slots if s not in IDENTIFY_SLOTS]
    return None
