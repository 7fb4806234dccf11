"""An appointment described at the phone question of the appointment forms.

Set 14's X11 wanted to cancel and, asked for the phone, answered "明天上午那个心内科的": the
question came back with no word why. The appointment can only be found through the phone it
was booked with, so the patient hears that once - the description is answered, not ignored -
and the phone question follows; asked again, the question alone comes back.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.dates import resolve, today_in_shanghai
from actions.simplified import simplified

PHONE_FIRST_TEXT = "要先用挂号时登记的手机号把您的预约找出来，找到后再选您说的那个。"
# "那个心内科的", "上周挂的号", "约的是眼科", "周三那个预约": words about the appointment itself.
_ABOUT_IT = re.compile(r"那个|那一个|预约|挂的|约的|挂了|约了|的号|医生的|大夫的|[上下]午")


def describes_appointment(text: str) -> bool:
    """The message names the appointment (a day, a clinic, "那个…的") rather than a phone."""
    said = simplified(text or "").strip()
    if not said or re.search(r"\d{5,}", said):
        return False
    if _ABOUT_IT.search(said):
        return True
    return common.resolve_department(said) is not None or resolve(said, today_in_shanghai()) is not None


def said_before(tracker: Tracker) -> bool:
    """Whether the patient heard it already in this conversation."""
    return any(e.get("event") == "bot" and e.get("text") == PHONE_FIRST_TEXT for e in tracker.events)


def explain_phone_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Says why the phone comes first, once, when the answer describes the appointment."""
    if not describes_appointment(common.latest_text(tracker)) or said_before(tracker):
        return False
    dispatcher.utter_message(text=PHONE_FIRST_TEXT)
    return True
