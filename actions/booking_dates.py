"""Asking for the day of a booking with an example computed from today, and the day said
again at its own list."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clinic_again
from actions.dates import DatePhrase, example_date, parse_date_slot, resolve, today_in_shanghai
from actions.numbers import parse_choice


class ActionAskDate(Action):
    """The booking form's date question (`action_ask_date` wins over `utter_ask_date`)."""

    def name(self) -> Text:
        return "action_ask_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        if clinic_again.asked_this_turn(tracker):  # "还挂产科吗？" after "返回" stands for the day question
            return []
        dispatcher.utter_message(response="utter_ask_date", date_example=example_date(today_in_shanghai()))
        return []


def names_the_listed_day(text: str, date_slot: Optional[str]) -> bool:
    """ "下周一吧" at a list already showing Monday: the patient agrees to the day (F07 had
    offered Monday or Tuesday), which is no wrong answer to the list; a half of the day
    said with it counts only when the list is for that half."""
    if not text or not date_slot or parse_choice(text) is not None:
        return False
    phrase = resolve(text, today_in_shanghai())
    day, period = parse_date_slot(date_slot)
    return phrase is not None and phrase.iso() == day and phrase.period in (None, period)


# "这个礼拜六有没有没有的话下礼拜一也行", "周五不行的话周一": the day to try when the first is full.
_OTHERWISE = re.compile(r"没有的话|没号的话|没了的话|满了的话|约满的话|不行的话|要不然|不然的话|要不|或者|实在不行")


def day_said_otherwise(text: str, first: date, today: Optional[date] = None) -> Optional[DatePhrase]:
    """The other day the patient offered for when ``first`` is full, said after "没有的话",
    "不行的话", "或者"...; None when no other day is said."""
    parts = _OTHERWISE.split(text or "", maxsplit=1)
    if len(parts) < 2:
        return None
    other = resolve(parts[1], today or today_in_shanghai())
    return other if other is not None and other.day != first else None


def first_day_said(text: str, today: Optional[date] = None) -> Optional[DatePhrase]:
    """The day asked for first: "明天或者后天" is tomorrow (the whole text would read 后天,
    the longer word found first), "这个礼拜六有没有没有的话下礼拜一" is Saturday."""
    today = today or today_in_shanghai()
    head = _OTHERWISE.split(text or "", maxsplit=1)[0]
    return resolve(head, today) or resolve(text, today)


# "聽日朝早得唔得", "明天上午行不行", "后天可不可以": a day asked about with an A-not-A question,
# whose 唔/不 the NLU may read as a refusal. Only the question words are taken off; a day
# refused in plain words ("明天不行", "后天唔得") keeps its negation and is no day asked.
_WHETHER = re.compile(
    r"(?:得唔得|得不得|行唔行|行不行|可唔可以|可不可以|中不中|成不成|好唔好|好不好|方唔方便|方不方便|得冇|有冇|有没有)"
    r"[啊呀吖呢嘛吗嗎啦喇咩]?[?？]?"
)
_REFUSED = re.compile(r"唔|不|冇|没|沒|别|別")


def day_asked_whether(text: str, today: Optional[date] = None) -> Optional[DatePhrase]:
    """The day of "聽日朝早得唔得" (is tomorrow morning possible?); None when no such
    question is asked or the rest of the message refuses something."""
    if not text or not _WHETHER.search(text):
        return None
    rest = _WHETHER.sub("", text)
    if _REFUSED.search(rest):
        return None
    return resolve(rest, today or today_in_shanghai())
