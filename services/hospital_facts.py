"""The hospital's facts (address, phones, emergency department, hours, fees by
title, parking, the hand-off rota) read from one staff-edited file,
data/hospital.yml.

Why a file and not code: the FAQ answers, the hand-off reply and the emergency
tail must say the same address and phone, and staff change them without a
release. This module needs only PyYAML, so the action server (its own venv)
reads the same file through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

FACTS_FILE = Path(__file__).resolve().parents[1] / "data" / "hospital.yml"
WEEKDAY_NAMES = "一二三四五六日"
# The one number that answers when not even a last good copy of the facts is at hand.
EMERGENCY_NUMBER = "120"
# Said for the blood-drawing room when the facts file names none (an older file still loads).
BLOOD_DRAW_UNKNOWN = "在门诊检验科，到了医院问一楼导医台；要空腹的请上午早点来"
log = logging.getLogger(__name__)


class FactsError(ValueError):
    """data/hospital.yml is missing a fact or has one in the wrong shape."""


@dataclass(frozen=True)
class Rota:
    """When people answer hand-off tickets (Shanghai time)."""

    weekdays: frozenset[int]  # 1 = Monday … 7 = Sunday
    start: time
    end: time
    outside_hours: str

    def on_duty(self, at: datetime, is_open_day: Callable[[date], bool] = lambda _d: True) -> bool:
        day = at.date()
        return day.isoweekday() in self.weekdays and is_open_day(day) and self.start <= at.time() < self.end

    def next_opening(self, at: datetime, is_open_day: Callable[[date], bool] = lambda _d: True) -> datetime:
        """The next moment someone is on duty, `at` itself when on duty now."""
        if self.on_duty(at, is_open_day):
            return at
        for offset in range(0, 30):
            day = at.date() + timedelta(days=offset)
            opening = datetime.combine(day, self.start, tzinfo=at.tzinfo)
            if opening >= at.replace(second=0, microsecond=0) and self.on_duty(opening, is_open_day):
                return opening
        raise FactsError("值班表在未来30天里没有任何上班时间")


@dataclass(frozen=True)
class HospitalFacts:
    name: str
    address: str
    transport: str
    phone: str
    emergency_location: str
    emergency_phone: str
    fever_clinic: str
    outpatient_hours: str
    fees_fen: dict[str, int]
    parking: str
    rota: Rota
    # How to get a copy of one's records; optional, so an older facts file still loads.
    medical_records: str = ""
    # Its parts a follow-up asks for alone ("能寄吗", "要带啥证件"); optional too.
    medical_records_mailing: str = ""
    medical_records_papers: str = ""
    # Who sees a patient's records ("会被单位知道吗"); optional as well.
    privacy_answer: str = ""
    # Where and when blood is drawn, for the answer before a test ("明天抽血要空腹吗"); optional.
    blood_draw: str = ""

    @property
    def emergency_address(self) -> str:
        return f"{self.address}，{self.emergency_location}"

    @property
    def fever_clinic_address(self) -> str:
        return f"{self.address}，{self.fever_clinic}"

    def fee_yuan(self, title: str) -> str:
        """ "50" for 5000 fen, "15.5" for 1550: how a patient reads a price."""
        fen = self.fees_fen[title]
        return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}".rstrip("0")

    def fees_text(self) -> str:
        return "，".join(f"{title}{self.fee_yuan(title)}元" for title in self.fees_fen)

    def template_values(self) -> dict[str, str]:
        """The values FAQ responses in bot/domain.yml may name, e.g. {hospital_address}."""
        return {
            "hospital_name": self.name,
            "hospital_address": self.address,
            "hospital_transport": self.transport,
            "hospital_phone": self.phone,
            "emergency_location": self.emergency_location,
            "emergency_phone": self.emergency_phone,
            "fever_clinic": self.fever_clinic,
            "outpatient_hours": self.outpatient_hours,
            "fees": self.fees_text(),
            "parking": self.parking,
            "rota_hours": f"{_clock(self.rota.start)}-{_clock(self.rota.end)}",
            "blood_draw": self.blood_draw or BLOOD_DRAW_UNKNOWN,
        }


def _clock(at: time) -> str:
    return f"{at.hour}:{at.minute:02d}"


def opening_text(at: datetime, now: datetime) -> str:
    """ "今天14:00", "明天8:00" or "12月7日（周一）8:00"."""
    days = (at.date() - now.date()).days
    clock = _clock(at.time())
    if days == 0:
        return f"今天{clock}"
    if days == 1:
        return f"明天{clock}"
    return f"{at.month}月{at.day}日（周{WEEKDAY_NAMES[at.weekday()]}）{clock}"


def _text(raw: dict[str, Any], *keys: str) -> str:
    value: Any = raw
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, (str, int)) or not str(value).strip():
        raise FactsError(f"data/hospital.yml 缺少 {'.'.join(keys)}")
    return str(value).strip()


def parse_facts(raw: dict[str, Any]) -> HospitalFacts:
    fees = raw.get("fees")
    if not isinstance(fees, dict) or not fees or not all(isinstance(v, int) and v >= 0 for v in fees.values()):
        raise FactsError("data/hospital.yml 的 fees 应为“号别: 分”")
    rota = raw.get("rota") or {}
    try:
        weekdays = frozenset(int(d) for d in rota.get("weekdays", []))
        start, end = time.fromisoformat(_text(raw, "rota", "start")), time.fromisoformat(_text(raw, "rota", "end"))
    except (TypeError, ValueError) as exc:
        raise FactsError(f"data/hospital.yml 的 rota 写法不对：{exc}") from None
    if not weekdays <= set(range(1, 8)) or not weekdays or start >= end:
        raise FactsError("data/hospital.yml 的 rota 应有 1-7 的星期和早于 end 的 start")
    return HospitalFacts(
        name=_text(raw, "name"),
        address=_text(raw, "address"),
        transport=_text(raw, "transport"),
        phone=_text(raw, "phone"),
        emergency_location=_text(raw, "emergency", "location"),
        emergency_phone=_text(raw, "emergency", "phone"),
        fever_clinic=_text(raw, "fever_clinic"),
        outpatient_hours=_text(raw, "outpatient_hours"),
        fees_fen={str(k): int(v) for k, v in fees.items()},
        parking=_text(raw, "parking"),
        rota=Rota(weekdays, start, end, _text(raw, "rota", "outside_hours")),
        medical_records=str(raw.get("medical_records") or "").strip(),
        medical_records_mailing=str(raw.get("medical_records_mailing") or "").strip(),
        medical_records_papers=str(raw.get("medical_records_papers") or "").strip(),
        privacy_answer=str(raw.get("privacy_answer") or "").strip(),
        blood_draw=str(raw.get("blood_draw") or "").strip(),
    )


_cache: dict[Path, tuple[float, HospitalFacts]] = {}


def load_facts(path: Path = FACTS_FILE) -> HospitalFacts:
    """The facts, re-read when the file changed (staff edit it while the bot runs)."""
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise FactsError("data/hospital.yml 应是一个映射")
    facts = parse_facts(raw)
    _cache[path] = (mtime, facts)
    return facts


def facts_or_last_good(path: Path = FACTS_FILE) -> HospitalFacts | None:
    """The facts, or, when a staff edit broke the file, the last ones read well from it
    (None if it never was): for wording that must go out anyway, e.g. the emergency
    alert or the apology when the bot is down."""
    try:
        return load_facts(path)
    except (OSError, ValueError, yaml.YAMLError):  # FactsError is a ValueError
        cached = _cache.get(path)
        log.error("hospital facts unreadable (%s): using %s", path.name, "the last good ones" if cached else "none")
        return cached[1] if cached else None


def hospital_phone(path: Path = FACTS_FILE) -> str:
    """The hospital's phone as the facts file says (the one source: no setting repeats
    it); 120 only when the file was never readable since the process started."""
    facts = facts_or_last_good(path)
    return facts.phone if facts else EMERGENCY_NUMBER
