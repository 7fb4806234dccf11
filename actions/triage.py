"""Self-triage: collect symptoms, duration and age, then ask the hospital's
triage service. Red flags always end in "call 120" - the service decides,
and when it cannot be reached a short local red-flag list still does."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.base import HospitalAction
from actions.corrections import ForgivingFormValidation
from actions.numbers import parse_age
from integrations.hospital import HospitalError

LEVEL_RESPONSES = {
    "emergency": "utter_triage_emergency",
    "urgent": "utter_triage_urgent",
    "routine": "utter_triage_routine",
    "self_care": "utter_triage_self_care",
}
# Used only when the triage service cannot be reached: never stay silent on these.
LOCAL_RED_FLAGS = re.compile(
    r"胸痛|胸口(疼|痛)|心口(窝)?(疼|痛)|喘不(上|过)气|呼吸困难|憋气|说话不清|口齿不清|嘴歪|半边(身子)?(麻|不能动)|"
    r"昏倒|晕倒|昏迷|意识不清|叫不醒|抽搐|抽风|呕血|吐血|大出血|便血很多|自杀|不想活"
)
SEX_WORDS = {"男": "male", "女": "female"}
# "不知道" at the age question is an answer (a relative may not know); the advice goes on without it
DONT_KNOW = re.compile(r"不知道|不清楚|不记得|记不清|不太清楚|说不准|不晓得|唔知")
UNKNOWN_AGE = "unknown"


def triage_text(tracker: Tracker) -> str:
    """Everything the patient typed since this triage began: the message that started it
    (the one before ``action_reset_journey``) and every answer since, so "没发烧", "不咳嗽"
    said at the age question are part of what is assessed. (It used to stop at the latest
    symptom-like message, and "不咳嗽" alone was then assessed: "我还不太清楚您哪里不舒服".)
    Without a journey start in the tracker, the text since the latest symptom report."""
    texts: List[str] = []
    started, fallback = False, None
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_triage":
            break  # the previous assessment: what came before it is another complaint
        if event.get("event") == "action" and event.get("name") == "action_reset_journey":
            started = True
            continue
        if event.get("event") == "user" and event.get("text"):
            if not str(event["text"]).startswith("/"):
                texts.append(str(event["text"]))
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if started:
                break  # the message that started this journey
            if intent == "report_symptom" and fallback is None:
                fallback = len(texts)
    if not started and fallback is not None:
        texts = texts[:fallback]
    return "；".join(reversed(texts))


def sex_of(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    for word, sex in SEX_WORDS.items():
        if word in value:
            return sex
    return None


_SPAN = r"(?:[0-9０-９]+|[一二两三四五六七八九十几半多好来]+)\s*个?多?(?:分钟|钟头|小时|天|周|星期|礼拜|个月|月|年)多?"
STATED_DURATION = re.compile(
    rf"(?P<span>{_SPAN}了|(?<=有){_SPAN}|(?<=已经){_SPAN}|(?<=持续){_SPAN}|"
    r"(?:从)?(?:昨天|前天|今天早上|今天|上周|上个月|去年)[^，。,]{0,2}(?:开始|起))"
)


class ValidateTriageForm(ForgivingFormValidation):
    """Symptoms, duration, age; a red flag skips the remaining questions."""

    def name(self) -> Text:
        return "validate_triage_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        slots = list(domain_slots)
        if tracker.get_slot("symptom") and LOCAL_RED_FLAGS.search(triage_text(tracker)):
            return ["symptom"]  # red flag: no more questions, straight to advice
        return slots

    async def validate_symptom(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(text) < 1 or text.startswith("/"):
            return {"symptom": None}
        return {"symptom": text}

    async def extract_duration(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A duration said with the symptom ("我头疼三天了") when the NLU tagged none, so the
        patient is not asked what they just said. Only clear spans count: a span ending
        in 了 or after 有/已经/持续, or "从…开始" - "宝宝8个月" stays an age."""
        if tracker.get_slot("duration") or tracker.get_slot("requested_slot") == "duration":
            return {}
        found = STATED_DURATION.search(common.latest_text(tracker))
        return {"duration": found.group("span")} if found else {}

    async def validate_duration(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        return {"duration": text or None}

    async def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = common.latest_text(tracker)
        if DONT_KNOW.search(text) or DONT_KNOW.search(str(value or "")):
            return {"age": UNKNOWN_AGE}  # an answer: the assessment goes on without an age
        age = parse_age(str(value or "")) or parse_age(text)
        if age is None:
            # say why it is asked again ("两天" is how long, not how old)
            dispatcher.utter_message(response="utter_invalid_age", age_text=text[:20])
            return {"age": None}
        return {"age": str(age)}


class ActionTriage(HospitalAction):
    def name(self) -> Text:
        return "action_triage"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = triage_text(tracker)
        duration = tracker.get_slot("duration")
        if duration and duration not in text:
            text = f"{text}；持续{duration}"
        age = parse_age(str(tracker.get_slot("age") or ""))
        result = common.backend().triage(text=text, age=age, sex=sex_of(tracker.get_slot("sex")))
        level = result.get("level", "routine")
        departments = [d for d in result.get("departments", []) if d]
        if tracker.get_slot("triage_level") == "emergency" and level != "emergency":
            # an emergency already said in this conversation (here or at the edge)
            # is never talked down by a later, milder description
            level, departments = "emergency", ["emergency", *departments]
        names = "、".join(common.department_name(d) for d in departments[:3]) or "全科医学科"
        dispatcher.utter_message(
            response=LEVEL_RESPONSES.get(level, "utter_triage_routine"),
            departments=names,
            advice=result.get("advice", ""),
        )
        events: List[EventType] = [SlotSet("triage_level", level if level in LEVEL_RESPONSES else None)]
        bookable = [d for d in departments if d != "emergency"]
        if level != "emergency" and bookable:
            dispatcher.utter_message(
                response="utter_triage_offer_booking", department_name=common.department_name(bookable[0])
            )
            events.append(SlotSet("department", bookable[0]))
        return events

    def on_error(self, exc: HospitalError, tracker: Tracker) -> List[EventType]:
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except HospitalError:
            if LOCAL_RED_FLAGS.search(triage_text(tracker)):
                dispatcher.utter_message(response="utter_triage_emergency")
                return [SlotSet("triage_level", "emergency")]
            dispatcher.utter_message(response="utter_triage_unavailable")
            return []
