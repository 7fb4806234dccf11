"""A clinic corrected at a later booking question.

Set 14's X14 asked for 妇科 and, at the day question, said "不对不对 是产科 怀孕12周了"; the NLU
did not read it as going back, so the day was asked again and the wrong clinic kept. A clerk
hears the slip, changes the clinic and goes on: "好的，改成产科。" and the day question (the
day and place chosen for the old clinic are dropped). Only a slip owned up to (不对, 不是,
错了, 改成 ...) with a clinic named (…科, …门诊) changes it; a clinic named alone at the day
question is left to the form, and the go-back intent keeps its own path
(booking_answers.new_value_said).
"""

from __future__ import annotations

import re
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.base import previous_value
from actions.corrections import GO_BACK_INTENT
from actions.simplified import simplified

CLINIC_CHANGED_TEXT = "好的，改成{department}。"
# The slip owned up to, or the change asked: "不对不对", "不是妇科", "挂错了", "改成", "应该是".
_SLIP = re.compile(r"不对|不是|错了|搞错|弄错|说错|挂错|打错|改成|换成|改挂|换到|改到|改为|应该是|应该挂|其实是")
# The words after the slip that name a clinic: "是产科", "挂口腔科", "儿童保健门诊".
_CLINIC = re.compile(r"[\u4e00-\u9fff]{1,6}(?:科|门诊)")
_NOT_THIS = re.compile(r"(?:不是|不要|不挂|不看|别挂)[\u4e00-\u9fff]{0,6}?(?:科|门诊)")
ASKED_AFTER_CLINIC = ("date", "slot_id")


def corrected_clinic(tracker: Tracker) -> Optional[str]:
    """The department a correction at the day or list question names, when it differs from
    the one being booked; None otherwise."""
    if tracker.active_loop.get("name") != "booking_form":
        return None
    if tracker.get_slot("requested_slot") not in ASKED_AFTER_CLINIC:
        return None
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent == GO_BACK_INTENT:
        return None
    text = simplified(common.latest_text(tracker) or "")
    if not _SLIP.search(text):
        return None
    # "不是妇科 是产科": the clinic taken back is no wish; the slip words part the rest
    rest = _SLIP.sub(" ", _NOT_THIS.sub(" ", text))
    booked = clinic_before(tracker)
    for said in reversed(list(_CLINIC.finditer(rest))):  # the one said last is meant
        department = common.resolve_department(said.group(0).lstrip("是挂看要去"))
        if department and department not in ("emergency", booked):
            return department
    return None


def clinic_before(tracker: Tracker) -> Optional[str]:
    """The clinic being booked before the patient's latest message. The NLU's tag has
    already filled the slot with the new one ("不对不对 是产科 怀孕12周了" tags 产科, and the
    slot mapping takes it whatever the intent), so the slot alone would hide the change."""
    return previous_value(tracker, "department") or tracker.get_slot("department")


def change_clinic(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The events that book the corrected clinic instead, said to the patient; [] when the
    message corrects no clinic."""
    department = corrected_clinic(tracker)
    if department is None:
        return []
    dispatcher.utter_message(text=CLINIC_CHANGED_TEXT.format(department=common.department_name(department)))
    return [
        *(SlotSet(slot, None) for slot in tracker.slots_to_validate() if slot != "department"),
        SlotSet("department", department),
        SlotSet("date", None),
        SlotSet("slot_id", None),
        SlotSet("slot_list_view", None),
        SlotSet("offered_choices", None),
    ]
