"""Shared bases of the journeys' actions (ABCs: rasa-sdk only registers the
concrete subclasses).

``HospitalAction`` turns a backend failure into a kind domain response and
never a crash. ``PatientFormValidation`` is the "which patient?" part that
booking, results and refills share: choose a patient bound to the chat
account, or register a real-name patient (name, ID number, phone) and bind it.
"""

from __future__ import annotations

import abc
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, patient_typed
from actions.corrections import GO_BACK_INTENT, ForgivingFormValidation, corrected_name, named_slot
from actions.numbers import parse_choice
from actions.patient_names import masked_name, name_in, patient_named
from actions.simplified import simplified
from integrations.hospital import (
    BackendUnavailable,
    CodeSent,
    Duplicate,
    HospitalError,
    InvalidInput,
    RateLimited,
    Restricted,
    SoldOut,
)
from integrations.hospital.base import Patient
from shared_rules import MOBILE_IN_TEXT, find_placeholder, id_checksum_ok

log = logging.getLogger(__name__)

REGISTRATION_SLOTS = ("patient_name", "id_number", "phone", "registration_ok", "bind_code")
NEW_PATIENT = "new"
# The code was right but the phone is bound to as many chat accounts as allowed and none
# could be released (services/patients/phone_release.py). Only the phone on file can prove
# the record, so asking the ID number and phone again would loop: the form ends instead.
PHONE_LIMIT = "phone_limit"
BIND_FAILED = "failed"
CODE_RE = re.compile(r"(?<!\d)\d{6}(?!\d)")
# At the code question: "验证码没收到呀 再发一遍好伐" asks for the code again ...
CODE_AGAIN = re.compile(r"再发|重发|重新发|再来一[个条遍次]|(?:没|未)(?:有)?收到|收不到|没来|还没到|冇收到")
# ... and "验证码就不要了吧 直接给俺挂上" to skip it, which the phone's proof does not allow.
CODE_SKIP = re.compile(r"不要了|不用了|跳过|免了|省了|不要验证|不用验证|直接(?:给.{0,2})?[挂约]|不输")
CODE_NEEDED = "utter_code_needed"
CODE_STILL_GOOD = "刚才发到您手机的验证码5分钟内都有效，请直接输入那6位数字；短信可能晚到一会儿"
CODE_NEEDED_TEXT = (
    "验证码是为了确认是本人或家人在操作，保护您的信息，不能跳过。请输入短信里的6位验证码，一般一分钟内就到。"
)
ID_RE = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")
NAME_NOISE = re.compile(r"^(我叫|叫|名字是|名字叫|姓名是|姓名|就诊人叫|就诊人是|是)|[，,。.！!\s]")
# An answer, not a name: "对的没问题确认" typed at the name question was registered as the
# patient's name (blind set 3, E07). No Chinese given name carries these words.
NOT_A_NAME = re.compile(
    r"确认|没问题|好的|是的|对的|不对|谢谢|知道|随便|可以|挂号|预约|医生|明天|后天|上午|下午|"
    r"那个|这个|哪个|最早|最晚|第[一二三四五六七八九十\d]"  # "最早那个", "第一个" meant the list
)


def error_response(exc: HospitalError) -> str:
    """The domain response for a backend error, by its code."""
    if isinstance(exc, SoldOut):
        return "utter_sold_out"
    if isinstance(exc, Duplicate):
        return "utter_duplicate"
    if isinstance(exc, Restricted):
        return "utter_restricted"
    if isinstance(exc, RateLimited):
        return "utter_quota"
    return "utter_backend_error"


def utter_error(dispatcher: CollectingDispatcher, exc: HospitalError) -> None:
    """Say something kind, never a stack trace. The API's messages are plain
    Chinese written for patients ("您本周的预约次数已达上限..."), so a 4xx that
    carries one is shown as is; otherwise the domain response for its code."""
    log.info("backend error %s (%s) on %s %s", exc.code, exc.status, exc.method, exc.path)
    name = error_response(exc)
    own_message = exc.message and not isinstance(exc, BackendUnavailable) and (exc.status or 500) < 500
    if own_message and name in ("utter_backend_error", "utter_quota"):
        dispatcher.utter_message(response="utter_backend_message", message=exc.message)
    else:
        dispatcher.utter_message(response=name)


