"""Are there places? - asked at the booking's day question.

Set 14's X28 (tuning material): at "想约哪一天？" for 消化内科 a patient asked "啥时候有号啊？
明儿个有没". The NLU read the 有没 as a look at the patient's own appointments
(query_appointment); no slot mapping took the words, the form gave the turn up, and the
appointment look-up asked for the phone of appointments never made, every later answer
("下午吧", "2") going to the look-up. A clerk hears a question about open places as the
day's answer: the day said ("明儿个有没", "後天還有號沒", "下礼拜一有没有号") is looked at,
and with no day ("啥时候有号", "还有号没") the first day that has places is. A doctor's title
asked with no day ("有专家号吗") is a wish kept for the list; the day is asked again.

Words about one's own appointments ("我想查一下我明天的预约", "我约的号") are no such
question: they keep the look-up.
"""

from __future__ import annotations

import re
from typing import Optional

from rasa_sdk import Tracker

from actions import booking_wishes, common
from actions.simplified import simplified

BOOKING_FORM = "booking_form"
_PLACE = r"(?:号|位置|空位|位子|名额|余号|号源|空号|位(?=[啊吗呀嘛没冇不?？\s]|$))"
# "有号吗", "有没有号", "有冇位", "还有号没", "号还有吗", "啥时候有号", "明儿个有没", "挂得上吗".
_ASKS = re.compile(
    rf"有(?:没有|没|冇|无|木有|莫得)?[^，,。\s挂约点想要]{{0,4}}?{_PLACE}"
    rf"|{_PLACE}(?:还|都)?(?:有|剩)(?:没有|没|冇|吗|么|嘛|不|伐|无)"
    r"|(?:啥|什么|哪|几)(?:时候|时|天|日|号)(?:能|才|会)?有"
    r"|有(?:没有|没|冇|无|木有)(?=$|[\s，,。.!！?？啊呀哇哦嘞撒])"
    r"|还有(?:吗|么|嘛|没|不|伐|冇)"
    r"|(?:挂|约|抢)(?:得|的)(?:上|到|着)|(?:能|可以)(?:挂|约)(?:上|到|着)"
)
# One's own appointments: "我的预约", "我约的号", "查一下我明天的预约", "预约记录".
_OWN = re.compile(r"我(?:的|们的)?(?:预约|号)|我(?:约|挂|预约)(?:的|了|过)|查.{0,8}预约|预约(?:记录|信息|情况)")


def asks_for_places(text: str) -> bool:
    """ "啥时候有号啊？明儿个有没", "後天還有號沒", "有专家号吗": a question about open places,
    not about the patient's own appointments."""
    said = re.sub(r"\s+", " ", simplified(text or ""))
    return bool(_ASKS.search(said)) and not _OWN.search(said)


def places_asked_while_booking(tracker: Tracker) -> bool:
    """That question, or a title wished with no day, at the booking's day question
    (whatever the NLU read)."""
    if (tracker.active_loop or {}).get("name") != BOOKING_FORM:
        return False
    if tracker.get_slot("requested_slot") != "date":
        return False
    text = common.latest_text(tracker)
    return asks_for_places(text) or title_noted(text) is not None


def title_noted(text: str) -> Optional[str]:
    """What the patient hears when a doctor's title is asked at the day question with no day
    ("有专家号吗 没有的话普通也行"): the wish, and what will do instead, before the day is asked
    again. None when the words wish no title."""
    wished = booking_wishes.title_of(text)
    if wished is None:
        return None
    name = booking_wishes.TITLE_NAMES[wished]
    fallback = booking_wishes.fallback_title(text)
    if fallback:
        return f"好的，优先给您找{name}，没有的话{booking_wishes.TITLE_NAMES[fallback]}也行。先定个日子吧。"
    return f"好的，给您找{name}。先定个日子吧。"
