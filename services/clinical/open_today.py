"""Where an urgent patient can be seen today.

"Within 24 hours, go to paediatrics" is wrong advice on a Saturday or during the
Spring Festival: the outpatient clinics are closed (services/booking/calendar.py),
and a patient who trusts it waits until Monday. On such a day an urgent (not
emergency) answer points to what is open: the fever clinic for a fever, the
emergency department for the rest, with where it is from the hospital's settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from config import Settings
from services.booking.calendar import holiday_name, is_clinic_day
from services.hospital_facts import load_facts

FEVER = re.compile(r"发烧|发热|高烧|低烧|烧到|体温|[34]\d(?:\.\d)?\s*(?:度|℃|°)")
WEEKDAYS = "一二三四五六日"
HOLIDAYS = {  # chinese-calendar names its holidays in English
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}


@dataclass(frozen=True)
class OpenToday:
    department: str  # emergency | fever_clinic
    advice: str


def _closed_because(day: date) -> str:
    name = holiday_name(day)
    name = HOLIDAYS.get(name, name) if name else None
    if name and re.search(r"[\u4e00-\u9fff]", name):
        return f"今天是{name}假期"
    return "今天是节假日" if name else f"今天是周{WEEKDAYS[day.weekday()]}"


def urgent_place(level: str, text: str, day: date, settings: Settings) -> OpenToday | None:
    """For an urgent answer on a day without clinics, the department open today and what
    to say; None on a clinic day or for any other level."""
    if level != "urgent" or is_clinic_day(day):
        return None
    closed = f"{_closed_because(day)}，门诊不开诊，请不要等到工作日："
    facts = load_facts(settings.hospital_facts_file)
    if FEVER.search(text):
        where = f"今天就到发热门诊就诊（{facts.fever_clinic_address}，咨询电话{facts.phone}）"
        department = "fever_clinic"
    else:
        where = f"今天就到急诊科就诊（{facts.emergency_address}，电话{facts.emergency_phone}）"
        department = "emergency"
    return OpenToday(department, f"{closed}{where}。如果突然加重，请立即拨打120。")