def yes_no(value: Any) -> Optional[bool]:
    """A yes/no slot from an intent (True/False) or a numbered button: 1 = yes, 2 = no."""
    if isinstance(value, bool):
        return value
    choice = parse_choice(str(value or ""))
    return {1: True, 2: False}.get(choice) if choice is not None else None


def valid_id_number(value: str) -> bool:
    """GB 11643 checksum (the backend checks it too; this saves a round trip)."""
    return id_checksum_ok(value)


def placeholder_in(value: Any, tracker: Tracker, kind: str) -> Optional[str]:
    """The chat edge's placeholder of `kind` (id_number | phone | code) in the slot's value
    or the latest message: the real value stays with the app, the API resolves it for this
    conversation (services/conversation/placeholders.py)."""
    return find_placeholder(str(value or ""), kind) or find_placeholder(common.latest_text(tracker), kind)


def say_code_needed(dispatcher: CollectingDispatcher, domain: DomainDict) -> None:
    """Why the SMS code cannot be skipped (the domain's words, or the same words before a retrain)."""
    if CODE_NEEDED in ((domain or {}).get("responses") or {}):
        dispatcher.utter_message(response=CODE_NEEDED)
    else:
        dispatcher.utter_message(text=CODE_NEEDED_TEXT)


def asked(tracker: Tracker, slot: str) -> bool:
    """The slot the form asked for this turn (or no form bookkeeping at all)."""
    requested = tracker.get_slot("requested_slot")
    return requested is None or requested == slot


def previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the patient's latest message (what this turn's
    extraction is about to overwrite): the NLU may tag "王" in "王秀英" as a
    date, and an answer given earlier must not be lost for that."""
    before_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            before_latest = True
        elif before_latest and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


class NameMismatch(Exception):
    """The ID number's record carries another name (and it is not a typo the phone's code
    can correct): the name is asked again instead of the ID number, which was right."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HospitalAction(Action, abc.ABC):
    """An action that calls the hospital; errors become polite messages."""

    @abc.abstractmethod
    def name(self) -> Text: ...

    @abc.abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]: ...

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except HospitalError as exc:
            utter_error(dispatcher, exc)
            return self.on_error(exc, tracker)


def bound_patients(tracker: Tracker) -> List[Patient]:
    channel, user_id = common.chat_account(tracker)
    return list(common.backend().account_patients(channel, user_id))


