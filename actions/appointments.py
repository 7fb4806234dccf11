"""My appointments: list, cancel (refund if paid), reschedule.

Appointments are gathered over every patient bound to the chat account, so a
patient only ever sees and touches their own (and their family's) bookings.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common, identify
from actions.appointment_words import (
    agrees,
    asks_to_move,
    cancels_the_one,
    decides_to_cancel,
    department_meant,
    gives_up_the_move,
    points_at_the_one,
)
from actions.base import HospitalAction, bound_patients, yes_no
from actions.cancel_after_answer import answered_in_between
from actions.dates import SHANGHAI, resolve, today_in_shanghai
from actions.faq import DOUBLE_CHARGE, refund_response, topic_by_words
from actions.journey_words import CANCEL_FORM, gives_a_place_back
from actions.numbers import parse_choice
from actions.patient_names import masked_name
from actions.places_asked import places_asked_while_booking
from actions.privacy_question import BOOKING_FORM, privacy_asked_while_booking
from actions.relative_looks import ANSWER as RELATIVE_ANSWER
from actions.relative_looks import RESULTS_FORM, relative_asks_at_results
from integrations.hospital import HospitalError
from integrations.hospital.base import Appointment
from services.hospital_facts import FactsError, load_facts

log = logging.getLogger(__name__)
IDENTIFY_FORM = "appointments_form"
THAT_ONE = re.compile(
    r"(?:是|係|系|对|對|好|嗯|就是|就是这个|就这个|这个|是这个|是的|对的|對的|没错|冇错)[的啊呀了吧喇啦。.!！]*"
)
ACTIVE_STATUSES = ("held", "confirmed", "paid", "booked")
STATUS_TEXT = {"held": "待支付", "confirmed": "已预约", "paid": "已预约", "booked": "已预约"}
PAY_TITLE = "去支付"
REBOOK_TITLE = "重新预约这位医生"


class ListedAppointment(Appointment, total=False):
    """An appointment as the list shows it: with the name of the patient it is for."""

    patient_name: str


def future_appointments(tracker: Tracker, statuses: Tuple[str, ...] = ACTIVE_STATUSES) -> List[ListedAppointment]:
    """Future appointments in `statuses` of the account's patients, soonest first."""
    now = datetime.now(timezone.utc)
    found: List[ListedAppointment] = []
    for patient in bound_patients(tracker):
        for appt in common.backend().appointments(str(patient["id"])):
            start = common.parse_iso(str(appt.get("start", "")))
            if appt.get("status") in statuses and (start is None or start > now):
                listed: ListedAppointment = {**appt, "patient_name": patient.get("name", "")}
                found.append(listed)
    found.sort(key=lambda a: str(a.get("start", "")))
    return found


def upcoming_appointments(tracker: Tracker) -> List[ListedAppointment]:
    """Active, future appointments of the account's patients, soonest first."""
    return [a for a in future_appointments(tracker) if a.get("status") in ACTIVE_STATUSES]


def _doctor_key(appt: Appointment) -> Tuple[str, str]:
    doctor = appt.get("doctor") or {}
    return str(appt.get("patient_id", "")), str(doctor.get("id") or doctor.get("name") or "")


def released_holds(everything: List[ListedAppointment]) -> List[ListedAppointment]:
    """Holds that lapsed unpaid, so the list reports them instead of letting them vanish;
    not when the patient has since booked the same doctor again."""
    rebooked = {_doctor_key(a) for a in everything if a.get("status") in ACTIVE_STATUSES}
    return [a for a in everything if a.get("status") == "expired" and _doctor_key(a) not in rebooked]


