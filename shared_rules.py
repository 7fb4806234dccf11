"""Rules both environments must agree on: the app (Python 3.11, `.venv`) and the
Rasa action server (Python 3.10, `.venv-rasa`, the repo on PYTHONPATH).

One copy of each, so the bot never accepts what the API refuses (or the other way
round): the GB 11643 ID checksum, the mainland mobile-number pattern, the time
zone of the hospital, and the error codes the API answers with and the action
server's client maps to bot responses. Standard library only, 3.10-compatible.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo

# --- time zone ----------------------------------------------------------------------

TIME_ZONE_NAME = "Asia/Shanghai"


def _shanghai() -> tzinfo:
    try:  # zoneinfo needs the tz database (or tzdata); China has no DST, so +08:00 is exact
        from zoneinfo import ZoneInfo

        return ZoneInfo(TIME_ZONE_NAME)
    except Exception:  # pragma: no cover - tz database missing
        return timezone(timedelta(hours=8), TIME_ZONE_NAME)


SHANGHAI = _shanghai()

# --- resident ID numbers (GB 11643-1999) ------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_NUMBER_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_checksum_ok(number: str) -> bool:
    """18 characters, digits then a digit or X (either case), and the check character right.

    Only the checksum: the birth date inside is the API's to judge.
    """
    number = number.strip().upper()
    return bool(ID_NUMBER_PATTERN.match(number)) and id_check_char(number[:17]) == number[17]


# --- mainland mobile numbers -------------------------------------------------------

MOBILE_DIGITS = r"1[3-9]\d{9}"  # 11 digits; 1 then 3-9
MOBILE_PATTERN = re.compile(rf"^{MOBILE_DIGITS}$")  # a whole, already compact number
MOBILE_IN_TEXT = re.compile(rf"(?<!\d){MOBILE_DIGITS}(?!\d)")  # one inside free text


# The name Rasa knows a conversation by (services/conversation/pseudonyms.py): a keyed HMAC
# of `channel:sender`, never the phone, openid or user id; the action server passes it on.
RASA_SENDER_PATTERN = re.compile(r"c_[0-9a-f]{32}")

# --- placeholders for what Rasa must never keep -----------------------------------
# The chat edge (services/conversation/placeholders.py) replaces ID numbers, phones
# and one-time codes by these before a message reaches Rasa; the v1 API resolves
# them for the conversation they were made in. A phone's placeholder carries the
# masked number (what the bot may show), an ID number's and a code's carry nothing.

PLACEHOLDER_LABELS = {"id_number": "身份证", "phone": "手机", "code": "验证码"}
PLACEHOLDER_IN_TEXT = re.compile(r"\[(身份证|手机|验证码)#(?:(\d{3}\*{4}\d{4})#)?([A-Za-z0-9]{8})\]")
_KIND_OF_LABEL = {label: kind for kind, label in PLACEHOLDER_LABELS.items()}


def find_placeholder(text: str, kind: str) -> str | None:
    """The first placeholder of `kind` (id_number | phone | code) inside the text."""
    for match in PLACEHOLDER_IN_TEXT.finditer(text or ""):
        if _KIND_OF_LABEL[match.group(1)] == kind:
            return match.group(0)
    return None


def placeholder_kind(value: str) -> str | None:
    """id_number | phone | code when the whole value is one placeholder, else None."""
    match = PLACEHOLDER_IN_TEXT.fullmatch((value or "").strip())
    return _KIND_OF_LABEL[match.group(1)] if match else None


def placeholder_shown(text: str) -> str:
    """Text as a patient may see it: a phone's placeholder becomes its masked number, an ID
    number's or a code's a plain word (what the bot says back, the chat history)."""
    words = {"身份证": "身份证号", "验证码": "验证码"}
    return PLACEHOLDER_IN_TEXT.sub(lambda m: m.group(2) or words.get(m.group(1), ""), text or "")


def placeholder_mask(value: str) -> str:
    """What a placeholder may show a patient: a phone's masked number, else ''."""
    match = PLACEHOLDER_IN_TEXT.fullmatch((value or "").strip())
    return (match.group(2) or "") if match else ""


# --- department names read by sound ----------------------------------------------

# A verb typed before a department's name, which read by sound together with the name
# would be another, longer name: "看妇科" (kan fu ke) sounds like 康复科 (kang fu ke, an/ang
# folded), but the patient asked for 妇科. The bot's finder (bot/components/department_names.py)
# and the app's resolver (services/clinical/triage/routing.py) both skip such a window.
VERBS_BEFORE_DEPARTMENT = ("看", "挂", "掛", "约", "約", "找", "去", "睇", "瞧")


# --- error codes of the hospital API -----------------------------------------------


class ErrorCode:
    """The `error` field of the API's `{"error", "message"}` bodies that the action
    server tells apart; a code not listed here is still sent, and mapped by status."""

    ERROR = "error"
    UNAVAILABLE = "unavailable"  # the client's own: no answer, or 5xx after retries
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    SOLD_OUT = "sold_out"
    DUPLICATE = "duplicate"
    RESTRICTED = "restricted"
    QUOTA_EXCEEDED = "quota_exceeded"
    RATE_LIMITED = "rate_limited"
    PHONE_CODE_SENT = "phone_code_sent"
