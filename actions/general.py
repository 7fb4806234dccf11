"""Hand-off to a person, payment help, and starting a journey afresh."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import booking_wishes, common
from actions.appointment_words import decides_to_cancel
from actions.appointments import upcoming_appointments
from actions.base import HospitalAction, bound_patients
from actions.booking_answers import changes_this_booking, details_in
from actions.cancelled_before import BOOK, REFUND, after_a_cancellation, refund_again
from actions.dates import resolve, today_in_shanghai
from actions.faq import REFUND_TOPIC, last_bot_text, refund_response
from actions.journey_words import CANCEL_FORM, asks_to_renew, gives_a_place_back, other_errand
from actions.numbers import parse_choice
from actions.triage import TRIAGE_SLOTS, continues_a_triage, said
from actions.visit_money import hold_minutes
from integrations.hospital import HospitalError
from services.conversation.records_errands import asks_after_appointment, asks_for_results, mentions_complaint
from services.hospital_facts import FactsError, load_facts

log = logging.getLogger(__name__)
APPOINTMENT_LIST = "action_query_appointments"  # proves the phone first on a fresh chat
OFFER_BOOKING = "utter_triage_offer_booking"  # triage's "要我帮您预约…吗？"
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
    "registration_ok",
    "bind_code",  # "failed" (a full phone) ends the registration until the next journey
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
    "booking_wish",
    "booking_ok",
    "sold_out",
    "triage_level",
)


def _kept(tracker: Tracker, slot: str) -> bool:
    """An emergency stays for the whole conversation: no later turn talks it down. More
    details right after a triage answer ("精神还行，能玩") keep the complaint, how long and
    the age, so the interview is not asked again and the advice is given anew on all of it."""
    if slot == "triage_level":
        return tracker.get_slot(slot) == "emergency"
    return slot in (*TRIAGE_SLOTS, "sex") and continues_a_triage(tracker)


class ActionResetJourney(Action):
    def name(self) -> Text:
        return "action_reset_journey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        if _still_cancelling(tracker):  # "我先想想要不要改到下个礼拜": the cancellation's question stays open
            return [FollowupAction(CANCEL_FORM)]
        past = _after_a_cancellation(dispatcher, tracker, domain)
        if past is not None:  # "我取消了预约 钱怎么还没到", "上次取消了 现在想重新挂个皮肤科" (set 17)
            return past
        switched = _errand_switched(tracker)
        if switched:  # "算了不改了 直接取消吧" while moving it: said, before the same phone question again
            dispatcher.utter_message(text=switched)
        booking = changes_this_booking(tracker)  # "返回 明天不中 换成后天" at the list: this booking's new day
        if booking:
            dispatcher.utter_message(response="utter_go_back")
            return booking
        if _new_half_at_the_list(tracker):  # "不对 要上午的 下午他要去配药": this booking's list, narrowed
            return [FollowupAction("booking_form")]
        fresh = {e.get("entity") for e in (tracker.latest_message or {}).get("entities", [])}
        fresh |= _identification_kept(tracker)  # the code sent stays valid: no phone asked again
        reset: List[Dict[Text, Any]] = [
            SlotSet(slot, None)
            for slot in JOURNEY_SLOTS
            if slot not in fresh and tracker.get_slot(slot) is not None and not _kept(tracker, slot)
        ]
        return [*reset, *_the_same_appointment(tracker), *_instead_of_triage(tracker)]


def _after_a_cancellation(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> Optional[List[Dict[Text, Any]]]:
    """A cancellation told as past and read as a new one (actions/cancelled_before.py): the
    refund answered, or the booking started with the clinic said; None for any other start."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    text = common.latest_text(tracker)
    after = after_a_cancellation(text) if intent == "cancel_appointment" else None
    if after == BOOK:
        department = common.normalise_department(next(tracker.get_latest_entity_values("department"), None))
        chosen = [SlotSet("department", department)] if department else []
        return [*reset_events(tracker, ("department",) if department else ()), *chosen, FollowupAction("booking_form")]
    if after != REFUND:
        return None
    again = refund_again(text, last_bot_text(list(tracker.events)))
    if again:  # "前天取消的 微信付的" right after the refund answer
        dispatcher.utter_message(text=again)
        return [*reset_events(tracker), FollowupAction("action_listen")]
    try:
        values = load_facts().template_values()
    except (OSError, FactsError) as exc:  # unreadable facts: the cancellation asks its questions as before
        log.error("hospital facts unreadable: %s", exc)
        return None
    dispatcher.utter_message(response=refund_response(text, domain) or REFUND_TOPIC, **values)
    return [*reset_events(tracker), FollowupAction("action_listen")]


