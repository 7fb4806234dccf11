"""Back at the clinic question: what was chosen is said, kept if wanted, wishes kept.

Each line here is followed by the form's own clinic question (utter_ask_department), which
says how to name another clinic.

Set 14's X14 (tuning material) said "返回" at the booking's day question. The form went
back one step, clearing the clinic, but said only "好的，我们改一下。", so the patient did not
know what had been chosen; then "上午的" at the clinic question was "没找到“上午的”这个科室".
A clerk going back says where they are ("好的，回到上一步。刚才选的是产科……"), keeps the
clinic when the patient says so ("是", "对", "还是这个"), and notes a time of day or a title
said there as a wish for the list ("好的，上午的号记下了。还是挂产科吗？").
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions import booking_wishes, common
from actions.dates import resolve
from actions.simplified import simplified

WENT_BACK_TEXT = "好的，回到上一步。刚才选的是{department}，还挂{department}的话回“是”就行。"
WISH_KEPT_TEXT = "好的，{wish}的号记下了。"
DAY_KEPT_TEXT = "好的，时间记下了。"
STILL_THIS_TEXT = "还是挂{department}吗？是的话回“是”就行。"
ASK_CLINIC_TEXT = "先告诉我想挂哪个科。"
_CODE = re.compile(r"[a-z][a-z_]*")
# "是", "对的", "嗯", "还是这个", "就挂这个", "不换了", "还是产科": the clinic chosen before is kept.
_KEEP = re.compile(
    r"^(?:是|是的|对|对的|对头|嗯+|好|好的|行|中|没错|就这个|还是这个|就挂这个|还挂这个|就它|不换|不换了|不用换|还是(?:挂)?它)"
    r"(?:吧|啊|呀|的|了|哈|嘛)?[。.!！\s]*$"
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


def went_back_line(tracker: Tracker, events: List[Dict[str, Any]]) -> Optional[str]:
    """What to say when going back cleared the clinic that had been chosen; None otherwise."""
    cleared = any(e.get("event") == "slot" and e.get("name") == "department" and not e.get("value") for e in events)
    department = tracker.get_slot("department") if cleared else None
    if not department:
        return None
    return WENT_BACK_TEXT.format(department=common.department_name(str(department)))


def keeps_the_clinic(tracker: Tracker) -> Optional[str]:
    """ "是", "还是这个", "还是产科" at the clinic question after going back: the clinic kept."""
    if tracker.get_slot("requested_slot") != "department":
        return None
    before = last_department(tracker)
    if before is None:
        return None
    text = simplified(common.latest_text(tracker) or "").strip()
    if _KEEP.match(text):
        return before
    return None


def wish_line(tracker: Tracker) -> Optional[str]:
    """ "上午的", "要专家号" at the clinic question: the wish noted (the form keeps it in
    ``booking_wish``) and the clinic asked again, the one chosen before offered."""
    text = common.latest_text(tracker) or ""
    wish = booking_wishes.read([text])
    if not (wish.get("period") or wish.get("title")) or common.resolve_department(text):
        return None
    # "明天上午" at the clinic question: the day is kept too (the form's extract_date)
    noted = DAY_KEPT_TEXT if resolve(text) else WISH_KEPT_TEXT.format(wish=booking_wishes.describe(wish))
    before = last_department(tracker)
    if before:
        return noted + STILL_THIS_TEXT.format(department=common.department_name(before))
    return noted + ASK_CLINIC_TEXT
