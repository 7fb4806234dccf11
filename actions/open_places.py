"""Where the open places are: a day's bookable slots narrowed to the wish, the nearest
other days (after before before), and the earliest day with a free place. The booking
form (actions/booking.py) asks; this module only looks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Dict, List, Optional, Tuple

from actions import common, slot_lists
from actions.dates import DatePhrase, parse_date_slot, today_in_shanghai
from integrations.hospital.base import Slot

BOOKING_WINDOW_DAYS = 14  # booking_horizon_days of the hospital API
PERIOD_HOURS = {"morning": (0, 12), "afternoon": (12, 18), "evening": (18, 24)}


def open_slots(department: str, date_slot: str, doctor: Optional[str] = None) -> List[Slot]:
    """Bookable slots for the day, narrowed to the period and doctor asked for
    (when that leaves nothing, the whole day is offered instead)."""
    day, period = parse_date_slot(date_slot)
    slots = [s for s in common.backend().slots(department, day) if int(s.get("remaining", 0) or 0) > 0]
    narrowed = slots
    if period in PERIOD_HOURS:
        low, high = PERIOD_HOURS[period]
        narrowed = [s for s in narrowed if starts_within(s, low, high)]
    if doctor:
        narrowed = [s for s in narrowed if doctor in common.doctor_label(s.get("doctor"))] or narrowed
    return narrowed or slots


def start_hour(slot: Slot) -> Optional[int]:
    parsed = common.parse_iso(str(slot.get("start", "")))
    return parsed.astimezone(common.SHANGHAI).hour if parsed else None


def starts_within(slot: Slot, low: int, high: int) -> bool:
    """The slot starts in [low, high) o'clock, Shanghai time (a slot without a start does not)."""
    hour = start_hour(slot)
    return hour is not None and low <= hour < high


def open_on(department: str, day: date) -> List[Slot]:
    return [s for s in common.backend().slots(department, day.isoformat()) if int(s.get("remaining", 0) or 0) > 0]


def days_near(day: date, today: date) -> List[date]:
    """The other bookable days, nearest first (the day after before the day before)."""
    last = today + timedelta(days=BOOKING_WINDOW_DAYS)
    near: List[date] = []
    for step in range(1, BOOKING_WINDOW_DAYS + 1):
        near += [d for d in (day + timedelta(days=step), day - timedelta(days=step)) if today <= d <= last]
    return near


def nearest_day_as_wished(department: str, day: str, view: Dict[str, Any]) -> Optional[Tuple[str, List[Slot]]]:
    """The nearest other day with places that fit the wish (time of day, title, doctor), and
    those places; None when no day in the booking window has one."""
    start = date.fromisoformat(day)
    for other in days_near(start, today_in_shanghai()):
        _page, _more, fitting = slot_lists.arrange(open_on(department, other), {**view, "page": 0})
        if fitting:
            return other.isoformat(), fitting
    return None


def earliest_day_with_places(department: str, period: Optional[str] = None) -> Optional[date]:
    """ "随便", "最早的那个": the first day from today with a free place; with ``period``
    ("上晝啦" said at the day question), the first with a place in that half of the day."""
    today = today_in_shanghai()
    for step in range(BOOKING_WINDOW_DAYS + 1):
        day = today + timedelta(days=step)
        places = open_on(department, day)
        if period in PERIOD_HOURS:
            places = [s for s in places if starts_within(s, *PERIOD_HOURS[str(period)])]
        if places:
            return day
    return None


def date_of_slot(value: Any) -> Optional[DatePhrase]:
    """A date slot's own form ("2026-12-08 afternoon"), as a phrase with its period."""
    day, period = parse_date_slot(str(value or ""))
    try:
        return DatePhrase(day=date.fromisoformat(day), period=period)
    except ValueError:
        return None