def code_sent_before(tracker: Tracker) -> bool:
    """The code question was asked since the form last started (so a code went out)."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "requested_slot" and event.get("value") == "bind_code":
            return True
        if event.get("event") == "active_loop" and event.get("name") is None:
            return False
    return False


class PatientFormValidation(ForgivingFormValidation, abc.ABC):
    """Choose or register the patient inside a form.

    Forms list ``patient_id, patient_name, id_number, phone`` in the domain;
    the registration slots are only required when the chat account has no
    bound patient or the patient chose "add a patient".
    """

    @abc.abstractmethod
    def name(self) -> Text: ...

    def needs_phone_anyway(self) -> bool:
        """Results need a phone for the one-time code even for a bound patient."""
        return False

    async def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        early = await self.code_out_of_step(dispatcher, tracker, domain)
        if early is not None:
            return early
        return list(await super()._run(dispatcher, tracker, domain))

    async def code_out_of_step(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[List[EventType]]:
        """The SMS code's step forgiven: "重新发一下" at the code question, which the NLU may read
        as going back, sends it again instead of undoing the read-back; a code typed at the
        read-back once a code was sent (the read-back came back in between) is taken as the code.
        None when neither happened."""
        requested = tracker.get_slot("requested_slot")
        text = common.latest_text(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        phone = str(tracker.get_slot("phone") or "")
        if not tracker.active_loop.get("name") or not phone:
            return None
        if requested == "bind_code" and intent == GO_BACK_INTENT and CODE_AGAIN.search(simplified(text)):
            return [SlotSet(k, v) for k, v in self.no_code(dispatcher, tracker, phone, domain).items()]
        typed = find_placeholder(text, "code") or (re.fullmatch(r"\D{0,6}(\d{6})\D{0,6}", text) and text)
        if requested != "registration_ok" or not typed or not code_sent_before(tracker):
            return None
        if not all(tracker.get_slot(s) for s in ("patient_name", "id_number")):
            return None
        result = dict(await self.validate_bind_code(text, dispatcher, tracker, domain))
        return [SlotSet("registration_ok", True), *(SlotSet(k, v) for k, v in result.items())]

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        if tracker.get_slot("bind_code") == BIND_FAILED:  # the phone has no free place: nothing to ask
            return []
        slots = list(domain_slots)
        patient_id = tracker.get_slot("patient_id")
        register = patient_id == NEW_PATIENT
        if patient_id is None:
            try:
                register = not bound_patients(tracker)
            except HospitalError:
                register = False  # the ask action will apologise
            if register:
                slots.remove("patient_id")
        if not register:
            keep_phone = self.needs_phone_anyway()
            slots = [s for s in slots if s not in REGISTRATION_SLOTS or (s == "phone" and keep_phone)]
        return self.more_required(slots, tracker)

    def more_required(self, slots: List[Text], tracker: Tracker) -> List[Text]:
        """Hook for journey-specific slots (e.g. stop early when not eligible)."""
        return slots

    # --- the patient ------------------------------------------------------------
    async def validate_patient_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_choices") or []
        value = str(value or "").strip()
        if value in offered:
            return {"patient_id": value}
        choice = parse_choice(value)
        if choice is not None and 0 < choice <= len(offered):
            return {"patient_id": offered[choice - 1]}
        # set by an action (e.g. a reschedule keeps the patient): only the account's own;
        # or the patient's name typed instead of a number ("张建国", "查王小明的")
        try:
            patients = bound_patients(tracker)
        except HospitalError as exc:
            utter_error(dispatcher, exc)
            return {"patient_id": None}
        if value and value in {str(p.get("id")) for p in patients}:
            return {"patient_id": value}
        said = common.latest_text(tracker) or value
        if NEW_PATIENT in offered and re.search(r"添加|新增|新的就诊人|新就诊人|加一个", said):
            return {"patient_id": NEW_PATIENT}
        named = patient_named(said, patients)
        if named is not None and named in offered:
            return {"patient_id": named}
        typed = self.typed_identity(said, patients, offered, dispatcher)
        if typed is not None:
            return {"patient_id": typed or None}
        dispatcher.utter_message(response="utter_invalid_choice")
        return {"patient_id": None}

    async def extract_patient_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A phone or an ID number typed at "请选择就诊人" reaches ``validate_patient_id``
        (the NLU tags no entity in it, and the patient used to hear nothing useful)."""
        if tracker.get_slot("requested_slot") != "patient_id" or tracker.get_slot("patient_id") is not None:
            return {}
        said = common.latest_text(tracker)
        if said.startswith("/") or patient_typed.explain(said) is None:
            return {}  # no phone or ID number in it
        return {"patient_id": said}

    def typed_identity(
        self, said: str, patients: List[Patient], offered: List[str], dispatcher: CollectingDispatcher
    ) -> Optional[str]:
        """A phone or an ID number typed instead of a tap (set 6's H47): the one listed patient
        it fits; "" after saying what to tap when it fits none or several; None when the
        message holds neither. A phone that fits nobody is left to the forms that identify
        by phone (results, refill: the code sent there may bring that phone's patients)."""
        fits = [p for p in patient_typed.matching(said, patients) if p in offered]
        if len(fits) == 1:
            chosen = next(p for p in patients if str(p.get("id")) == fits[0])
            dispatcher.utter_message(response="utter_patient_is", name=masked_name(str(chosen.get("name", ""))))
            return fits[0]
        if fits:
            dispatcher.utter_message(text=patient_typed.SEVERAL)
            return ""
        if patient_typed.typed_id_shown(said) is None and getattr(self, "identify_purpose", None):
            return None
        explained = patient_typed.explain(said)
        if explained is None:
            return None
        dispatcher.utter_message(text=explained)
        return ""

    async def validate_patient_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # "孩子叫李沐阳，木子李", "我叫何丽娟何是何必的何": the name, not its spelling
        name = name_in(common.latest_text(tracker) or str(value or ""), bare=False) or NAME_NOISE.sub(
            "", str(value or "")
        )
        if 2 <= len(name) <= 20 and re.fullmatch(r"[\u4e00-\u9fff·A-Za-z]+", name) and not NOT_A_NAME.search(name):
            return {"patient_name": name, "registration_ok": None}  # read back again before writing
        dispatcher.utter_message(response="utter_invalid_name")
        return {"patient_name": None}

    async def validate_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        kept = placeholder_in(value, tracker, "id_number")  # the chat edge kept the number back
        if kept:
            return {"id_number": kept, "registration_ok": None}
        match = ID_RE.search(str(value or "")) or ID_RE.search(common.latest_text(tracker))
        if match and valid_id_number(match.group(0)):
            return {"id_number": match.group(0).upper(), "registration_ok": None}
        if not asked(tracker, "id_number"):  # the NLU merely saw an ID-like number elsewhere
            return {"id_number": previous_value(tracker, "id_number")}
        dispatcher.utter_message(response="utter_invalid_id_number")
        return {"id_number": None}

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        kept = placeholder_in(value, tracker, "phone")
        match = MOBILE_IN_TEXT.search(str(value or "")) or MOBILE_IN_TEXT.search(common.latest_text(tracker))
        if not (kept or match):
            # a mistyped ID number can look like a phone to the NLU: complain
            # only about the phone that was asked for
            if not asked(tracker, "phone"):
                return {"phone": previous_value(tracker, "phone")}
            dispatcher.utter_message(response="utter_invalid_phone")
            return {"phone": None}
        phone = kept or (match.group(0) if match else "")
        patient_id = tracker.get_slot("patient_id")
        if patient_id in (None, NEW_PATIENT) and tracker.get_slot("patient_name") and tracker.get_slot("id_number"):
            # nothing is written yet: the name, ID number and phone are read back first
            return {"phone": phone, "registration_ok": None, "bind_code": None}
        return {"phone": phone, **self.after_phone(phone, patient_id, dispatcher, tracker)}

    async def validate_registration_ok(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The read-back answered: "对" writes the record (after the phone's code), a
        correction ("不对，名字打错了，是李敏", "身份证号错了") changes that answer and reads
        back again, a bare "不对" starts the three answers over."""
        text = common.latest_text(tracker)
        fixed = corrected_name(text)
        if fixed:
            dispatcher.utter_message(response="utter_name_corrected", patient_name=fixed)
            return {"patient_name": fixed, "registration_ok": None}
        answer = yes_no(value)
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {"registration_ok": None}
        if answer is False:
            wrong = named_slot(text, ["patient_name", "id_number", "phone"])
            if wrong:
                dispatcher.utter_message(response="utter_go_back")
                return {wrong: None, "registration_ok": None}
            dispatcher.utter_message(response="utter_registration_redo")
            return {"patient_name": None, "id_number": None, "phone": None, "registration_ok": None}
        phone = str(tracker.get_slot("phone") or "")
        try:
            registered = self.register(dispatcher, tracker, phone, name_errors=True)
        except CodeSent as exc:  # the form asks for the code next
            dispatcher.utter_message(response="utter_backend_message", message=exc.message)
            return {"registration_ok": True, "bind_code": None}
        except NameMismatch as exc:  # the record of this ID number has another name: ask the name again
            dispatcher.utter_message(response="utter_backend_message", message=exc.message)
            return {"registration_ok": None, "patient_name": None}
        if registered is None:
            return {"registration_ok": None, "phone": None, "id_number": None}
        return {
            "registration_ok": True,
            "patient_id": registered,
            **self.after_phone(phone, registered, dispatcher, tracker),
        }

    async def validate_bind_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The SMS code that proves the phone: a new patient's, or the one on file."""
        match = CODE_RE.search(str(value or "")) or CODE_RE.search(common.latest_text(tracker))
        code = placeholder_in(value, tracker, "code") or (match.group(0) if match else None)
        phone = str(tracker.get_slot("phone") or "")
        if not code:
            return self.no_code(dispatcher, tracker, phone, domain)
        try:
            registered = self.register(dispatcher, tracker, phone, code=code, quiet=True)
        except CodeSent as exc:  # cannot happen with a code; say it anyway
            dispatcher.utter_message(response="utter_backend_message", message=exc.message)
            return {"bind_code": None}
        except HospitalError as exc:
            utter_error(dispatcher, exc)  # phone_limit: the API's message says what frees a place
            if exc.code == PHONE_LIMIT:  # no new code, ID number or phone helps: end the form
                return {"bind_code": BIND_FAILED}
            if isinstance(exc, InvalidInput):  # a wrong code: the same code may be typed again
                return {"bind_code": None}
            return {"bind_code": None, "phone": None}  # expired or locked: ask the phone, send anew
        if registered is None:
            return {"bind_code": None, "phone": None, "id_number": None}
        return {
            "bind_code": "verified",
            "patient_id": registered,
            **self.after_phone(phone, registered, dispatcher, tracker),
        }

    def no_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, phone: str, domain: DomainDict
    ) -> Dict[Text, Any]:
        """No code typed at the code question: "没收到 再发一遍" sends it again, "验证码就不要了吧
        直接给俺挂上" hears kindly why it cannot be skipped; anything else is a wrong code."""
        text = simplified(common.latest_text(tracker))
        if CODE_AGAIN.search(text):
            try:
                registered = self.register(dispatcher, tracker, phone, quiet=True)
            except CodeSent as exc:
                dispatcher.utter_message(response="utter_backend_message", message=exc.message)
                return {"bind_code": None}
            except HospitalError as exc:
                utter_error(dispatcher, exc)
                return {"bind_code": None}
            if registered is None:
                return {"bind_code": None}
            return {
                "bind_code": "verified",
                "patient_id": registered,
                **self.after_phone(phone, registered, dispatcher, tracker),
            }
        if CODE_SKIP.search(text):
            say_code_needed(dispatcher, domain)
            return {"bind_code": None}
        dispatcher.utter_message(response="utter_invalid_otp")
        return {"bind_code": None}

    def register(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        phone: str,
        code: Optional[str] = None,
        quiet: bool = False,
        name_errors: bool = False,
    ) -> Optional[str]:
        """The patient's id, or None after saying why not. Raises CodeSent when a code
        went out and (with ``quiet``) any error of the code itself, or a full phone's."""
        channel, user_id = common.chat_account(tracker)
        try:
            patient = common.backend().register_patient(
                name=tracker.get_slot("patient_name"),
                id_number=tracker.get_slot("id_number"),
                phone=phone,
                channel=channel,
                channel_user_id=user_id,
                code=code,
                conversation_id=tracker.sender_id,
            )
        except CodeSent:
            raise
        except RateLimited as exc:
            if code is None and "验证码" in (exc.message or ""):
                # a code went out a moment ago ("没收到 重新发一下", or the read-back confirmed again):
                # it is still good, so the code is asked for, with the details kept
                raise CodeSent(message=f"{CODE_STILL_GOOD}（{exc.message}）") from exc
            utter_error(dispatcher, exc)
            return None
        except HospitalError as exc:
            if quiet and (exc.code.startswith("otp_") or exc.code == PHONE_LIMIT):
                raise
            if name_errors and isinstance(exc, InvalidInput) and "姓名" in (exc.message or ""):
                raise NameMismatch(exc.message) from exc
            utter_error(dispatcher, exc)
            return None
        dispatcher.utter_message(response="utter_patient_registered", name=patient.get("name", ""))
        return str(patient["id"])

    def after_phone(
        self, phone: str, patient_id: Optional[str], dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Dict[Text, Any]:
        return {}


class AskPatientAction(HospitalAction, abc.ABC):
    """Ask "which patient?" with the bound patients as numbered buttons, names masked
    (a phone's code may have found a family's records)."""

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        patients = bound_patients(tracker)
        buttons = [
            common.button(
                i,
                f"{masked_name(str(p.get('name', '')))} {p.get('phone', '')}".strip(),
                common.inform_payload("patient_id", str(p["id"])),
            )
            for i, p in enumerate(patients, start=1)
        ]
        buttons.append(
            common.button(len(buttons) + 1, "添加新的就诊人", common.inform_payload("patient_id", NEW_PATIENT))
        )
        dispatcher.utter_message(response="utter_ask_patient_id", buttons=buttons)
        return [SlotSet("offered_choices", [*common.ids_from(patients), NEW_PATIENT])]
