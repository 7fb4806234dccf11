"""Will my employer (family, anyone) know I booked? - asked in the middle of a booking.

Set 11's M49 (tuning material) asked "will the unit know about this booking record?" at the
booking's day question before a psychology visit. The NLU read "挂号记录" as a look at the
appointments, so the bot asked for the phone of appointments the patient never had, and the
booking was lost. Such a question is answered (the hospital keeps patients' records private:
民法典 art. 1226, 医师法 art. 23; the wording is the facts file's ``privacy_answer``) and the
booking's question is asked again. Only at the booking form's day or list question, and only
words that ask whether others will know.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions import common
from actions.simplified import simplified

BOOKING_FORM = "booking_form"
_OTHERS = re.compile(r"单位|公司|老板|领导|同事|学校|老师|家里人|家人|爸妈|父母|老公|老婆|别人|外人")
_KNOW = re.compile(r"知道|看到|看见|查到|发现|通知|告诉|泄露|留记录|有记录|保密|隐私")


def asks_who_will_know(text: str) -> bool:
    """ "这个挂号记录会被单位知道吗", "看心理科 家里人会知道吗", "会不会泄露隐私"."""
    said = simplified(text or "")
    return bool(_KNOW.search(said)) and (bool(_OTHERS.search(said)) or "隐私" in said or "保密" in said)


def privacy_asked_while_booking(tracker: Tracker) -> bool:
    """That question, at the booking's day or list question (whatever the NLU read)."""
    if (tracker.active_loop or {}).get("name") != BOOKING_FORM:
        return False
    if tracker.get_slot("requested_slot") not in ("date", "slot_id"):
        return False
    return asks_who_will_know(common.latest_text(tracker))
