"""A triage question answered with the clinic to book: the interview stops, the booking starts.

Patients who came to book often describe the trouble first ("我想挂个号 膝盖痛了好久了"), and
the interview then asks how long and how old. When the answer to one of its questions names the
clinic they want ("骨科嘛 是不是看骨科哦", "口腔科啦 就是牙疼", "那挂产科 明天早上可以吗"), a
nurse would stop asking and book it; the bot took the words as the duration or the age, and
the patient ended at advice with no booking (blind set 11's bookings). Only clear words count,
as at the journey's start (actions/journey_words.py): a booking verb with a department, or the
department said first; "上次看过骨科" stays an answer. The booking form then reads the day and
half of the day said in the same message.
"""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet

from actions import common
from actions.journey_words import BOOKING_FORM, other_errand

TRIAGE_FORM = "triage_form"
INTERVIEW_SLOTS = ("symptom", "duration", "age")


def department_to_book(text: str) -> Optional[str]:
    """The department a message asks to book, or None (an emergency is never booked)."""
    if not text or text.startswith("/"):
        return None
    errand = other_errand(text, common.resolve_department)
    if errand is None or errand[0] != BOOKING_FORM or errand[1] in (None, "emergency"):
        return None
    return errand[1]


def booking_instead(tracker: Tracker) -> Optional[List[EventType]]:
    """The events that leave the interview for the booking of the clinic the answer names;
    None when the latest message is no such answer or no triage question is open."""
    if (tracker.active_loop or {}).get("name") != TRIAGE_FORM:
        return None
    if tracker.get_slot("requested_slot") not in INTERVIEW_SLOTS:
        return None
    department = department_to_book(common.latest_text(tracker))
    if department is None:
        return None
    return [
        *(SlotSet(slot, None) for slot in INTERVIEW_SLOTS),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        SlotSet("department", department),
        FollowupAction(BOOKING_FORM),
    ]
