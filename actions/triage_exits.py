"""A triage question answered with the clinic to book: the interview stops, the booking starts.

Patients who came to book often describe the trouble first ("我想挂个号 膝盖痛了好久了"), and
the interview then asks how long and how old. When the answer to one of its questions names the
clinic they want ("骨科嘛 是不是看骨科哦", "口腔科啦 就是牙疼", "那挂产科 明天早上可以吗"), a
nurse would stop asking and book it; the bot took the words as the duration or the age, and
the patient ended at advice with no booking (blind set 11's bookings). Only clear words count,
as at the journey's start (actions/journey_words.py): a booking verb with a department, or the
department said first; "上次看过骨科" stays an answer. The booking form then reads the day and
half of the day said in the same message.

An answer may point back at a clinic said earlier instead of naming it ("行 那就挂这个 明天上午",
"就挂这个科 后天下午" after "耳鼻喉科是吧 小孩也能看吗": set 12's S02 was told the age was left out
and given advice, never booked): the clinic is the latest one the patient named in this
conversation, named with 科 or 门诊 and not as one seen or made already.
"""

from __future__ import annotations

import re
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet

from actions import common
from actions.journey_words import BOOKING_FORM, other_errand
from actions.simplified import simplified

TRIAGE_FORM = "triage_form"
INTERVIEW_SLOTS = ("symptom", "duration", "age")
# "挂这个", "就挂这个科", "约那个门诊", "那就挂吧", "挂它": booking the clinic already spoken of
_POINTS_BACK = re.compile(
    r"(?:挂|约|预约|看)(?:个|一下)?(?:这|那)(?:个|一个|家)?(?:科|门诊|号)?(?![\u4e00-\u9fff]{0,1}[报结单药])"
    r"|(?:挂|约)(?:它|吧|呗|上吧)"
)
# a clinic named in a message: "耳鼻喉科", "口腔课", "眼科门诊"; not one seen or made ("看过骨科", "约的眼科")
_CLINIC = re.compile(r"(?<![过的约])((?:(?![的了过约次挂看去什啥哪])[\u4e00-\u9fff]){1,6}(?:科|课|门诊))")
LOOK_BACK = 8  # the patient's messages searched for the clinic pointed at


def department_to_book(text: str) -> Optional[str]:
    """The department a message asks to book, or None (an emergency is never booked)."""
    if not text or text.startswith("/"):
        return None
    errand = other_errand(text, common.resolve_department)
    if errand is None or errand[0] != BOOKING_FORM or errand[1] in (None, "emergency"):
        return None
    return errand[1]


def points_back(text: str) -> bool:
    """A booking request that names no clinic but points at one ("行 那就挂这个 明天上午")."""
    said = simplified(text or "")
    return bool(_POINTS_BACK.search(said)) and common.resolve_department(said) is None


def clinic_named_before(tracker: Tracker) -> Optional[str]:
    """The latest clinic the patient named before the latest message ("耳鼻喉科是吧 小孩也能看吗"),
    or None; an emergency is never booked."""
    users = [e for e in tracker.events if e.get("event") == "user"][:-1]
    for event in reversed(users[-LOOK_BACK:]):
        text = simplified(str(event.get("text") or ""))
        if not text or text.startswith("/"):
            continue
        for span in reversed(_CLINIC.findall(text)):
            code = common.resolve_department(span)
            if code and code != "emergency":
                return code
    return None


def booking_instead(tracker: Tracker) -> Optional[List[EventType]]:
    """The events that leave the interview for the booking of the clinic the answer names;
    None when the latest message is no such answer or no triage question is open."""
    if (tracker.active_loop or {}).get("name") != TRIAGE_FORM:
        return None
    if tracker.get_slot("requested_slot") not in INTERVIEW_SLOTS:
        return None
    text = common.latest_text(tracker)
    department = department_to_book(text)
    if department is None and points_back(text):
        department = clinic_named_before(tracker)
    if department is None:
        return None
    return [
        *(SlotSet(slot, None) for slot in INTERVIEW_SLOTS),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        SlotSet("department", department),
        FollowupAction(BOOKING_FORM),
    ]