# Moving an appointment and giving it back ask the same first question ("先帮您找到预约。请输入
# 挂号时登记的手机号："): a patient who changed from one to the other heard it again with no sign
# the change was taken (conversation set 12's S40, tuning material), so the change is said first.
SWITCH_TEXTS = {
    ("moving", "cancel_appointment"): "好的，改成取消预约。",
    (CANCEL_FORM, "reschedule_appointment"): "好的，改成改约时间。",
}


def _errand_switched(tracker: Tracker) -> Optional[str]:
    """The words that take a change between moving and cancelling an appointment; None for
    any other start of a journey. Moving is the reschedule form, or the booking form it hands
    over to (the old appointment then in ``reschedule_from``)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    loop = (tracker.active_loop or {}).get("name")
    if loop == "reschedule_form" or (loop == "booking_form" and tracker.get_slot("reschedule_from")):
        loop = "moving"
    return SWITCH_TEXTS.get((str(loop), str(intent)))


APPOINTMENT_ERRANDS = ("cancel_appointment", "reschedule_appointment")
APPOINTMENT_FORMS = (CANCEL_FORM, "reschedule_form")
# What proving the phone has gathered so far: the phone the code went to, the tries used.
IDENTIFICATION_SLOTS = {"phone", "otp_token", "otp_attempts"}


def _identification_kept(tracker: Tracker) -> set[str]:
    """A change between cancelling and moving said at the SMS-code question (conversation set
    13's W41: "能不能改到下周", then "算了 还是直接取消吧") keeps the phone the code was sent to, so
    the next form asks that code again instead of the phone (a second send within the minute
    was refused, and the patient was asked for a code they already had)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    loop = (tracker.active_loop or {}).get("name")
    if intent not in APPOINTMENT_ERRANDS or loop not in APPOINTMENT_FORMS:
        return set()
    if tracker.get_slot("requested_slot") != "otp_code" or not tracker.get_slot("phone"):
        return set()
    return set(IDENTIFICATION_SLOTS)


KEPT_TEXT = "好的，预约保留不变。"  # utter_cancel_kept
# "对 确定取消", "还是取消吧", "就取消吧": the cancellation decided, not only asked for again.
_DECIDED = re.compile(r"确定|确认|对|是的|还是|就|算了|吧")


def _the_same_appointment(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The appointment the next form is about, when the words name none.

    Cancelling at the new day or place of a move ("算了 还是直接取消吧"): the one being moved.
    Moving asked at the cancellation's "是哪一个预约？" with one listed (set 13's W41 as a
    returning patient: "能不能改到下周"): that one is moved. A cancellation asked right after
    "好的，预约保留不变。" (set 13's W04: "对 确定取消" after tapping 不取消了): the same appointment,
    cancelled at once when the words decide it, else with the confirmation asked once more."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    loop = (tracker.active_loop or {}).get("name")
    offered = tracker.get_slot("offered_choices") or []
    if intent == "reschedule_appointment" and loop == CANCEL_FORM and len(offered) == 1:
        if tracker.get_slot("requested_slot") == "appointment_id":
            return [SlotSet("appointment_id", str(offered[0]))]
        return []
    moved = tracker.get_slot("reschedule_from") if loop == "booking_form" else None
    if intent != "cancel_appointment" or not (moved or (not loop and _last_said_kept(tracker))):
        return []
    kept = str(moved) if moved else _last_appointment(tracker)  # the one being moved, or just kept
    if kept is None:
        return []
    typed = str(((tracker.latest_message or {}).get("metadata") or {}).get("typed") or common.latest_text(tracker))
    events = [SlotSet("appointment_id", kept)]
    if _DECIDED.search(typed) and decides_to_cancel(typed):  # never "不取消了", "取消能退钱吗"
        events.append(SlotSet("confirm_cancel", True))
    return events


def _last_said_kept(tracker: Tracker) -> bool:
    """The bot's last words before this message were "好的，预约保留不变。"."""
    user_seen = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if user_seen:
                return False
            user_seen = True
        elif kind == "bot":
            said_kept = (event.get("metadata") or {}).get("utter_action") == "utter_cancel_kept"
            return said_kept or event.get("text") == KEPT_TEXT
    return False


def _last_appointment(tracker: Tracker) -> Optional[str]:
    """The last appointment a form chose in this conversation (the one just kept)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "slot" and event.get("name") == "appointment_id" and event.get("value"):
            return str(event["value"])
    return None


# Not yet a decision: "要不要改", "先想想", "考虑一下", "还没想好".
# Readings that a change of the half of the day at the booking's list may get from its reason
# ("下午要去医院配药" read as a refill).
_REASON_READINGS = ("request_refill", "query_appointment")


def _new_half_at_the_list(tracker: Tracker) -> bool:
    """A half of the day asked for at the booking's day or list question, read as another errand
    for the reason given with it (set 11's M25 left its booking for a refill): the booking goes on
    and its form narrows the list to the new half. A plain request to renew a drug still renews."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent not in _REASON_READINGS or tracker.active_loop.get("name") != "booking_form":
        return False
    if tracker.get_slot("requested_slot") not in ("date", "slot_id"):
        return False
    text = common.latest_text(tracker)
    return booking_wishes.period_wished(text) is not None and not asks_to_renew(text)


# "等会儿 先别退 我问问我闺女": not yet either, whatever the NLU read (set 11's M11 was asked how
# long it had hurt, and its "她说退了吧 退" was taken as the answer).
_UNDECIDED = re.compile(
    r"要不要|想想|想一想|考虑|还没想好|没想好|不确定|犹豫|再看看|等一下|等等|等会|等一会|先别|问问|问一下|商量"
)


def _still_cancelling(tracker: Tracker) -> bool:
    """A patient choosing which appointment to cancel who only wonders aloud about moving it
    instead ("嗯等一下我先想想要不要改到下个礼拜", set 5's G37) has not asked to move it: the
    NLU's reschedule reading started the reschedule form, and the "算了还是直接取消吧" that came
    next was then no answer there. A decided "帮我改到下周五" still moves it."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    loop = (tracker.active_loop or {}).get("name")
    waiting = intent == "reschedule_appointment" or tracker.get_slot("requested_slot") == "confirm_cancel"
    return waiting and loop == CANCEL_FORM and bool(_UNDECIDED.search(common.latest_text(tracker)))


RESULTS_FORM = "results_form"


def _instead_of_triage(tracker: Tracker) -> List[Dict[Text, Any]]:
    """A symptom reading whose words ask to book a named department or to renew a
    prescription starts that journey, not self-triage, and a booking reading whose words
    give a place back starts the cancellation (actions/journey_words.py). Either reading
    that asks after an appointment already made lists the appointments
    (services/conversation/records_errands.py)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    text = said({"text": common.latest_text(tracker), "parse_data": tracker.latest_message or {}})
    if intent == "book_appointment" and gives_a_place_back(text):  # "我明朝个号要退脱"
        return [SlotSet("department", None), FollowupAction(CANCEL_FORM)]
    if (
        intent in ("book_appointment", "report_symptom")
        and asks_after_appointment(text)  # "我約咗邊日覆診"
        and not mentions_complaint(text)  # "约了明天的号，现在发烧了还能去吗": triage first
    ):
        return [SlotSet("department", None), SlotSet("symptom", None), FollowupAction(APPOINTMENT_LIST)]
    if intent != "report_symptom":
        return []
    if asks_for_results(text) and not mentions_complaint(text):  # "阿拉囡囡上礼拜验额尿 报告好了伐"
        return [SlotSet("symptom", None), FollowupAction(RESULTS_FORM)]
    errand = other_errand(text, common.resolve_department)
    if errand is None:
        return []
    form, department = errand
    events: List[Dict[Text, Any]] = [SlotSet("symptom", None), SlotSet("duration", None), SlotSet("age", None)]
    if department:
        events.append(SlotSet("department", department))
    return [*events, FollowupAction(form)]


class ActionHandoff(HospitalAction):
    """Open a hand-off ticket in the staff inbox (the front door pauses the bot
    for this patient until staff hand back), then tell the patient a person is coming."""

    def name(self) -> Text:
        return "action_handoff"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        ticket = common.backend().open_handoff(common.conversation_id(tracker))
        dispatcher.utter_message(response="utter_handoff", handoff_when=str(ticket.get("answer_when") or ""))
        dispatcher.utter_message(json_message={"handoff": True, "sender": tracker.sender_id})
        return [SlotSet("handoff", True)]


def _checked_with_platform(appt: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(visit, payment) for "我付过了", believed only after the hospital asked the payment
    platform: a paid order confirms the visit now, an unpaid one keeps its link. If the
    check fails the visit is answered as listed (the link and the time left), never as paid."""
    listed: Dict[str, Any] = dict(appt)
    try:
        checked: Dict[str, Any] = dict(common.backend().check_payment(str(appt["id"])))
    except HospitalError:
        checked = listed
    fresh: Dict[str, Any] = dict(checked.get("payment") or {})
    if checked.get("status") == "held" and not common.pay_link(fresh):
        checked, fresh = listed, dict(listed.get("payment") or {})
    return checked, fresh


REFILL_WORDS = ("续方", "药费", "买药", "配药")


def offer_refill_fees(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """支付续方: each approved refill's open fee with its pay link (the same page as a booking's),
    and each signed one still with the pharmacist said to be waiting (nothing to pay yet);
    False when no patient of this chat has either."""
    offered = False
    for patient in bound_patients(tracker):
        for refill in common.backend().payable_refills(str(patient["id"])):
            drugs = str(refill.get("drugs") or "续方药品")
            if refill.get("waiting_for") == "pharmacist":
                dispatcher.utter_message(response="utter_refill_waiting_pharmacist", drugs=drugs)
            elif refill.get("pay_link"):
                dispatcher.utter_message(
                    response="utter_refill_pay",
                    drugs=drugs,
                    amount_yuan=common.yuan(refill.get("amount_fen")),
                    pay_url=str(refill["pay_link"]),
                )
            else:
                continue
            offered = True
    return offered


class ActionPaymentHelp(HospitalAction):
    """我付过了 or 付款链接呢: check the unpaid booking with the payment platform, then confirm it
    or resend its pay link with the time left; 支付续方 (or no unpaid booking): an approved
    refill's fee with its link, or that the pharmacist has yet to approve it; with nothing to
    pay, explain how paying works."""

    def name(self) -> Text:
        return "action_payment_help"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        refund = refund_response(common.latest_text(tracker), domain)
        if refund:  # "缴检查费扣了两遍钱": the extra back, not how to pay (set 5's G53)
            try:
                dispatcher.utter_message(response=refund, **load_facts().template_values())
                return []
            except (OSError, FactsError) as exc:  # unreadable facts: how paying works, as before
                log.error("hospital facts unreadable: %s", exc)
        unpaid = [a for a in upcoming_appointments(tracker) if a.get("status") == "held"]
        pay = next((a for a in unpaid if common.pay_link(a.get("payment") or {})), None)
        wants_refill = any(word in common.latest_text(tracker) for word in REFILL_WORDS)
        if (pay is None or wants_refill) and offer_refill_fees(dispatcher, tracker):
            return []
        if pay is None:
            dispatcher.utter_message(response="utter_pay_help")
            return []
        appt, payment = _checked_with_platform(pay)
        names = {
            "department_name": str(appt.get("department_name") or common.department_name(appt.get("department"))),
            "doctor": common.doctor_label(appt.get("doctor")),
            "start_text": common.start_text(str(appt.get("start", ""))),
        }
        if appt.get("status") == "confirmed":
            dispatcher.utter_message(response="utter_booking_confirmed", **names)
            return []
        dispatcher.utter_message(
            response="utter_booking_held",
            **names,
            amount_yuan=common.yuan(payment.get("amount_fen", appt.get("fee_fen"))),
            pay_url=common.pay_link(payment),
            hold_minutes=hold_minutes(appt.get("hold_expires_at")),
        )
        return []

    def on_error(self, exc: Any, tracker: Tracker) -> List[EventType]:
        return []


PAYLOAD_RE = re.compile(r"^/(?P<intent>[\w/]+)(?P<entities>\{.*\})?$", re.S)
# What tapping a button does, so that typing its number does the same.
FOLLOWUPS = {
    "report_symptom": "triage_form",
    "book_appointment": "booking_form",
    "query_result": "results_form",
    "request_refill": "refill_form",
    "query_appointment": "action_query_appointments",
    "cancel_appointment": "cancel_form",
    "reschedule_appointment": "reschedule_form",
    "request_human": "action_handoff",
    "pay": "action_payment_help",
}
FORMS = {"triage_form", "booking_form", "results_form", "refill_form", "cancel_form", "reschedule_form"}


def last_buttons(tracker: Tracker) -> Tuple[List[Dict[str, Any]], str]:
    """The buttons of the bot's latest message before the patient's current one,
    and the response that sent them."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen > 1:
                break  # nothing with buttons since the previous message
        elif event.get("event") == "bot" and users_seen == 1:
            buttons = [b for b in (event.get("data") or {}).get("buttons") or [] if common.is_choice(b)]
            if buttons:
                return buttons, str((event.get("metadata") or {}).get("utter_action") or "")
    return [], ""


def reset_events(tracker: Tracker, keep: Tuple[str, ...] = ()) -> List[Dict[Text, Any]]:
    return [
        SlotSet(s, None)
        for s in JOURNEY_SLOTS
        if s not in keep and tracker.get_slot(s) is not None and not _kept(tracker, s)
    ]


def followup_for(payload: str, asked_by: str, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """The events that do what the chosen button would have done."""
    match = PAYLOAD_RE.match(payload.strip())
    if not match:
        return None
    intent = match.group("intent")
    if intent == "affirm":
        if asked_by == "utter_triage_offer_booking":  # keep the recommended department
            return [FollowupAction("booking_form")]
        return [FollowupAction("utter_main_menu")]
    if intent == "deny":
        return [FollowupAction("utter_goodbye" if asked_by == "utter_anything_else" else "utter_anything_else")]
    action = FOLLOWUPS.get(intent)
    if action is None:
        return None
    entities = json.loads(match.group("entities") or "{}")
    slots = [SlotSet(k, v) for k, v in entities.items()]
    return [*(reset_events(tracker, tuple(entities)) if action in FORMS else []), *slots, FollowupAction(action)]


class ActionMenuChoice(Action):
    """A bare answer outside any form: "2" does what the second button shown
    would do, a department name starts a booking, anything else gets the menu."""

    def name(self) -> Text:
        return "action_menu_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        choice = parse_choice(common.latest_text(tracker))
        buttons, asked_by = last_buttons(tracker)
        if choice is not None and 0 < choice <= len(buttons):
            events = followup_for(str(buttons[choice - 1].get("payload", "")), asked_by, tracker)
            if events is not None:
                return events
        offered = _details_at_booking_offer(tracker, asked_by)
        if offered is not None:
            return offered
        department = common.normalise_department(next(tracker.get_latest_entity_values("department"), None))
        if department:
            return [*reset_events(tracker), SlotSet("department", department), FollowupAction("booking_form")]
        dispatcher.utter_message(response="utter_default")
        return []


def names_when(text: str) -> bool:
    """A day ("明天", "12月9日") or a half of the day ("下午吧") said: when to book."""
    if not text or text.startswith("/"):
        return False
    return resolve(text, today_in_shanghai()) is not None or booking_wishes.period_wished(text) is not None


def _details_at_booking_offer(tracker: Tracker, asked_by: str) -> Optional[List[Dict[Text, Any]]]:
    """A name, ID number or phone typed at triage's "要我帮您预约…吗？" is a yes: the
    patient went straight on to the booking's details (set 4's F08 typed "孙秀英" and met
    the fallback). The recommended department is kept and so are the details."""
    department = tracker.get_slot("department")
    if asked_by != OFFER_BOOKING or not department:
        return None
    found = details_in(tracker)
    if not found:
        if names_when(common.latest_text(tracker)):  # "明天下午 哪个医生都行": a yes with the day
            return [*reset_events(tracker, ("department",)), FollowupAction("booking_form")]
        return None
    slots = [SlotSet(slot, value) for slot, value in found.items()]
    return [*reset_events(tracker, ("department",)), *slots, FollowupAction("booking_form")]
