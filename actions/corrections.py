"""Forms forgive: "返回 / 上一步 / 不对 / 改一下" and explicit corrections.

Inside a form the patient may undo the last answer ("上一步" at the ID
question asks the name again), name the answer to change ("身份证号写错了",
"改一下日期"), or say the right value ("是李敏不是李明", "名字打错了，是李敏").
The NLU reads such a message as ``go_back``; no slot mapping takes it as an
answer, so the form's validation action sees it here before any validator,
clears (or sets) the slot meant and lets the form ask again.
"""

from __future__ import annotations

import abc
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from integrations.hospital.http import account_reads_remembered

GO_BACK_INTENT = "go_back"
# Words that name a slot ("身份证号写错了"): the first slot whose words appear is changed.
SLOT_WORDS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("patient_name", ("名字", "姓名", "名")),
    ("id_number", ("身份证", "证件号")),
    ("phone", ("手机", "电话", "号码")),
    ("date", ("日期", "日子", "哪天", "哪一天", "时间", "那天")),
    ("department", ("科室", "挂错科", "换个科", "换科")),
    ("slot_id", ("医生", "时段", "号源")),
    ("symptom", ("症状", "哪里不舒服")),
    ("duration", ("多久", "多长时间", "几天")),
    ("age", ("年龄", "岁数", "多大")),
)
_CN_NAME = r"[\u4e00-\u9fff·]{2,5}"
# "是李敏不是李明", "是李敏，不是李明", "不是李明是李敏", "名字打错了，是李敏", "应该是李敏"
_NAME_FIXES = (
    re.compile(rf"(?:应该)?是(?P<new>{_CN_NAME}?)[，,、\s]*(?:而)?不是{_CN_NAME}"),
    re.compile(rf"不是{_CN_NAME}?[，,、\s]*(?:而)?(?:应该)?是(?P<new>{_CN_NAME})"),
    re.compile(rf"(?:名字|姓名)[^，,。]*?(?:错了|不对)[，,。\s]*(?:应该)?(?:是|叫|改成|改为)(?P<new>{_CN_NAME})"),
    re.compile(rf"(?:名字|姓名)(?:改成|改为|应该是|是)(?P<new>{_CN_NAME})"),
)
_NOISE = re.compile(r"[了啊呀吧的。.!！]+$")
# "打错了 是吴昊然 日天昊", "写错字了，应该叫吴昊然", "不对不对 吴昊然才对": a slip owned up to,
# then a name (checked as a name: a surname first, no time, no request) and maybe its spelling.
_SLIP_THEN_NAME = re.compile(
    r"(?:(?:打错|写错|输错|弄错|搞错|敲错|错了|不对)[字了啦咯喽哒]*[，,。.!！\s]*)+[，,。.!！\s]*"
    r"(?:应该|其实)?(?:是|叫|改成|改为)?\s*(?!不|错)(?P<new>[\u4e00-\u9fff·]{2,4})(?:才对|就对了)?(?=$|[\s，,。.!！])"
)


def corrected_name(text: str) -> Optional[str]:
    """The right name in "是李敏不是李明" / "名字打错了，是李敏" / "打错了 是李敏 敏捷的敏", if
    the message says one."""
    for pattern in _NAME_FIXES:
        found = pattern.search(text)
        if found:
            name = _NOISE.sub("", found.group("new"))
            if 2 <= len(name) <= 5:
                return name
    from actions.patient_names import name_in  # patient_names reads dates; loaded on use
    from actions.simplified import simplified

    for found in _SLIP_THEN_NAME.finditer(simplified(text or "")):
        name = re.sub(r"(?:才对|就对了)$", "", found.group("new"))
        if name_in(name) == name and common.resolve_department(name) is None:
            return text[found.start("new") : found.start("new") + len(name)]
    return None


def named_slot(text: str, candidates: List[str]) -> Optional[str]:
    for slot, words in SLOT_WORDS:
        if slot in candidates and any(word in text for word in words):
            return slot
    return None


def undo_events(text: str, requested: Optional[str], required: List[str], slots: Dict[str, Any]) -> List[EventType]:
    """What going back means here: the slot named, or else the answer before the one asked.

    Returns the slot events and the next slot to request (always a SlotSet that is
    not requested_slot, so the form goes on instead of rejecting the turn)."""
    events = _changes(text, requested, required, slots)
    after = {**slots, **{e["name"]: e["value"] for e in events}}
    ask = next((s for s in required if after.get(s) in (None, "")), None)
    return [*events, SlotSet("requested_slot", ask)] if events else []


def _changes(text: str, requested: Optional[str], required: List[str], slots: Dict[str, Any]) -> List[EventType]:
    filled = [s for s in required if slots.get(s) not in (None, "")]
    name = corrected_name(text)
    if name and "patient_name" in required:
        events: List[EventType] = [SlotSet("patient_name", name)]
        if requested and requested != "patient_name":
            events.append(SlotSet(requested, None))
        return events
    target = named_slot(text, required)
    if target is None:
        before = required[: required.index(requested)] if requested in required else required
        answered = [s for s in before if s in filled]
        target = answered[-1] if answered else (requested or (required[0] if required else None))
    if target is None:
        return []
    events = [SlotSet(target, None)]
    # what was asked after the slot being changed depended on it: ask it again too
    later = required[required.index(target) + 1 :] if target in required else []
    if requested in later:
        events.append(SlotSet(requested, None))
    if target == "date" and "slot_id" in required:
        events.append(SlotSet("slot_id", None))
    return events


class ForgivingFormValidation(FormValidationAction, abc.ABC):
    """A form validation that understands going back before validating anything."""

    @abc.abstractmethod
    def name(self) -> Text: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        with account_reads_remembered():  # required_slots asks the account's patients 3-5 times a run
            return await self._run(dispatcher, tracker, domain)

    async def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        requested = tracker.get_slot("requested_slot")
        if intent != GO_BACK_INTENT or not tracker.active_loop.get("name"):
            return list(await super().run(dispatcher, tracker, domain))
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        slots = {s: tracker.get_slot(s) for s in required}
        events = undo_events(common.latest_text(tracker), requested, required, slots)
        fixed_name = next((e["value"] for e in events if e.get("name") == "patient_name" and e.get("value")), None)
        own = None if fixed_name else self.went_back(dispatcher, tracker, events)
        if own is not None:  # the form asked its own question about where going back led
            return own
        line = None if fixed_name else self.went_back_line(tracker, events)
        if fixed_name:
            dispatcher.utter_message(response="utter_name_corrected", patient_name=fixed_name)
        elif line:
            dispatcher.utter_message(text=line)
        else:
            dispatcher.utter_message(response="utter_go_back")
        return events

    def went_back(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: List[EventType]
    ) -> Optional[List[EventType]]:
        """A form's own way of going back, its question said, as the events to go on with
        ("还挂产科吗？" keeps the clinic at the day question); None for the undo above."""
        return None

    def went_back_line(self, tracker: Tracker, events: List[EventType]) -> Optional[str]:
        """A form's own words for what going back changed ("好的，改成产科。"); None for
        the plain "好的，我们改一下。"."""
        return None
