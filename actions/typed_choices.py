"""A place on the slot list chosen in words, not by its number.

Patients answer a list the way they would at a counter: "第一個就得", "头一个就好",
"第二个就要得", "最后那个吧", "就它吧" (when one place is left). The numbered reading
(actions/numbers.py ``parse_choice``) wants the number alone; here the words that
accept it ("就得", "就好", "就行", "可以", "吧") and the words that point at it ("头一个",
"最前面的", "最后一个") are read too, on the OpenCC-simplified text. A place is also
named by its doctor ("张伟医生"), its half of the day ("下午那个") or its time ("两点钟的").
"""

from __future__ import annotations

import re
from datetime import date
from typing import List, Optional, Tuple

from rasa_sdk import Tracker

from actions import common
from actions.dates import parse_date_slot, period_of, today_in_shanghai
from actions.numbers import cn_to_int, parse_choice, without_just_this
from actions.open_places import PERIOD_HOURS, days_near, starts_within
from actions.simplified import simplified
from integrations.hospital import HospitalError
from integrations.hospital.base import Slot

# "就得" (Cantonese), "就要得" (Hunan), "就好", "就行", "就可以", "得了", "吧", "啦"...
_ACCEPTING = re.compile(
    r"(?:就|也)?(?:要得|得|好|行|成|可以|中|ok|OK)(?:了|啦|喇|嘞|咯|啰|哒)?$|"
    r"(?:吧|啦|喇|嘞|咯|啰|哒|呗|嘛|哈|了|呀|哦|喔)$"
)
_LEADING = re.compile(r"^(?:那|那就|就|我要|要|我选|选|给我|帮我[挂约]|挂|约)+")
_FIRST = re.compile(r"^(?:头一个|头个|最前面(?:那|的|那个)?个?|最上面(?:那|的|那个)?个?|最早(?:那|的)个?)$")
_LAST = re.compile(r"^(?:最后一个|最后那个|最后的|最后面(?:那|的)?个?|最下面(?:那|的)?个?|最晚(?:那|的)个?)$")
_ORDINAL = re.compile(r"^第?([0-9]+|[一二两三四五六七八九十]+)(?:个|号)?(?:号源|时段|位)?$")
# "第二个吧 九点多那个": an explicit ordinal inside a longer answer (not "第二个礼拜")
_ORDINAL_INSIDE = re.compile(r"第([0-9]{1,2}|[一二两三四五六七八九十]{1,3})[个号](?!星期|礼拜|周|月|人|小时|钟头)")
# "就它", "就这个", "这个吧": the one place there is
_THIS_ONE = re.compile(r"^(?:它|这个|那个|这|那|就它|就这个|就那个)$")


def _core(text: str) -> str:
    """The words that name the place: "第一个" of "那就第一個就得吧"."""
    core = re.sub(r"[\s，,。.！!~～]+", "", simplified(without_just_this(text or "")))
    for _ in range(3):  # "就要得吧": strip the accepting words one after another
        core = _ACCEPTING.sub("", core)
    return _LEADING.sub("", core)


def chosen_place(text: str, count: int) -> Optional[int]:
    """The 1-based place a patient chose in words among ``count`` offered, or None."""
    if count <= 0:
        return None
    plain = parse_choice(text)
    if plain is not None:
        return plain if plain <= count else None
    core = _core(text)
    if not core:
        return None
    if _FIRST.match(core):
        return 1
    if _LAST.match(core):
        return count
    if _THIS_ONE.match(core):
        return 1 if count == 1 else None
    ordinal = _ORDINAL.match(core)
    if ordinal:
        value = cn_to_int(ordinal.group(1))
        return value if value and 0 < value <= count else None
    inside = {cn_to_int(m.group(1)) for m in _ORDINAL_INSIDE.finditer(simplified(text))}
    if len(inside) == 1:  # one place named by its ordinal, with words about it around
        value = inside.pop()
        return value if value and 0 < value <= count else None
    return None


_CLOCK = re.compile(
    r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:[点點时:：](?:钟|鐘)?)\s*(半|\d{2}|[一二三四五]十分?)?"
)


def clock_time(text: str, period: Optional[str] = None) -> Optional[Tuple[int, int]]:
    """ "两点钟左右", "下午2点半", "9:30": (hour on the 24-hour clock, minute), or None.
    An hour without a half of the day is read as a clinic hour: 1-6 in the afternoon."""
    match = _CLOCK.search(simplified(text or ""))
    if not match:
        return None
    hour = cn_to_int(match.group(1))
    if hour is None or not 0 < hour <= 23:
        return None
    if hour <= 6 or (period in ("afternoon", "evening") and hour < 12):
        hour += 12
    minute_text = match.group(2) or ""
    minute = 30 if minute_text == "半" else (cn_to_int(minute_text.rstrip("分")) or 0) if minute_text else 0
    return hour, minute


