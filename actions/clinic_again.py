"""Going back to the clinic: asked once whether it stays, and kept when the patient goes on.

Set 14's X14 (tuning material) said "返回" at the booking's day question. The form went back
one step, clearing the clinic, and said "好的，我们改一下。" with the clinic question, so the
patient did not know what had been chosen; "上午的" said there was "没找到“上午的”这个科室",
and a typed "2" was no clinic either. A clerk going back asks one question, where the
patient is: "好的，回到上一步。刚才选的是产科，还挂产科吗？" with [1 还挂产科] [2 换科室].

- The question is asked instead of the day question (the form stays at the day, the clinic
  kept), so ``action_ask_date`` says nothing that turn: one question per turn.
- Its answers: "1"/"是"/"还挂产科" keep the clinic and the day is asked; "2"/"换科室"/"返回"
  clear it and the form's clinic question follows; another clinic named ("妇科") is taken and
  said; booking details ("上午的", "明天", "要专家号") go on with the kept clinic, read as the
  day question reads them.
- Reached anyway (the clinic changed on purpose, "改一下科室"), the clinic question keeps the
  clinic chosen before when the patient goes on with details instead of naming one - a time
  of day, a day, a title, a name, an ID number - and says so; a bare number there gets the
  question above once, then keeps the clinic.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import booking_wishes, common, details_misplaced
from actions.clinic_corrected import clinic_before
from actions.corrections import GO_BACK_INTENT, named_slot
from actions.dates import resolve
from actions.numbers import parse_choice
from actions.simplified import simplified

CLINIC_AGAIN_TEXT = "好的，回到上一步。刚才选的是{department}，还挂{department}吗？"
CLINIC_AGAIN_SHORT = "刚才选的是{department}，还挂{department}吗？"
KEEP_TITLE = "还挂{department}"
CHANGE_TITLE = "换科室"
# The buttons' payloads: a yes, and going back once more (to the clinic question).
KEEP_PAYLOAD = "/affirm"
CHANGE_PAYLOAD = "/" + GO_BACK_INTENT
STILL_THIS_TEXT = "好的，还挂{department}。"
WISH_KEPT_TEXT = "好的，还挂{department}，{wish}记下了。"
DAY_KEPT_TEXT = "好的，还挂{department}，时间记下了。"
WISH_ONLY_TEXT = "好的，{wish}记下了。"
DAY_ONLY_TEXT = "好的，时间记下了。"
CHANGED_TEXT = "好的，改成{department}。"
DETAIL_TAILS = {
    "patient_name": "姓名登记时我再问您。",
    "code": "验证码现在还用不上，登记完信息后才会发。",
}
_CODE = re.compile(r"[a-z][a-z_]*")
_TAIL = r"(?:吧|啊|呀|的|了|哈|嘛|呗|哦|噢)*[。.!！\s]*$"
# "是", "对的", "嗯", "还是这个", "就挂这个", "不换了": the clinic chosen before is kept.
_KEEP = re.compile(
    r"^(?:是|是的|对|对的|对头|嗯+|好|好的|行|中|没错|就这个|还是这个|就挂这个|还挂这个|就它|不换|不换了|不用换|还是(?:挂)?它"
    r"|还挂|还是|继续|接着挂)" + _TAIL
)
# "换科室", "换一个", "换个科", "不是", "不挂这个了": another clinic wanted, not yet named.
_CHANGE = re.compile(
    r"^(?:换|换科|换科室|换个科室?|换一个|换个|换别的科?|改科室|改个科室?|挂别的科?|看别的科?|别的科?|不是|不对|不要"
    r"|不挂这个|不挂它)" + _TAIL
)


def last_department(tracker: Tracker) -> Optional[str]:
    """The clinic this booking had before it was cleared (going back), or None: the latest
    value the department slot held since the journey began."""
    before_latest = False  # this turn's own mapping ("是" typed as the clinic) is no clinic chosen
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            before_latest = True
        elif event.get("event") == "action" and event.get("name") == "action_reset_journey":
            return None
        elif before_latest and event.get("event") == "slot" and event.get("name") == "department":
            value = event.get("value")
            if isinstance(value, str) and _CODE.fullmatch(value):  # a code, not words typed as the clinic
                return str(value)
    return None


def _is_prompt(event: Dict[str, Any]) -> bool:
    buttons = (event.get("data") or {}).get("buttons") or []
    payloads = [str(b.get("payload") or "") for b in buttons if isinstance(b, dict)]
    return payloads == [KEEP_PAYLOAD, CHANGE_PAYLOAD]


def asked_this_turn(tracker: Tracker) -> bool:
    """The question was asked after the patient's latest message (the day question then
    says nothing: one question per turn)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and _is_prompt(event):
            return True
    return False


def just_asked(tracker: Tracker) -> bool:
    """The bot's last message before the patient's latest was this question."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest:
                return False
            seen_latest = True
        elif event.get("event") == "bot" and seen_latest:
            return _is_prompt(event)
    return False


def _asked_since_chosen(tracker: Tracker) -> bool:
    """The question was asked since the clinic was last chosen (it is asked once)."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and _is_prompt(event):
            return True
        if event.get("event") == "slot" and event.get("name") == "department":
            value = event.get("value")
            if isinstance(value, str) and _CODE.fullmatch(value):
                return False
        if event.get("event") == "action" and event.get("name") == "action_reset_journey":
            return False
    return False


def ask(dispatcher: CollectingDispatcher, department: str, went_back: bool = True) -> None:
    """ "还挂产科吗？" with [1 还挂产科] [2 换科室]."""
    name = common.department_name(department)
    text = (CLINIC_AGAIN_TEXT if went_back else CLINIC_AGAIN_SHORT).format(department=name)
    buttons = [
        common.button(1, KEEP_TITLE.format(department=name), KEEP_PAYLOAD),
        common.button(2, CHANGE_TITLE, CHANGE_PAYLOAD),
    ]
    dispatcher.utter_message(text=text, buttons=buttons)