def rebook_buttons(appt: ListedAppointment) -> List[Dict[str, str]]:
    """One tap books the same doctor for the same patient and day: the booking form then
    shows that doctor's places left."""
    if not appt.get("place_left"):
        return []
    start = common.parse_iso(str(appt.get("start", "")))
    entities = {
        "department": str(appt.get("department", "")),
        "doctor": str((appt.get("doctor") or {}).get("name", "")),
        "patient_id": str(appt.get("patient_id", "")),
    }
    if start is not None:
        entities["date"] = start.astimezone(SHANGHAI).date().isoformat()
    payload = "/book_appointment" + json.dumps(entities, ensure_ascii=False)
    return [common.button(1, REBOOK_TITLE, payload), common.button(2, "不用了", "/deny")]


def pay_button(appt: Appointment) -> List[Dict[str, str]]:
    """A held visit can be paid from the list: a link button to its pay page."""
    link = common.pay_link(appt.get("payment") or {})
    return [{"title": PAY_TITLE, "url": link}] if appt.get("status") == "held" and link else []


def describe(appt: Appointment) -> Dict[str, str]:
    status = STATUS_TEXT.get(str(appt.get("status")), str(appt.get("status", "")))
    expires = common.parse_iso(str(appt.get("hold_expires_at") or ""))
    if appt.get("status") == "held" and expires is not None:
        left = max(1, int((expires - datetime.now(timezone.utc)).total_seconds() // 60))
        status = f"{status}，请在{left}分钟内支付"
    return {
        "patient_name": masked_name(str(appt.get("patient_name", ""))),  # names are shown masked (张*国)
        "department_name": str(appt.get("department_name") or common.department_name(appt.get("department"))),
        "doctor": common.doctor_label(appt.get("doctor")),
        "start_text": common.start_text(str(appt.get("start", ""))),
        "status_text": status,
    }


class ValidateAppointmentsForm(identify.PhoneIdentification, FormValidationAction):
    """The appointment list for a chat that holds nobody yet: the phone on file, its code."""

    def name(self) -> Text:
        return "validate_appointments_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        return identify.appointments_identification(domain_slots, tracker) or []


def _gives_it_back(tracker: Tracker) -> bool:
    """The patient's own words at the start of the list say to give the place back (set 5's
    G34: "我 那个 约的号 不去 了" was read as query_appointment, the list asked "需要取消或改时间吗？"
    and the ID number, phone and code typed next were no answer there)."""
    if tracker.latest_action_name not in (None, "action_listen"):
        return False  # handed over by another action (the identification, a cancel with nothing to cancel)
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return intent == "query_appointment" and gives_a_place_back(common.latest_text(tracker))


def _privacy_answer() -> str:
    """The facts file's words on who sees a patient's records ("" when unreadable: the list goes on)."""
    try:
        return load_facts().privacy_answer
    except (OSError, FactsError):
        return ""


class ActionQueryAppointments(HospitalAction):
    def name(self) -> Text:
        return "action_query_appointments"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if _gives_it_back(tracker):  # "我 那个 约的号 不去 了" read as a look at the list: cancel it
            return [FollowupAction(CANCEL_FORM)]
        if privacy_asked_while_booking(tracker):  # "这个挂号记录会被单位知道吗" at the day question
            answer = _privacy_answer()
            if answer:
                dispatcher.utter_message(text=answer)
                return [FollowupAction(BOOKING_FORM)]
        if places_asked_while_booking(tracker):  # "明儿个有没" at the day question: the booking reads it
            return [FollowupAction(BOOKING_FORM)]
        if relative_asks_at_results(tracker):  # "我是他儿子 不能查吗" at the results' phone question
            dispatcher.utter_message(text=RELATIVE_ANSWER)
            return [FollowupAction(RESULTS_FORM)]
        if tracker.latest_action_name != IDENTIFY_FORM and identify.needs_identifying(tracker):
            return [FollowupAction(IDENTIFY_FORM)]  # who is asking? the phone on file first
        everything = future_appointments(tracker, (*ACTIVE_STATUSES, "expired"))
        appointments = [a for a in everything if a.get("status") in ACTIVE_STATUSES]
        offered_rebook = False
        for lapsed in released_holds(everything):
            # The one-tap rebook only when nothing else is listed: its numbered buttons are
            # then the last ones, so a typed "1" on a text channel means the same as a tap.
            buttons = rebook_buttons(lapsed) if not appointments else []
            offered_rebook = offered_rebook or bool(buttons)
            dispatcher.utter_message(
                response="utter_appointment_released"
                if lapsed.get("place_left")
                else "utter_appointment_released_full",
                buttons=buttons,
                **describe(lapsed),
            )
        if not appointments:
            if not offered_rebook:
                dispatcher.utter_message(response="utter_no_appointments")
            return []
        for index, appt in enumerate(appointments, start=1):
            dispatcher.utter_message(
                response="utter_appointment_item", index=str(index), buttons=pay_button(appt), **describe(appt)
            )
        dispatcher.utter_message(response="utter_appointments_actions")
        return [SlotSet("offered_choices", common.ids_from(list(appointments)))]


class ActionAskAppointmentId(HospitalAction):
    def name(self) -> Text:
        return "action_ask_appointment_id"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        appointments = upcoming_appointments(tracker)
        buttons = [
            common.button(
                i,
                "{patient_name} {department_name} {start_text}".format(**describe(a)),
                common.inform_payload("appointment_id", str(a["id"])),
            )
            for i, a in enumerate(appointments, start=1)
        ]
        dispatcher.utter_message(response="utter_ask_appointment_id", buttons=buttons)
        return [SlotSet("offered_choices", common.ids_from(list(appointments)))]


# With nothing to cancel or reschedule the form ends at once and its submit
# action hands over to the appointment list, which says "没有查到您的预约。需要
# 现在挂号吗？" (or apologises if the backend is down); the rules after that list
# then take "好的" as a booking and "不用了" as no. (Not said in required_slots:
# rasa-sdk asks it several times a turn, so the message went out two or three times.)
NOTHING_TO_CHOOSE = "action_query_appointments"


class _AppointmentChoice:
    """``appointment_id`` from a button, a number, or nothing to choose from."""

    confirms_with_choice = False  # the cancel form: "确认取消" at the choice confirms as well
    # Another number than the one listed: the form goes on with that one, saying so (the cancel
    # form then asks "确定要取消这个预约吗？" with its buttons, so a "确定" next cancels it).
    only_one_text = "您只有这一个预约{appointment}。就帮您改这个的时间。"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        first = identify.appointments_identification(domain_slots, tracker)
        if first is not None:  # nobody known on this chat yet: the phone on file first
            return first
        domain_slots = [s for s in domain_slots if s not in identify.IDENTIFY_SLOTS]
        if tracker.get_slot("appointment_id") is None:
            try:
                if not upcoming_appointments(tracker):
                    return []
            except HospitalError:
                return []  # the submit action asks again and apologises
        return domain_slots

    async def extract_appointment_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "是" / "係" / "对" / "那就退了吧" at "是哪一个预约？" when only one was offered:
        that one (blind conversations C36, C37 and set 4's cancellations were lost there)."""
        offered = tracker.get_slot("offered_choices") or []
        if tracker.get_slot("requested_slot") != "appointment_id" or tracker.get_slot("appointment_id"):
            return {}
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        said = common.latest_text(tracker)
        if not self.confirms_with_choice and gives_up_the_move(said):  # set 12's S40: the cancellation next
            return {}
        if self.confirms_with_choice and asks_to_move(said):  # set 13's W41: "能不能改到下周", the move next
            return {}
        if len(offered) > 1:  # "不对 不是心内科那个 是眼科那个": the one of that department
            chosen = _named_one(tracker, offered, said)
            return {"appointment_id": chosen} if chosen else {}
        if len(offered) != 1:
            return {}
        if self.confirms_with_choice and answered_in_between(tracker):
            # "钱多久能退回来" answered at the choice: that one named, then "确定要取消…吗？" (set 14's X11);
            # a question answered is no yes, whatever its words ("退了钱啥时候到")
            label = _label_of(tracker, offered[0])
            dispatcher.utter_message(text=self.only_one_text.format(appointment=f"：{label}" if label else ""))
            return {"appointment_id": offered[0]}
        if self.confirms_with_choice and decides_to_cancel(said):  # "確定取消，謝謝": both questions answered
            return {"appointment_id": offered[0], "confirm_cancel": True}
        named = _named_one(tracker, offered, said)  # "就是后天的皮肤科 我其实应该看过敏的" (set 8's J13)
        yes = agrees(said)
        if not (intent == "affirm" or THAT_ONE.fullmatch(said) or points_at_the_one(said) or yes or named):
            return {}
        if cancels_the_one(said):  # "确认取消": the confirmation is given too; when moving it, a change of mind
            return {"appointment_id": offered[0], "confirm_cancel": True} if self.confirms_with_choice else {}
        if self.confirms_with_choice and yes and not named:
            # "确定", "是的", "係" after asking to cancel: yes to cancelling the only one (set 12's S25, S40)
            return {"appointment_id": offered[0], "confirm_cancel": True}
        return {"appointment_id": offered[0]}

    async def validate_appointment_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        offered = tracker.get_slot("offered_choices") or []
        value = str(value or "").strip()
        if value in offered or (not offered and _is_upcoming(tracker, value)):
            return {"appointment_id": value}  # offered, or carried over by action_reset_journey
        choice = parse_choice(value)
        if choice is not None and 0 < choice <= len(offered):
            return {"appointment_id": offered[choice - 1]}
        if choice is not None and len(offered) == 1:  # "2" with one listed (set 12's S25): that one, named
            label = _label_of(tracker, offered[0])
            dispatcher.utter_message(text=self.only_one_text.format(appointment=f"：{label}" if label else ""))
            return {"appointment_id": offered[0]}
        dispatcher.utter_message(response="utter_invalid_choice")
        return {"appointment_id": None}


def charged_twice(tracker: Tracker) -> bool:
    """The patient's latest words say money was taken twice ("付了两次挂号费，多的那笔咋退"):
    the extra back is asked for, not the visit given up, whatever the NLU read (set 5's G53;
    the cancel journey asked for the phone and cancelled nothing the patient wanted gone)."""
    return topic_by_words(common.latest_text(tracker)) == DOUBLE_CHARGE


def _named_one(tracker: Tracker, offered: List[str], said: str) -> Optional[str]:
    """The offered appointment of the department or day the words name, when exactly one
    is; both said must both fit ("后天的皮肤科" is no Tuesday appointment). A day alone is
    "是下周三那个" (set 8's J33, the edge's reading of "不对 不是后天 是下周三那个")."""
    department = department_meant(said, common.normalise_department)
    day = resolve(said, today_in_shanghai())
    if not department and day is None:
        return None
    try:
        listed = upcoming_appointments(tracker)
    except HospitalError:
        return None
    found = [
        str(a["id"])
        for a in listed
        if str(a.get("id")) in offered
        and (department is None or a.get("department") == department)
        and (day is None or _local_day(a) == day.iso())
    ]
    return found[0] if len(found) == 1 else None


def _is_upcoming(tracker: Tracker, appointment_id: str) -> bool:
    """The id is one of the account's own upcoming appointments (a form started with it set)."""
    try:
        return any(str(a.get("id")) == appointment_id for a in upcoming_appointments(tracker))
    except HospitalError:
        return False


def _label_of(tracker: Tracker, appointment_id: str) -> str:
    """The appointment as its button showed it ("张* 心血管内科 12月9日(周三) 下午16:30"); "" when the
    hospital cannot say (the words then name no appointment)."""
    try:
        listed = upcoming_appointments(tracker)
    except HospitalError:
        return ""
    found = next((a for a in listed if str(a.get("id")) == appointment_id), None)
    return "{patient_name} {department_name} {start_text}".format(**describe(found)) if found else ""


def _local_day(appt: Appointment) -> str:
    start = common.parse_iso(str(appt.get("start", "")))
    return start.astimezone(SHANGHAI).date().isoformat() if start else ""


class ValidateCancelForm(identify.PhoneIdentification, _AppointmentChoice, FormValidationAction):
    confirms_with_choice = True
    only_one_text = "您只有这一个预约{appointment}。"

    def name(self) -> Text:
        return "validate_cancel_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if charged_twice(tracker):  # nothing to ask: the submit action answers the double charge
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def extract_confirm_cancel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """ "对 眼科的取消" at "确定要取消这个预约吗？" is a yes, though the NLU read it as a new
        cancellation (set 6's H37 was sent back to "是哪一个预约？" and nothing was cancelled);
        so is a yes in other words ("中", "系嘅"), whatever the NLU made of it."""
        if tracker.get_slot("requested_slot") != "confirm_cancel" or tracker.get_slot("confirm_cancel") is not None:
            return {}
        said = common.latest_text(tracker)
        return {"confirm_cancel": True} if decides_to_cancel(said) or agrees(said) else {}

    async def validate_confirm_cancel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        answer = yes_no(value)
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {"confirm_cancel": answer}


class ValidateRescheduleForm(identify.PhoneIdentification, _AppointmentChoice, FormValidationAction):
    def name(self) -> Text:
        return "validate_reschedule_form"


class ActionCancelAppointment(HospitalAction):
    def name(self) -> Text:
        return "action_cancel_appointment"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        appointment_id = tracker.get_slot("appointment_id")
        done: List[EventType] = [SlotSet("appointment_id", None), SlotSet("confirm_cancel", None)]
        if charged_twice(tracker) and _answer_double_charge(dispatcher, tracker, domain):
            return done
        if not appointment_id:  # the form found nothing to choose from
            return [*done, FollowupAction(NOTHING_TO_CHOOSE)]
        if tracker.get_slot("confirm_cancel") is not True:
            dispatcher.utter_message(response="utter_cancel_kept")
            return done
        money = common.refund_fields(common.backend().cancel(appointment_id))
        if money is None:
            dispatcher.utter_message(response="utter_cancelled")
        else:
            dispatcher.utter_message(response="utter_cancelled_refund", **money)
        return done

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("appointment_id", None), SlotSet("confirm_cancel", None)]


def _answer_double_charge(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> bool:
    """The double-charge answer (the extra goes back the way it was paid); False when the
    facts cannot be read, and the cancellation goes on as before."""
    response = refund_response(common.latest_text(tracker), domain)
    if response is None:
        return False
    try:
        dispatcher.utter_message(response=response, **load_facts().template_values())
    except (OSError, FactsError) as exc:
        log.error("hospital facts unreadable: %s", exc)
        return False
    return True


class ActionPrepareReschedule(HospitalAction):
    """Remember the old appointment, keep its patient and department, ask a new day."""

    def name(self) -> Text:
        return "action_prepare_reschedule"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        appointment_id = tracker.get_slot("appointment_id")
        if not appointment_id:  # nothing to reschedule: no new booking unless asked for
            return [FollowupAction(NOTHING_TO_CHOOSE)]
        old = next((a for a in upcoming_appointments(tracker) if str(a.get("id")) == appointment_id), None)
        if old is None:
            dispatcher.utter_message(response="utter_no_appointments")
            return [SlotSet("appointment_id", None), FollowupAction("action_listen")]
        dispatcher.utter_message(response="utter_reschedule_start")
        return [
            SlotSet("reschedule_from", appointment_id),
            SlotSet("appointment_id", None),
            SlotSet("patient_id", old.get("patient_id")),
            SlotSet("department", old.get("department")),
            SlotSet("date", None),
            SlotSet("slot_id", None),
        ]

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return [SlotSet("appointment_id", None), FollowupAction("action_listen")]
