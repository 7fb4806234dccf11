"""The hospital's clinic calendar: outpatient clinics follow China's official
working days (closed on public holidays, open on 调休 make-up working days)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def is_clinic_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # The package only knows years the State Council has announced.
        log.warning("holiday calendar has no data for %s; falling back to weekdays", day.year)
        return day.weekday() < 5


def holiday_name(day: date) -> str | None:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None


def clinic_days(start: date, count: int) -> list[date]:
    """The calendar days from `start` (inclusive) for `count` days that have clinics."""
    return [d for d in (start + timedelta(days=i) for i in range(count)) if is_clinic_day(d)]


def local_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=SHANGHAI)


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


def iso_week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding `day` (the weekly quota's window)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
