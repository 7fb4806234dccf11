"""Answers the booking form gets out of turn, kept instead of refused.

Patients do not answer in the form's order. At the slot list they type the name, ID
number or phone (they think the place is chosen), ask where to park or which floor,
or change their mind about the time after a place was picked ("不对 上午要送孩子 改下午
吧"). Each used to meet "请点按钮" or "请输入真实姓名" and then loop. Here:

- details said ahead (a name after 叫/名字是 or alone, an ID number, a phone) are kept
  for the registration step, which then skips those questions (the read-back before
  anything is written still shows them); said at the slot list, the patient goes on as if
  a place were chosen, so the first place listed is taken and said (actions/place_taken.py);
- a side question is answered from the hospital's facts and the same question asked
  again, with no "wrong answer" said;
- a time of day said after a place was picked that the place does not fit undoes the
  pick, so the list comes back narrowed to the new wish.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import booking_wishes, common, slot_lists
from actions.base import CODE_AGAIN, ID_RE, code_sent_before, previous_value, valid_id_number
from actions.corrections import GO_BACK_INTENT, corrected_name
from actions.dates import parse_date_slot, resolve, today_in_shanghai
from actions.faq import selected_topic
from actions.journey_words import CANCEL_FORM, gives_a_place_back
from actions.open_places import BOOKING_WINDOW_DAYS, PERIOD_HOURS, starts_within
from actions.patient_names import has_surname, name_in
from actions.place_taken import say_place_taken
from actions.simplified import simplified
from actions.test_preparation import asks_test_preparation, part_asked
from actions.typed_choices import chosen_place, offered_slots
from integrations.hospital import HospitalError
from integrations.hospital.base import Slot
from services.hospital_facts import FactsError, load_facts
from shared_rules import MOBILE_IN_TEXT, find_placeholder

log = logging.getLogger(__name__)

# The steps after the place is chosen: a change of time here undoes the pick.
AFTER_PICK = ("patient_id", "patient_name", "id_number", "phone", "registration_ok", "bind_code")
# Where a side question may come: the list and the registration steps.
SIDE_STEPS = ("slot_id", *AFTER_PICK)
DETAIL_NAMES = {"patient_name": "姓名", "id_number": "身份证号", "phone": "手机号"}
# A question, not an answer: asked with a question word or mark.
# "好停车不", "能报销不", "报得不": a trailing 不 asks too.
_QUESTION = re.compile(r"[?？]|吗|嘛$|呢|几楼|哪里|哪儿|在哪|多少|怎么|咋|啥|能不能|可不可以|方便不|有没有|不\s*$")
# Side questions by their words (data/hospital.yml holds the facts they answer with);
# the NLU's response selector decides only when none of these is said.
SIDE_TOPICS = (
    ("utter_faq/parking", re.compile(r"停车|车位|开车")),
    ("utter_faq/address", re.compile(r"几楼|哪层|在哪|哪里|地址|怎么走|怎么去|坐车|地铁")),
    ("utter_faq/fees", re.compile(r"多少钱|挂号费|费用|几块|收费|贵不贵")),
    ("utter_faq/insurance", re.compile(r"医保|报销|社保")),
    ("utter_faq/documents", re.compile(r"带什么|要带|证件|带身份证")),
    ("utter_faq/hours", re.compile(r"几点|上班时间|开门|关门")),
)
SELECTOR_SURE = 0.6
# What the answer before a blood test already says (the lab's place and hours).
PREPARATION_SAYS = ("utter_faq/address", "utter_faq/hours")


# The booking left for a cancellation: what it had chosen is dropped.
LEFT_BEHIND = ("department", "date", "slot_id", "offered_choices", "slot_list_view", "booking_wish")
# An appointment made before this booking: "原来那个", "之前约的", "上周已经约过一个".
_EARLIER_ONE = re.compile(r"原来|原先|之前|以前|上次|上回|早先|已经约|已经挂|约过|挂过|约好的|约的那个|挂的那个")


def cancels_the_earlier_one(text: str) -> bool:
    """ "那干脆别挂了，把原来那个也取消吧": in the middle of a booking the patient gives back an
    appointment made before, so the booking stops and the cancellation starts (set 5's G33 had
    its words taken for a place number until the end)."""
    said = simplified(text or "")
    return gives_a_place_back(said) and bool(_EARLIER_ONE.search(said))


def details_in(tracker: Tracker) -> Dict[str, Any]:
    """The name, ID number and phone the latest message holds, by slot."""
    text = common.latest_text(tracker)
    found: Dict[str, Any] = {}
    id_number = find_placeholder(text, "id_number")
    digits = ID_RE.search(text)
    if id_number is None and digits and valid_id_number(digits.group(0)):
        id_number = digits.group(0).upper()
    if id_number:
        found["id_number"] = id_number
    typed = MOBILE_IN_TEXT.search(text)
    phone = find_placeholder(text, "phone") or (typed.group(0) if typed else None)
    if phone:
        found["phone"] = phone
    name = name_in(text)
    if name:
        found["patient_name"] = name
    return found


def details_ahead(dispatcher: CollectingDispatcher, tracker: Tracker, events: List[EventType]) -> List[EventType]:
    """ "帮我挂骨科明天上午的 我叫赵志强 身份证号… 手机号…" in the message that starts the booking
    (or at the department question): the name, ID number and phone are kept for the registration
    step, which then skips those questions (the read-back still shows them). [] when the message
    holds none, or once the form has reached the steps that take them (out_of_turn keeps them there)."""
    if tracker.get_slot("requested_slot") not in (None, "department"):
        return []
    set_now = {e.get("name"): e.get("value") for e in events if isinstance(e, dict) and e.get("event") == "slot"}
    found = {
        slot: value
        for slot, value in details_in(tracker).items()
        if not tracker.get_slot(slot) and not set_now.get(slot)
    }
    if "patient_name" in found and name_in(common.latest_text(tracker), bare=False) is None:
        del found["patient_name"]  # only a name said as one ("我叫…", "名字是…") before the list
    if not found:
        return []
    kept = "、".join(DETAIL_NAMES[slot] for slot in DETAIL_NAMES if slot in found)
    dispatcher.utter_message(response="utter_details_kept", kept=kept)
    return [SlotSet(slot, value) for slot, value in found.items()]


def typed_id_like(tracker: Tracker) -> bool:
    """Something the patient typed as an ID number: the edge's placeholder or 15-18 digits."""
    text = common.latest_text(tracker)
    return bool(find_placeholder(text, "id_number") or re.search(r"\d{15,18}", text))


