"""Self-triage: collect symptoms, duration and age, then ask the hospital's
triage service. Red flags always end in "call 120" - the service decides,
and when it cannot be reached a short local red-flag list still does."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.base import HospitalAction
from actions.corrections import ForgivingFormValidation
from actions.numbers import parse_age
from actions.simplified import simplified
from actions.triage_answers import (
    answer_age,
    asks_for_advice,
    describes_complaint,
    is_bare_age,
    leading_age,
    only_denies,
    says_dont_know,
    stated_age,
    stated_duration,
    without_leading_age,
)
from actions.triage_exits import booking_instead
from integrations.hospital import HospitalError
from shared_rules import PLACEHOLDER_IN_TEXT

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
# "不知道" at the age or duration question is an answer (a relative may not know), and so is
# an answer that gives none after one asking again: the advice goes on without it
UNKNOWN_AGE = UNKNOWN = "unknown"
TRIAGE_SLOTS = ("symptom", "duration", "age")
AGE_ASKED_AGAIN = "没看出是多大年纪"  # utter_invalid_age in bot/domain.yml
# utter_ask_symptom, utter_ask_duration and utter_ask_age in bot/domain.yml
QUESTION_MARKERS = ("您哪里不舒服", "有多长时间了", "看病的人多大年纪")
MAX_QUESTIONS = 3  # a triage nurse's few questions, not a form to fill
# said when the age is left out (a text, as the domain cannot change without retraining): the advice
# is an adult's, and the patient is told so
AGE_LEFT_OUT = "年纪没问清楚，我先按成年人的情况给您建议。"
DETAILS_AFTER_ADVICE = 3  # messages after a triage answer that still add to its complaint
# said when an age is typed at the duration question (texts, as the domain cannot change without retraining)
AGE_KEPT = "好的，年纪记下了（{age}）。"
# said when details added after an answer leave it as it was: the advice is not repeated word for word
SAME_ANSWER = "您补充的情况我都考虑进去了，判断和刚才一样，上面的建议不变。"


def slot_age(value: Any) -> Optional[float]:
    """The age slot in years: "0.7" is eight months (parse_age read its "0", a newborn, and
    C22's eight-month-old with fever was told to call 120), "72岁" and "unknown" as typed."""
    try:
        return float(str(value))
    except (TypeError, ValueError):
        return parse_age(str(value or ""))


def said(event: Dict[str, Any]) -> str:
    """What the patient said in a user event: its text, or for the front door's
    ``/report_symptom{"symptom": ...}`` (a complaint the NLU sent elsewhere) the complaint;
    a button's bare payload says nothing."""
    text = str(event.get("text") or "").strip()
    if not text.startswith("/"):
        return text
    entities = (event.get("parse_data") or {}).get("entities") or []
    return next((str(e.get("value") or "") for e in entities if e.get("entity") == "symptom"), "").strip()


def triage_text(tracker: Tracker) -> str:
    """Everything the patient said since this triage began: the message that started it
    (the one before ``action_reset_journey``) and every answer since, so "没发烧", "不咳嗽"
    said at the age question are part of what is assessed. (It used to stop at the latest
    symptom-like message, and "不咳嗽" alone was then assessed: "我还不太清楚您哪里不舒服".)
    Without a journey start in the tracker, the text since the latest symptom report.

    A bare age ("五十一", "72岁") goes to the engine as the age, not as words ("五十一岁"
    holds "一岁"); a triage started by more details right after an answer ("精神还行，能玩")
    is assessed with the complaint it adds to."""
    age = slot_age(tracker.get_slot("age"))
    texts = (_without_identity(t) for t in _texts(list(tracker.events), len(tracker.events), age))
    return "；".join(t for t in texts if t)


# A phone, an ID number or a code typed at a triage question (the patient thought the errand
# went on): no clinical word. Set 8's J13 typed its phone and code at the duration and age
# questions, and their placeholders carried the learned layer from self-care to emergency on
# "我其实应该看过敏的". The chat edge drops such digits too (services/clinical/triage/edge.py).
_IDENTITY = re.compile(rf"{PLACEHOLDER_IN_TEXT.pattern}|(?<!\d)\d{{6,}}[Xx]?")


def _without_identity(text: str) -> str:
    return _IDENTITY.sub("", text).strip(" ，,;；")


def _texts(events: List[Dict[str, Any]], end: int, age: Optional[float]) -> List[str]:
    texts: List[str] = []
    started, fallback = False, None
    for index in range(end - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") == "action_triage":
            break  # the previous assessment: what came before it is another complaint
        if event.get("event") == "action" and event.get("name") == "action_reset_journey":
            started = True
            continue
        if event.get("event") == "user":
            text = said(event)
            if text and not (age is not None and is_bare_age(text) and parse_age(text) == age):
                texts.append(_months_age_dropped(text, age))
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if started:  # the message that started this journey
                before = follows_an_answer(events, index)
                if before is None:
                    return list(reversed(texts))
                between = [said(e) for e in events[before + 1 : index] if e.get("event") == "user"]
                kept = [t for t in between if t and not (age is not None and is_bare_age(t) and parse_age(t) == age)]
                return [*_texts(events, before, age), *kept, *reversed(texts)]
            if intent == "report_symptom" and fallback is None:
                fallback = len(texts)
    if not started and fallback is not None:
        texts = texts[:fallback]
    return list(reversed(texts))


def _months_age_dropped(text: str, age: Optional[float]) -> str:
    """ "8个月 没发烧 吃奶正常" given with the age 8 months goes to the engine as "没发烧 吃奶正常":
    the engine would read the months as how long it has lasted, and a rash of eight months is
    no self-care (set 13's W19)."""
    if age is not None and leading_age(text) == age:
        return without_leading_age(text)  # "20 已经摘了" given with the age 20 (set 18's P40)
    found = _MONTHS_FIRST.match(simplified(text)) if age is not None else None
    if found is None or parse_age(found.group("months")) != age:
        return text
    return simplified(text)[found.end("months") :].strip(" ，,。；;")


def follows_an_answer(events: List[Dict[str, Any]], index: int) -> Optional[int]:
    """The index of the triage answer (``action_triage``) that the user message at ``index``
    follows with no other journey between, else None: "精神还行，能玩", "没抽过" and "尿也正常"
    said after the advice, whatever the bot made of each, add to the complaint just assessed;
    only within a few messages (a complaint much later may be someone else's)."""
    messages = 0
    for back in range(index - 1, -1, -1):
        event = events[back]
        if event.get("event") == "action" and event.get("name") == "action_triage":
            return back
        if event.get("event") == "user":
            messages += 1
            if messages > DETAILS_AFTER_ADVICE:
                return None
        if event.get("event") == "action" and event.get("name") == "action_reset_journey":
            return None
        if event.get("event") == "active_loop" and event.get("name"):
            return None
    return None


def continues_a_triage(tracker: Tracker) -> bool:
    """The latest message reports more right after a triage answer: the journey it
    starts keeps the complaint, how long and the age (actions/general.py)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    events = list(tracker.events)
    latest = next((i for i in range(len(events) - 1, -1, -1) if events[i].get("event") == "user"), None)
    return intent == "report_symptom" and latest is not None and follows_an_answer(events, latest) is not None


def _latest_said(tracker: Tracker) -> str:
    return said({"text": common.latest_text(tracker), "parse_data": tracker.latest_message or {}})


def sex_of(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    for word, sex in SEX_WORDS.items():
        if word in value:
            return sex
    return None


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

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """ "需要去医院吗", "那俺该挂啥科" asked instead of an answer: the questions still open
        are answered "不知道" and the advice comes now (it used to be an FAQ answer or a
        journey switch, and the interview then asked again, never to reach a level)."""
        booking = booking_instead(tracker)  # "骨科嘛 是不是看骨科哦" at a question: that clinic is booked
        if booking is not None:
            return booking
        requested = tracker.get_slot("requested_slot")
        if requested in TRIAGE_SLOTS and tracker.get_slot("symptom") and asks_for_advice(_latest_said(tracker)):
            return self._rest_unknown(tracker)
        return list(await super().run(dispatcher, tracker, domain))

    @staticmethod
    def _rest_unknown(tracker: Tracker) -> List[EventType]:
        events: List[EventType] = []
        if not tracker.get_slot("duration"):
            events.append(SlotSet("duration", stated_duration(triage_text(tracker)) or UNKNOWN))
        if not tracker.get_slot("age"):
            age = stated_age(triage_text(tracker))
            events.append(SlotSet("age", UNKNOWN if age is None else str(age)))
        return [*events, SlotSet("requested_slot", None)]

    async def extract_symptom(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The message that started the journey is the complaint when it says one, even with
        no symptom the NLU tags ("大腿酸得下楼梯都难受😂", or replayed after the consent
        question): "您哪里不舒服？" is asked only when it says nothing ("我想自诊")."""
        if tracker.get_slot("symptom") or tracker.get_slot("requested_slot"):
            return {}
        said_first = triage_text(tracker)
        return {"symptom": said_first} if describes_complaint(said_first) else {}

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
        """A duration said along the way ("我头疼三天了", "得有俩月了", "最近两个月") when the
        NLU tagged none, so the patient is not asked what they just said. Only clear spans
        count (actions/triage_answers.py): "宝宝8个月" stays an age."""
        if tracker.get_slot("duration"):
            return {}
        if tracker.get_slot("requested_slot") == "duration":
            return {"duration": _latest_said(tracker)} if _misread_answer(tracker) else {}
        found = stated_duration(triage_text(tracker) or _latest_said(tracker))
        return {"duration": found} if found else {}

    async def extract_age(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An age said with the complaint ("我屋里崽崽三岁，烧了三天了") when the NLU tagged
        none, so the parent is not asked what they just said (set 5's G23 was, and the answer
        to that question was then read as a cancellation). At the age question itself, an
        answer the NLU took for another errand is still the answer (``_misread_answer``)."""
        if tracker.get_slot("age"):
            return {}
        if tracker.get_slot("requested_slot") == "age":
            return {"age": _latest_said(tracker)} if _misread_answer(tracker) else {}
        if not tracker.get_slot("symptom") and not describes_complaint(triage_text(tracker)):
            return {}
        found = stated_age(triage_text(tracker) or _latest_said(tracker))
        return {"age": str(found)} if found is not None else {}

    async def validate_duration(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Any answer is taken: "不知道" as unknown, an age as the age, anything else is
        assessed with the rest."""
        text = _answer(value, tracker)
        if text and says_dont_know(text) and not stated_duration(text):
            return {"duration": UNKNOWN}
        age = age_instead_of_duration(text) or months_old_at_duration(
            text, triage_text(tracker), tracker.get_slot("age")
        )
        if age is not None:
            # "5岁" at "有多长时间了": the age, not five years of a mosquito bite (set 12's S27 was
            # assessed as "持续5岁" and sent to the clinic), whether or not the NLU also tagged it as
            # the age. How long is asked once more, saying the age was kept, unless the
            # interview's questions are used up.
            if _questions_asked(tracker) + 1 >= MAX_QUESTIONS:
                return {"duration": UNKNOWN, "age": str(age)}
            dispatcher.utter_message(text=AGE_KEPT.format(age=age_words(age)))
            return {"duration": None, "age": str(age)}
        return {"duration": text or None}

    async def validate_age(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """An age; else one said with the complaint ("宝宝一岁半"); else asked once more,
        saying why, and after that the assessment goes on without one."""
        asked_now = tracker.get_slot("requested_slot") == "age"
        text = _latest_said(tracker) if asked_now else ""
        if value == UNKNOWN_AGE:  # kept from the interview just answered
            return {"age": UNKNOWN_AGE}
        value = _answer(value, tracker) if value not in (None, "") else ""
        if says_dont_know(text) or says_dont_know(value):
            return {"age": UNKNOWN_AGE}  # an answer: the assessment goes on without an age
        age = answer_age(value) or answer_age(text) or stated_age(triage_text(tracker))
        if age is not None:
            return {"age": str(age)}
        if not asked_now:  # set or cleared by a journey's start (G19 heard "“”我没看出是多大年纪")
            return {"age": None}
        if _asked_age_again(tracker) or _questions_asked(tracker) + 1 >= MAX_QUESTIONS:
            # at most three questions, the asking again counted: the level comes now, with
            # the adult default (set 6's H17 asked how long, how old and how old again, and its
            # patient, who had said all there was to say, never heard a level)
            dispatcher.utter_message(text=AGE_LEFT_OUT)
            return {"age": UNKNOWN_AGE}
        # say why it is asked again ("两天" is how long, not how old)
        dispatcher.utter_message(response="utter_invalid_age", age_text=text[:20])
        return {"age": None}


# Readings the NLU gives an interview answer it does not know ("狗有没有打针我毋知", "吃了
# 退烧药能退下来，退了就蛮有精神" read as a cancellation): at a question of the interview they
# are the answer, unless the words ask for that errand plainly (ERRAND_WORDS).
# A drug mentioned in an answer ("阮无吃抗凝血的药", set 10's L38 at the age question) was read
# as a refill request and the cut finger's triage became a refill: an answer too, unless it
# asks for drugs plainly ("续个方", "再开点药", "药快吃完了").
MISREAD_INTENTS = frozenset(
    {
        "out_of_scope",
        "nlu_fallback",
        "cancel_appointment",
        "query_appointment",
        "reschedule_appointment",
        "pay",
        "request_refill",
    }
)
ERRAND_WORDS = re.compile(
    r"取消|退号|退掉|预约|挂号|改约|改时间|报告|结果|化验单|续方|开药|人工|客服|缴费|支付|付款|退款|退钱|菜单|主菜单"
    r"|续(?:个|一下|开|药|点)|再开|开(?:点|些|一点|几盒)|(?:快|要)?(?:吃|用)完了|药(?:快)?没了"
)


def age_instead_of_duration(text: str) -> Optional[float]:
    """The age an answer to the duration question gives instead ("5岁", "孩子8个月", "今年七十"),
    or None: "3个月" and "两年了" stay durations."""
    if not text or stated_duration(text):
        return None
    return stated_age(text)


# "8个月 没发烧 吃奶正常" at "有多长时间了" about a baby (set 13's W19): months said first and then
# how the baby is, not how long. "3个月" alone, "3个月了", "3个月 时好时坏" stay durations.
_MONTHS_FIRST = re.compile(
    r"^\s*(?P<months>(?:[0-9]{1,2}|[一二两三四五六七八九十]{1,3})\s*个?月)(?!了|前|左右|多了|以前|之前)[\s，,。；;]+\S"
)
_COURSE_WORDS = re.compile(r"了|时好时坏|反复|越来越|一直|断断续续|开始|起|持续|老是|总是|好几")
_ABOUT_A_BABY = re.compile(r"宝宝|宝贝|婴儿|娃|孩子|小孩|儿子|女儿|闺女|孙子|孙女|月子|吃奶|喂奶|尿布|尿不湿|红屁股")


def months_old_at_duration(text: str, complaint: str, known_age: Any) -> Optional[float]:
    """A baby's age in months said first in an answer to the duration question, with how the
    baby is after it ("8个月 没发烧 吃奶正常"), or None. Only when the complaint is about a
    baby, no age is known yet, the months are two years or fewer, and nothing in the answer
    speaks of a course (了, 反复, 一直 ...): then the months are how long it has lasted."""
    said = simplified(text or "")
    found = _MONTHS_FIRST.match(said)
    if found is None or slot_age(known_age) is not None or not _ABOUT_A_BABY.search(simplified(complaint or "")):
        return None
    if _COURSE_WORDS.search(said[found.end("months") :]):
        return None
    age = parse_age(found.group("months"))
    return age if age is not None and 0 < age <= 2 else None


def age_words(age: float) -> str:
    """5.0 -> "5岁", 0.5 -> "6个月"."""
    return f"{round(age * 12)}个月" if age < 1 else f"{age:g}岁"


def _misread_answer(tracker: Tracker) -> bool:
    """The latest message answers the interview's question though the NLU read it as
    another errand or nothing it knows (the form would be rejected and the patient
    shown the menu or another journey)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    text = simplified(_latest_said(tracker))
    return intent in MISREAD_INTENTS and bool(text) and not text.startswith("/") and not ERRAND_WORDS.search(text)


def _answer(value: Any, tracker: Tracker) -> str:
    """The answer as said: the front door's ``/report_symptom{...}`` (sent when the NLU took
    the answer for something else) stands for the words in it, never for itself."""
    text = str(value or "").strip()
    return _latest_said(tracker) if text.startswith("/") else text


def _questions_asked(tracker: Tracker) -> int:
    """How many of the interview's questions this triage has asked so far."""
    asked = 0
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in ("action_reset_journey", "action_triage"):
            break
        if event.get("event") == "bot" and any(m in str(event.get("text") or "") for m in QUESTION_MARKERS):
            asked += 1
    return asked


def _asked_age_again(tracker: Tracker) -> bool:
    """Whether this triage already said "…我没看出是多大年纪" once."""
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in ("action_reset_journey", "action_triage"):
            return False
        if event.get("event") == "bot" and AGE_ASKED_AGAIN in str(event.get("text") or ""):
            return True
    return False


LEVEL_RANK = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}


def _denials_only_since_answer(tracker: Tracker, level: str) -> Optional[List[str]]:
    """The messages said since this complaint's last answer, when each only denies signs or
    says the patient is well and the new ``level`` is higher than that answer's but no
    emergency; else None (the new assessment stands)."""
    if level not in LEVEL_RANK or level == "emergency":
        return None
    events = list(tracker.events)
    added: List[str] = []
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "user":
            text = said(event)
            if text:
                added.append(text)
        if event.get("event") == "action" and event.get("name") == "action_triage":
            before = next(
                (
                    e.get("value")
                    for e in events[index + 1 :]
                    if e.get("event") == "slot" and e.get("name") == "triage_level" and e.get("value")
                ),
                None,
            )
            if before not in LEVEL_RANK or LEVEL_RANK[level] <= LEVEL_RANK[str(before)]:
                return None
            return added if added and all(only_denies(t) for t in added) else None
        if len(added) > DETAILS_AFTER_ADVICE:
            return None
    return None


def _previous_answer(tracker: Tracker) -> Optional[Tuple[Optional[str], Optional[str]]]:
    """(level, department offered) of the triage answer the latest message adds details to
    (``follows_an_answer``), or None when it follows none."""
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    answer = follows_an_answer(events, users[-1]) if users else None
    if answer is None:
        return None
    level: Optional[str] = None
    department: Optional[str] = None
    for event in events[answer + 1 : users[-1]]:
        if event.get("event") == "slot" and event.get("name") == "triage_level":
            level = event.get("value")
        if event.get("event") == "slot" and event.get("name") == "department":
            department = event.get("value")
    return level, department


class ActionTriage(HospitalAction):
    def name(self) -> Text:
        return "action_triage"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = triage_text(tracker)
        duration = tracker.get_slot("duration")
        if duration and duration != UNKNOWN and duration not in text:
            text = f"{text}；持续{duration}"
        age = slot_age(tracker.get_slot("age"))
        sex = sex_of(tracker.get_slot("sex"))
        result = common.backend().triage(text=text, age=age, sex=sex)
        level = result.get("level", "routine")
        earlier = _denials_only_since_answer(tracker, level)
        if earlier is not None:
            # only denials added since the last answer ("不发烧 没流脓 嘴唇眼睛都不肿 精神挺好", set 9's
            # K13 was raised from self-care to routine by them): they add no risk, so the answer
            # on the complaint without them stands. An emergency is never held back so.
            kept = [part for part in text.split("；") if part not in earlier]
            result = common.backend().triage(text="；".join(kept), age=age, sex=sex)
            level = result.get("level", "routine")
        departments = [d for d in result.get("departments", []) if d]
        if tracker.get_slot("triage_level") == "emergency" and level != "emergency":
            # an emergency already said in this conversation (here or at the edge)
            # is never talked down by a later, milder description
            level, departments = "emergency", ["emergency", *departments]
        names = "、".join(common.department_name(d) for d in departments[:3]) or "全科医学科"
        bookable = [d for d in departments if d != "emergency"]
        if _previous_answer(tracker) == (level, bookable[0] if bookable else None) and level != "emergency":
            # details added after an answer that leave it as it was ("不发烧 精神好得很 吃饭也正常"):
            # the patient hears they were weighed, not the same paragraph again (set 12's S27)
            dispatcher.utter_message(text=SAME_ANSWER)
        else:
            dispatcher.utter_message(
                response=LEVEL_RESPONSES.get(level, "utter_triage_routine"),
                departments=names,
                advice=result.get("advice", ""),
            )
        events: List[EventType] = [SlotSet("triage_level", level if level in LEVEL_RESPONSES else None)]
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
