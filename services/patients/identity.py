"""Validation and masking of Chinese resident ID numbers and mobile phones.

ID numbers follow GB 11643-1999: six-digit region, eight-digit birth date,
three-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.
Masks match what patients see on other hospital platforms
(`110105********1234`, `138****5678`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# The checksum and the mobile pattern are shared with the action server (shared_rules.py);
# `id_check_char` stays importable from here for the seed and the factories.
from shared_rules import ID_NUMBER_PATTERN, MOBILE_PATTERN, id_check_char


class InvalidIdentity(ValueError):
    """Carries a message fit to show the patient."""


@dataclass(frozen=True)
class IdNumberFacts:
    number: str
    birth_date: date
    sex: str  # "male" | "female"


def parse_id_number(raw: str, today: date | None = None) -> IdNumberFacts:
    """Validate an 18-digit ID number and read the birth date and sex from it."""
    number = raw.strip().upper().replace(" ", "")
    if len(number) != 18:
        raise InvalidIdentity("身份证号应为18位，请核对后重新输入")
    if not ID_NUMBER_PATTERN.match(number):
        raise InvalidIdentity("身份证号只能包含数字，最后一位可以是X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentity("身份证号中的出生日期不正确，请核对") from None
    today = today or date.today()
    if birth > today or birth.year < 1900:
        raise InvalidIdentity("身份证号中的出生日期不正确，请核对")
    if id_check_char(number[:17]) != number[17]:
        raise InvalidIdentity("身份证号校验位不对，可能有一位输错了，请核对")
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumberFacts(number=number, birth_date=birth, sex=sex)


def normalize_phone(raw: str) -> str:
    """Accept the ways patients write a mainland mobile number; return 11 digits."""
    digits = re.sub(r"[\s\-()（）]", "", raw.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not MOBILE_PATTERN.match(digits):
        raise InvalidIdentity("手机号应为11位数字，以1开头，请核对后重新输入")
    return digits


def mask_id_number(number: str) -> str:
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: enough for a patient to recognise their own."""
    return name[:1] + "*" * (len(name) - 1) if name else name
