"""A place taken for the patient at the slot list, and said aloud.

Patients at a list often do not tap a place: they say what they want ("上午的就行 哪个大夫都中",
"就要主任 别个不要", "上午那个") or go straight on with their name, ID number or phone, as if
the place were chosen (set 4's F07, set 5's G07, set 6's H03 and H13 typed every detail and the
SMS code at a list shown again and again, and booked nothing). A counter clerk takes the
first place that fits what was said and tells them which; so does the bot, with how to change
it ("上一步"), and nothing is written before the read-back is confirmed.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import booking_wishes, common, slot_lists
from actions.simplified import simplified
from actions.typed_choices import offered_slots
from integrations.hospital import HospitalError
from integrations.hospital.base import Slot

PLACE_TAKEN = "utter_place_taken"
# Said when the model's domain predates the response (the words are the domain's).
PLACE_TAKEN_TEXT = "号先给您选了：{place}。想换一个，回复“上一步”就行。"


# Words that take what was just wished as the choice: "上午那个", "上午的就行", "就要主任",
# "别个不要", "下午的吧"; asked as a question ("有没有下午的") they only narrow the list.
_TAKES = re.compile(
    r"那个|那一个|那位|的就行|就行|就好|就可以|就成|都中|都行|都可以|都成|就要|就这|别[个的]不要|其他不要|的吧$"
)


def takes_the_wish(text: str) -> bool:
    """A wish said as the choice ("上午的就行 哪个大夫都中"), not as a question."""
    said = simplified(text or "")
    if slot_lists.is_question(said):
        return False
    return bool(_TAKES.search(said)) or booking_wishes.wants_anything(said)


def slot_title(slot: Slot, with_day: bool = False) -> str:
    """ "郭立新 主治医师 上午08:00 15元 余4"; a place of another day says its day first."""
    start = common.start_text(str(slot.get("start", "")))
    when = start if with_day else start[-7:]
    fee = common.yuan(slot.get("fee_fen"))
    return f"{common.doctor_label(slot.get('doctor'))} {when} {fee}元 余{slot.get('remaining')}"


def place_text(tracker: Tracker, offered: List[str], picked: str) -> Optional[str]:
    """The place's doctor, day and time, or None when the hospital cannot be asked."""
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    if not department or not date_slot:
        return None
    try:
        slots = offered_slots(department, date_slot, offered)
    except HospitalError:
        return None
    slot = next((s for s in slots if str(s["id"]) == picked), None)
    return slot_title(slot, with_day=True) if slot is not None else None


def say_place_taken(
    dispatcher: CollectingDispatcher, tracker: Tracker, offered: List[str], picked: str, domain: Dict[str, Any]
) -> None:
    """ "号先给您选了：…。想换一个，回复“上一步”就行。" """
    place = place_text(tracker, offered, picked)
    if place is None:
        return
    if PLACE_TAKEN in ((domain or {}).get("responses") or {}):
        dispatcher.utter_message(response=PLACE_TAKEN, place=place)
    else:
        dispatcher.utter_message(text=PLACE_TAKEN_TEXT.format(place=place))