def back_at_the_day(
    dispatcher: CollectingDispatcher, tracker: Tracker, events: List[EventType]
) -> Optional[List[EventType]]:
    """ "返回" at the day question that would clear the clinic: the clinic is kept and asked
    about once instead (the events the form goes on with); None when going back means
    something else ("改一下科室" asks the clinic, "返回 改成后天" is said by the form)."""
    cleared = any(e.get("event") == "slot" and e.get("name") == "department" and not e.get("value") for e in events)
    department = tracker.get_slot("department")
    if not cleared or not department or tracker.get_slot("requested_slot") != "date":
        return None
    if named_slot(simplified(common.latest_text(tracker)), ["department"]):
        return None  # the clinic itself named as what to change
    ask(dispatcher, str(department))
    return [SlotSet("date", None), SlotSet("slot_id", None), SlotSet("requested_slot", "date")]


def _wish_words(wish: Dict[str, Any]) -> str:
    """ "上午的号", "专家号", "下午、主任医师的号": the wish as the line says it back."""
    words = booking_wishes.describe(wish)
    return words if words.endswith("号") else words + "的号"


def _bare_number(text: str) -> bool:
    """ "2", "第一个": a choice typed, not a code or a phone."""
    return parse_choice(text) is not None and details_misplaced.detail_kind(text) is None


def _says_details(text: str) -> bool:
    """A day, a time of day or a title said: the booking goes on with it."""
    wish = booking_wishes.read([text])
    return bool(resolve(text) or wish.get("period") or wish.get("title"))


def answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The answer to "还挂产科吗？" (asked at the day question): the events it means, said;
    [] when it is none of keep, change or another clinic (details are the day question's)."""
    department = clinic_before(tracker)  # "妇科" at the question has filled the slot already
    if tracker.get_slot("requested_slot") != "date" or not department or not just_asked(tracker):
        return []
    raw = common.latest_text(tracker)
    text = simplified(raw).strip()
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    named = None if raw.startswith("/") else common.resolve_department(text)
    if named and named not in (department, "emergency") and not resolve(text):
        dispatcher.utter_message(text=CHANGED_TEXT.format(department=common.department_name(named)))
        return [SlotSet("department", named), SlotSet("date", None), SlotSet("requested_slot", "date")]
    if not raw.startswith("/") and _says_details(text):
        return []  # "上午的", "明天", "要专家号": the day question reads them, the clinic kept
    choice = parse_choice(text)
    if choice == 1 or raw.startswith(KEEP_PAYLOAD) or _KEEP.match(text) or named == department:
        dispatcher.utter_message(text=STILL_THIS_TEXT.format(department=common.department_name(str(department))))
        return [SlotSet("date", None), SlotSet("requested_slot", "date")]
    if choice == 2 or intent == GO_BACK_INTENT or raw.startswith(CHANGE_PAYLOAD) or _CHANGE.match(text):
        return [SlotSet("department", None), SlotSet("date", None), SlotSet("requested_slot", "department")]
    return []


def keeps_the_clinic(tracker: Tracker) -> Optional[str]:
    """ "是", "还是这个" at the clinic question after going back: the clinic kept."""
    if tracker.get_slot("requested_slot") != "department":
        return None
    before = last_department(tracker)
    if before is None:
        return None
    text = simplified(common.latest_text(tracker) or "").strip()
    if _KEEP.match(text):
        return before
    return None


def goes_on_words(tracker: Tracker) -> bool:
    """Words at the clinic question that name no clinic but go on with the booking: a day, a
    time of day, a title; after going back also a bare number."""
    if tracker.get_slot("requested_slot") != "department":
        return False
    text = common.latest_text(tracker) or ""
    if not text or text.startswith("/") or common.resolve_department(text):
        return False
    return _says_details(text) or (_bare_number(text) and last_department(tracker) is not None)


def goes_on(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The clinic question answered with no clinic named but booking details: after going
    back the clinic chosen before is kept and said (the form goes on to the day, the wish
    kept in ``booking_wish``, a day said taken by extract_date); with none chosen before, a
    wish is noted and the clinic question follows. None when the words are no such detail."""
    if tracker.get_slot("requested_slot") not in (None, "department"):
        return None
    text = common.latest_text(tracker) or ""
    if common.resolve_department(text):
        return None
    before = last_department(tracker)
    wish = booking_wishes.read([text])
    said = _wish_words(wish) if (wish.get("period") or wish.get("title")) else ""
    day = resolve(text) is not None
    if before is None:
        if not (said or day):
            return None
        dispatcher.utter_message(text=DAY_ONLY_TEXT if day else WISH_ONLY_TEXT.format(wish=said))
        return {"department": None}
    name = common.department_name(before)
    if _bare_number(text) and not (said or day):
        if not _asked_since_chosen(tracker):  # "2" with no buttons on the screen: asked once
            ask(dispatcher, before, went_back=False)
            return {"department": before}
        dispatcher.utter_message(text=STILL_THIS_TEXT.format(department=name))
        return {"department": before}
    if day:
        dispatcher.utter_message(text=DAY_KEPT_TEXT.format(department=name))
        return {"department": before}
    if said:
        dispatcher.utter_message(text=WISH_KEPT_TEXT.format(department=name, wish=said))
        return {"department": before}
    kind = details_misplaced.detail_kind(text)
    if kind is None:
        return None
    dispatcher.utter_message(text=STILL_THIS_TEXT.format(department=name) + DETAIL_TAILS.get(kind, ""))
    return {"department": before}
