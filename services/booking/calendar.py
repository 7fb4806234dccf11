"""The hospital's clinic calendar: outpatient clinics follow China's official
working days (closed on public holidays, open on 调休 make-up working days).

The `chinese-calendar` package knows only the years the State Council has
announced (1.11: through 2026), so a staff-edited override file
(data/calendar_overrides.yml) is read first: closed days, 调休 working days and
the day it has been checked through. `unknown_days` lists the days of a
booking window that neither knows, for /readyz and the console to warn about.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

from shared_rules import SHANGHAI

log = logging.getLogger(__name__)
OVERRIDES_FILE = Path(__file__).resolve().parents[2] / "data" / "calendar_overrides.yml"


class CalendarFileError(ValueError):
    """data/calendar_overrides.yml has a day in the wrong shape."""


@dataclass(frozen=True)
class Overrides:
    closed: dict[date, str] = field(default_factory=dict)  # day -> name (元旦, 院内停诊 …)
    open: frozenset[date] = frozenset()
    known_through: date | None = None


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarFileError(f"{where}: “{value}”不是日期（应写成 2027-01-01）") from None


def parse_overrides(raw: dict[str, Any] | None) -> Overrides:
    raw = raw or {}
    closed: dict[date, str] = {}
    for item in raw.get("closed") or []:
        entry = item if isinstance(item, dict) else {"date": item}
        closed[_day(entry.get("date"), "closed")] = str(entry.get("name") or "停诊")
    opened = frozenset(_day(d.get("date") if isinstance(d, dict) else d, "open") for d in raw.get("open") or [])
    both = opened & closed.keys()
    if both:
        raise CalendarFileError(f"{min(both)} 既写在 closed 又写在 open 里")
    known = raw.get("known_through")
    return Overrides(closed, opened, _day(known, "known_through") if known else None)


_cache: dict[Path, tuple[float, Overrides]] = {}


def load_overrides(path: Path = OVERRIDES_FILE) -> Overrides:
    """The overrides, re-read when staff changed the file; none when there is no file."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return Overrides()
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, parse_overrides(yaml.safe_load(path.read_text(encoding="utf-8"))))
        _cache[path] = cached
    return cached[1]


def _package_knows(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_known(day: date, overrides: Overrides | None = None) -> bool:
    """Whether the override file or the package has been told about this day's year."""
    found = load_overrides() if overrides is None else overrides
    if day in found.closed or day in found.open:
        return True
    if found.known_through is not None and day <= found.known_through:
        return True
    return _package_knows(day)


def is_clinic_day(day: date, overrides: Overrides | None = None) -> bool:
    found = load_overrides() if overrides is None else overrides
    if day in found.closed:
        return False
    if day in found.open:
        return True
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        # Neither knows: weekdays. unknown_days() lets readiness and the console say so.
        if found.known_through is None or day > found.known_through:
            log.warning("holiday calendar has no data for %s; falling back to weekdays", day.year)
        return day.weekday() < 5


def holiday_name(day: date, overrides: Overrides | None = None) -> str | None:
    found = load_overrides() if overrides is None else overrides
    if day in found.closed:
        return found.closed[day]
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None


def unknown_days(start: date, count: int, overrides: Overrides | None = None) -> list[date]:
    """The days from `start` for `count` days whose clinics are only a guess."""
    found = load_overrides() if overrides is None else overrides
    return [d for d in (start + timedelta(days=i) for i in range(count)) if not is_known(d, found)]


def calendar_warning(start: date, count: int, overrides: Overrides | None = None) -> str | None:
    """A sentence for staff when the booking window reaches days neither source knows."""
    unknown = unknown_days(start, count, overrides)
    if not unknown:
        return None
    years = "、".join(str(y) for y in sorted({d.year for d in unknown}))
    return (
        f"节假日日历缺 {years} 年的安排：预约窗口里 {unknown[0].isoformat()} 起的日子只按周一到周五开诊估算。"
        "请把官方放假和调休安排写进 data/calendar_overrides.yml（并更新 known_through），或升级 chinese-calendar。"
    )


def clinic_days(start: date, count: int) -> list[date]:
    """The calendar days from `start` (inclusive) for `count` days that have clinics."""
    overrides = load_overrides()
    return [d for d in (start + timedelta(days=i) for i in range(count)) if is_clinic_day(d, overrides)]


def local_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=SHANGHAI)


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


def iso_week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding `day` (the weekly quota's window)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