def offered_by_words(text: str, tracker: Tracker, offered: List[str]) -> Optional[str]:
    """The one offered slot a patient named in words: "张伟医生", "要李娜的",
    "下午那个". None when the words fit none or several of them."""
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    if not text or not offered or not department or not date_slot:
        return None
    try:
        slots = offered_slots(department, date_slot, offered)
    except HospitalError:
        return None
    by_doctor = [s for s in slots if (name := _doctor_name(s)) and name in text]
    period = period_of(simplified(text))
    picked = by_doctor or slots
    if period in PERIOD_HOURS:
        low, high = PERIOD_HOURS[period]
        picked = [s for s in picked if starts_within(s, low, high)]
    clock = clock_time(text, period)  # "两点钟左右的": the one place at that time
    at_clock = [s for s in picked if clock and _starts_at(s, clock)]
    if at_clock:  # "下午两点半那个" with two doctors at 14:30: the first listed, as a clerk would
        return str(at_clock[0]["id"])
    if (by_doctor or period) and len(picked) == 1:
        return str(picked[0]["id"])
    return None


def several_at_the_time(text: str, tracker: Tracker, offered: List[str]) -> bool:
    """More than one offered place starts at the time the patient named: the first was
    taken, which the patient is told (and may change)."""
    department, date_slot = tracker.get_slot("department"), tracker.get_slot("date")
    clock = clock_time(text, period_of(simplified(text or "")))
    if not clock or not department or not date_slot:
        return False
    try:
        return sum(1 for s in offered_slots(department, date_slot, offered) if _starts_at(s, clock)) > 1
    except HospitalError:
        return False


def offered_slots(department: str, date_slot: str, offered: List[str]) -> List[Slot]:
    """The offered places in list order. A list may show the nearest day that has the wish
    before the day asked ("12月8日上午 ... 和12月9日"), so the days around are looked
    at until every offered id is found."""
    day = parse_date_slot(date_slot)[0]
    wanted = set(offered)
    found = {str(s["id"]): s for s in common.backend().slots(department, day) if str(s["id"]) in wanted}
    if len(found) < len(wanted):
        for other in days_near(date.fromisoformat(day), today_in_shanghai()):
            found.update(
                {
                    str(s["id"]): s
                    for s in common.backend().slots(department, other.isoformat())
                    if str(s["id"]) in wanted
                }
            )
            if len(found) == len(wanted):
                break
    return [found[i] for i in offered if i in found]


def _starts_at(slot: Slot, clock: Tuple[int, int]) -> bool:
    start = common.parse_iso(str(slot.get("start", "")))
    local = start.astimezone(common.SHANGHAI) if start else None
    return local is not None and (local.hour, local.minute) == clock


def _doctor_name(slot: Slot) -> str:
    doctor = slot.get("doctor")
    return str(doctor.get("name") or "") if isinstance(doctor, dict) else str(doctor or "")


# "三点以后的", "十点之前": the side of the clock the place may be on.
_AFTER_CLOCK = re.compile(r"[点點时](?:钟|鐘|半)?\s*(?:以后|之后|往后|后)")
_BEFORE_CLOCK = re.compile(r"[点點时](?:钟|鐘|半)?\s*(?:以前|之前|前)(?!后)")
NEAR_MINUTES = 90


def place_near_clock(text: str, day_slots: List[Slot]) -> Optional[str]:
    """ "三点左右最好", "两点多的", "十点之前的": the place of the day (already narrowed to the
    patient's wish) that starts nearest the time said, when none starts at it exactly and
    the list on screen does not show it; None without a time, or with nothing within 90 minutes."""
    said = simplified(text or "")
    clock = clock_time(said, period_of(said))
    if clock is None:
        return None
    wanted = clock[0] * 60 + clock[1]
    after, before = bool(_AFTER_CLOCK.search(said)), bool(_BEFORE_CLOCK.search(said))
    near: List[Tuple[int, str, str]] = []
    for slot in day_slots:
        start = common.parse_iso(str(slot.get("start", "")))
        if start is None:
            continue
        local = start.astimezone(common.SHANGHAI)
        minutes = local.hour * 60 + local.minute
        if (after and minutes < wanted) or (before and minutes > wanted):
            continue
        if abs(minutes - wanted) <= NEAR_MINUTES:
            near.append((abs(minutes - wanted), str(slot.get("start", "")), str(slot["id"])))
    return min(near)[2] if near else None