def side_topics(tracker: Tracker) -> List[str]:
    """The FAQ topics of a question asked in the middle of the form ("挂号费好多钱咯 医保报得不"
    asks the fee and the insurance), or [] for an answer."""
    text = simplified(common.latest_text(tracker))
    if not text or not _QUESTION.search(text) or details_in(tracker):
        return []
    named = [topic for topic, words in SIDE_TOPICS if words.search(text)]
    if asks_test_preparation(text):  # "明天要抽血 要空腹吗 几点去": its answer says where and when
        return [part_asked(text), *(t for t in named if t not in PREPARATION_SAYS)]
    if named:
        return named
    if slot_lists.is_wish(text):  # "有没有副主任医师的 要上午的号": a wish the list takes, not a fee question
        return []
    latest = tracker.latest_message or {}
    response = ((latest.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    if float(response.get("confidence") or 0.0) >= SELECTOR_SURE:
        selected = selected_topic(latest)
        return [selected] if selected else []
    return []


def side_topic(tracker: Tracker) -> Optional[str]:
    """The first FAQ topic of a side question, or None for an answer."""
    return next(iter(side_topics(tracker)), None)


def names_a_day(text: str) -> bool:
    """Words that answer the day question ("周六几点有号", "下午吧", "哪天都行", "12号"): a
    question with them is about the day, not a side question."""
    said = simplified(text or "")
    return bool(
        resolve(said, today_in_shanghai())
        or booking_wishes.period_wished(said)
        or booking_wishes.wants_anything(said)
        or re.search(r"\d|[周拜期][一二三四五六日天]|[明后今]天|[一二三四五六七八九十]号", said)
    )


def answer_side_question(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> bool:
    """Answer a side question (each topic it asks) from the hospital's facts; False when there is none."""
    responses = (domain or {}).get("responses") or {}
    topics = [t for t in side_topics(tracker) if not responses or t in responses]
    if not topics:
        return False
    try:
        values = load_facts().template_values()
    except (OSError, FactsError) as exc:
        log.error("hospital facts unreadable: %s", exc)
        return False
    for topic in topics:
        dispatcher.utter_message(response=topic, **values)
    return True


def _fits(slot: Slot, wish: Dict[str, Any]) -> bool:
    period = wish.get("period")
    return period not in PERIOD_HOURS or starts_within(slot, *PERIOD_HOURS[str(period)])


def first_as_wished(tracker: Tracker, offered: List[str]) -> str:
    """The first offered place in the half of the day wished ("下周三下午" whose list shows
    Thursday afternoon before Wednesday morning): what a patient who goes straight on with the
    name means; the first offered when none fits or the hospital cannot be asked."""
    wish = dict(tracker.get_slot("booking_wish") or {})
    period = wish.get("period") or parse_date_slot(tracker.get_slot("date") or "")[1]
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    if period not in PERIOD_HOURS or not department or not date_slot:
        return offered[0]
    try:
        slots = offered_slots(department, date_slot, offered)
    except HospitalError:
        return offered[0]
    return next((str(s["id"]) for s in slots if _fits(s, {"period": period})), offered[0])


def undo_pick_for_new_time(tracker: Tracker) -> List[EventType]:
    """ "改下午吧" after a morning place was picked: the pick is undone and the list shown
    again for the new half of the day. [] when the message changes no time, or the place
    picked already fits it."""
    if tracker.get_slot("requested_slot") not in AFTER_PICK or not tracker.get_slot("slot_id"):
        return []
    text = common.latest_text(tracker)
    period = booking_wishes.period_wished(text)
    if period not in PERIOD_HOURS or details_in(tracker):
        return []
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    if not department or not date_slot:
        return []
    try:
        day_slots = common.backend().slots(department, parse_date_slot(date_slot)[0])
    except HospitalError:
        return []
    picked = next((s for s in day_slots if str(s.get("id")) == str(tracker.get_slot("slot_id"))), None)
    wish = {**(tracker.get_slot("booking_wish") or {}), "period": period}
    if picked is None or _fits(picked, wish):
        return []
    view = slot_lists.with_wish(slot_lists.current_view(tracker.get_slot("slot_list_view"), date_slot), wish)
    return [
        SlotSet("slot_id", None),
        SlotSet("booking_wish", slot_lists.wish_of({**slot_lists.fresh_view(date_slot), **wish})),
        SlotSet("slot_list_view", view),
        SlotSet("requested_slot", "slot_id"),
    ]


def _back_to_before(tracker: Tracker, keep: Dict[str, Any]) -> List[EventType]:
    """This turn's slot extractions undone (the raw text the from_text mappings put in the
    slot asked), except the slots set on purpose in ``keep``."""
    return [SlotSet(slot, previous_value(tracker, slot)) for slot in tracker.slots_to_validate() if slot not in keep]


def _slots(tracker: Tracker, values: Dict[str, Any]) -> List[EventType]:
    return [*_back_to_before(tracker, values), *(SlotSet(slot, value) for slot, value in values.items())]


# "确认预约", "妥了 确认", "好，確定", "要得": the read-back confirmed in words the NLU may
# read as another request; a 不/没/错/改 anywhere makes it no confirmation.
_CONFIRM = re.compile(r"确认|确定|没问题|都对|对的|没错|妥了|要得|好的|可以|行|中")
_NOT_CONFIRM = re.compile(r"不|没有|错|改|别|等等|等一下")


def confirms(text: str) -> bool:
    """The read-back confirmed in words: "确认预约", "中 确认", "好，確定"."""
    said = simplified(text or "").replace("没问题", "")
    return bool(_CONFIRM.search(simplified(text or ""))) and not _NOT_CONFIRM.search(said)


# "验证码就不要了吧 俺着急 直接给俺挂上" at the read-back: book it now (the code still goes out).
_BOOK_NOW = re.compile(
    r"直接(?:给.{0,2})?(?:挂|约|预约)|赶紧(?:给.{0,2})?挂|快(?:点)?(?:给.{0,2})?挂|[给帮](?:我|俺|咱)挂上"
)
_NOT_BOOK = re.compile(r"[不别甭](?:要|用|想)?(?:挂|约)")


def books_now(text: str) -> bool:
    """The read-back answered by "just book it" ("直接给俺挂上"), maybe hoping to skip the code:
    a yes to the details; the code is still asked (and the patient told why)."""
    said = simplified(text or "")
    return bool(_BOOK_NOW.search(said)) and not _NOT_BOOK.search(said)


def _a_code(tracker: Tracker) -> bool:
    """A six-digit code (or the chat edge's placeholder of one) typed as the answer."""
    text = common.latest_text(tracker)
    return bool(find_placeholder(text, "code") or re.fullmatch(r"\D{0,6}\d{6}\D{0,6}", text))


def code_typed_first(tracker: Tracker) -> bool:
    """A code typed at the read-back before any was sent: the patient has moved on (they
    expect the SMS step), so it is a yes to the details shown; the real code goes out then.
    Set 11's M22 was shown the read-back again and again and never got a code."""
    return _a_code(tracker) and not code_sent_before(tracker)


# Said before the real code goes out: the number typed was no code of ours yet.
CODE_TYPED_FIRST = "那时验证码还没发出。上面的信息您没说有错，就按这些登记，新的验证码马上发到您手机上。"


def _code_missed(tracker: Tracker) -> bool:
    """ "短信一直没收到", "簡訊沒來" at the read-back: no code was sent yet (it goes out once
    the details are confirmed), so the patient is waiting for nothing (set 8's J45)."""
    text = simplified(common.latest_text(tracker))
    missed = CODE_AGAIN.search(text) or (re.search(r"简讯|短信|验证码", text) and re.search(r"没|未|不到", text))
    return bool(missed) and not code_sent_before(tracker)


def _answers_the_list(tracker: Tracker, found: Dict[str, Any], offered: int) -> bool:
    """At the slot list, a place chosen or the list steered ("第二个", "下午的", "李娜"
    the doctor) is no detail typed ahead, even when it looks like a name."""
    text = common.latest_text(tracker)
    if chosen_place(text, offered) is not None or slot_lists.is_wish(text):
        return True
    name = str(found.get("patient_name") or "")
    if not name or set(found) != {"patient_name"}:
        return False
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    try:
        day_slots = common.backend().slots(department, parse_date_slot(date_slot)[0]) if department else []
    except HospitalError:
        return False
    doctors = {str((s.get("doctor") or {}).get("name") or "") for s in day_slots if isinstance(s.get("doctor"), dict)}
    return any(doctor and (doctor.startswith(name) or name.startswith(doctor)) for doctor in doctors)


def out_of_turn(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
    """The booking form's events for an answer given out of turn, said to the patient;
    [] when the message answers the question asked (the validators take it then)."""
    if tracker.active_loop.get("name") != "booking_form":
        return []
    requested = tracker.get_slot("requested_slot")
    undo = undo_pick_for_new_time(tracker)
    if undo:
        dispatcher.utter_message(response="utter_go_back")
        return [*_back_to_before(tracker, {"slot_id": None}), *undo]
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent == GO_BACK_INTENT or requested not in ("date", *SIDE_STEPS):
        return []
    if cancels_the_earlier_one(common.latest_text(tracker)):  # "别挂了，把原来那个也取消吧" (set 5's G33)
        return [
            *(SlotSet(slot, None) for slot in LEFT_BEHIND),
            SlotSet("requested_slot", None),
            ActiveLoop(None),
            FollowupAction(CANCEL_FORM),
        ]
    if (requested != "date" or not names_a_day(common.latest_text(tracker))) and answer_side_question(
        dispatcher, tracker, domain
    ):  # "挂号费多少钱啊 能走医保不" at the day question too, when it names no day
        return _slots(tracker, {str(requested): None})  # asked again, with no "wrong answer"
    fixed = corrected_name(common.latest_text(tracker)) if requested in AFTER_PICK else None
    if fixed:  # "名字打错了，是张建伟" typed at the ID question, read as an answer
        dispatcher.utter_message(response="utter_name_corrected", patient_name=fixed)
        return _slots(tracker, {str(requested): None, "patient_name": fixed, "registration_ok": None})
    if requested == "registration_ok" and code_typed_first(tracker):
        return []  # a yes to the read-back: the form's extractor sends the code (set 11's M22)
    if requested == "registration_ok" and (_a_code(tracker) or _code_missed(tracker)):
        # "簡訊一直沒收到欸" before any went out, or a code typed after one was: read back again
        dispatcher.utter_message(response="utter_confirm_before_code")
        return _slots(tracker, {"registration_ok": None})
    found = details_in(tracker)
    offered = tracker.get_slot("offered_choices") or []
    if not found or set(found) == {requested}:
        return []
    if requested == "slot_id" and _answers_the_list(tracker, found, len(offered)):
        return []
    if requested in ("registration_ok", "bind_code"):  # "手机号打错了 重新来 139…": read back again
        dispatcher.utter_message(response="utter_go_back")
        return _slots(tracker, {**found, "registration_ok": None, "bind_code": None})
    values = {**found, "registration_ok": None, "bind_code": None}
    if requested not in found:
        kept = "、".join(DETAIL_NAMES[slot] for slot in DETAIL_NAMES if slot in found)
        dispatcher.utter_message(response="utter_details_kept", kept=kept)
        values[str(requested)] = None
        if requested == "slot_id" and offered:  # going on as if a place were chosen: the first that fits
            first = first_as_wished(tracker, [str(o) for o in offered])
            values["slot_id"] = first
            say_place_taken(dispatcher, tracker, [str(o) for o in offered], first, domain)
    return _slots(tracker, values)


# "上一步 不对不对 大后天我要上班 改成下周二": the new answer follows the change word.
_CHANGED_TO = re.compile(r"(?:改成|换成|改到|换到|改为|改|换)")


def new_value_said(tracker: Tracker) -> Dict[str, Any]:
    """The new department or day a "go back" message names ("返回 明天不中 换成后天", "哎不对不对
    那还是挂骨科吧"), as the slots to set; {} when it only asks to go back."""
    text = simplified(common.latest_text(tracker))
    tail = _CHANGED_TO.split(text)[-1]
    department = common.resolve_department(tail) or common.resolve_department(text)
    # the slot before this message: the NLU's tag has filled it with the clinic said already
    booked = previous_value(tracker, "department") or tracker.get_slot("department")
    if department and department not in ("emergency", booked):
        return {"department": department, "date": None, "slot_id": None, "slot_list_view": None}
    if department and department == booked and not resolve(tail, today_in_shanghai()):
        # "返回上一步 改成口腔科" once 口腔科 was taken already: it stays, and the question is asked again
        return {"department": department}
    today = today_in_shanghai()
    phrase = resolve(tail, today) or resolve(text, today)
    if phrase is None or not today <= phrase.day <= today + timedelta(days=BOOKING_WINDOW_DAYS):
        return {}
    date_slot = phrase.iso() + (f" {phrase.period}" if phrase.period else "")
    if date_slot == tracker.get_slot("date") or not tracker.get_slot("department"):
        return {}
    return {"date": date_slot, "slot_id": None, "slot_list_view": None}


def changes_this_booking(tracker: Tracker) -> List[EventType]:
    """ "返回 明天不中 换成后天" at the booking's list, read by the NLU as moving an appointment
    (set 6's H11 was asked for the phone of an appointment it never had): the booking goes on
    with the new day or department. [] outside the booking's day and list questions, or when
    the words name an appointment made before ("把原来约的改到后天")."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent not in ("reschedule_appointment", GO_BACK_INTENT) or tracker.active_loop.get("name") != "booking_form":
        return []
    if tracker.get_slot("requested_slot") not in ("date", "slot_id"):
        return []
    if _EARLIER_ONE.search(simplified(common.latest_text(tracker))):
        return []
    changed = new_value_said(tracker)
    if not changed:
        return []
    return [*(SlotSet(slot, value) for slot, value in changed.items()), FollowupAction("booking_form")]


_DOCTOR_ASKED = re.compile(r"([\u4e00-\u9fff]{1,3})(?:医生|大夫)")


def _doctor_asked(words: str) -> Optional[str]:
    """The doctor's name before 医生 ("就要周" -> "周", "张伟" -> "张伟"): the longest end of
    the words that starts with a surname; "专家", "女", "好" name nobody."""
    return next((words[-k:] for k in (3, 2, 1) if len(words) >= k and has_surname(words[-k:])), None)


def missing_doctor(tracker: Tracker) -> Optional[str]:
    """ "就要周医生那个" when the day has no doctor 周: "周医生", to say so kindly before
    the list is offered again (instead of "请点按钮"). None when no such doctor is asked."""
    text = simplified(common.latest_text(tracker))
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    asked_for = [name for m in _DOCTOR_ASKED.finditer(text) if (name := _doctor_asked(m.group(1)))]
    if not asked_for or not department or not date_slot:
        return None
    try:
        day_slots = common.backend().slots(department, parse_date_slot(date_slot)[0])
    except HospitalError:
        return None
    names = [str((s.get("doctor") or {}).get("name") or "") for s in day_slots if isinstance(s.get("doctor"), dict)]
    name = asked_for[-1]
    return None if any(n.startswith(name) for n in names) else f"{name}医生"
