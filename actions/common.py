"""Helpers shared by the journeys: the backend, the chat account, departments,
and formatting of times and money for the responses' template variables."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml
from rasa_sdk import Tracker

from actions.dates import SHANGHAI
from integrations.hospital import HospitalBackend, HospitalError, HttpHospitalBackend
from shared_rules import RASA_SENDER_PATTERN, placeholder_mask

log = logging.getLogger(__name__)

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "data" / "departments.yml"
WEEKDAY_NAMES = "一二三四五六日"
PERIOD_NAMES = {"morning": "上午", "afternoon": "下午", "evening": "晚上"}
CHANNELS = {"wechat", "alipay", "sms", "web"}
CHANNEL_ALIASES = {"twilio": "sms", "rest": "web", "socketio": "web", "callback": "web", "cmdline": "web"}

_backend: Optional[HospitalBackend] = None


def backend() -> HospitalBackend:
    """The process-wide hospital client, built from the environment on first use."""
    global _backend
    if _backend is None:
        _backend = HttpHospitalBackend.from_env()
    return _backend


def set_backend(new: Optional[HospitalBackend]) -> None:
    """Swap the client (tests point it at a local fake server)."""
    global _backend
    _backend = new


# --- who is chatting ----------------------------------------------------------
def chat_account(tracker: Tracker) -> Tuple[str, str]:
    """(channel, channel_user_id) of the chat account, as the hospital's API takes them.

    Rasa knows the patient only by a pseudonym (the sender id, ``c_<hex>``): the
    Flask edge never tells it the phone, openid or user id, and the API maps the
    pseudonym back (services/conversation/pseudonyms.py). The channel comes from
    the message metadata ("channel") that the Flask channels attach, else a
    ``wechat:<openid>`` style sender prefix (Rasa's own test channels), else
    Rasa's input channel; the web channel is the default.
    """
    sender = tracker.sender_id
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    channel = str(metadata.get("channel") or "").lower()
    user_id = ""
    if not channel and ":" in sender and sender.split(":", 1)[0] in CHANNELS:
        channel, user_id = sender.split(":", 1)
    if not channel:
        channel = (tracker.get_latest_input_channel() or "web").lower()
    channel = CHANNEL_ALIASES.get(channel, channel)
    if channel not in CHANNELS:
        channel = "web"
    return channel, user_id or sender


def conversation_id(tracker: Tracker) -> str:
    """The conversation as the hospital's API takes it: the pseudonym Rasa knows it by,
    else (Rasa's own test channels) ``channel:user``."""
    if RASA_SENDER_PATTERN.fullmatch(tracker.sender_id):
        return tracker.sender_id
    channel, user_id = chat_account(tracker)
    return f"{channel}:{user_id}"


def idempotency_key(tracker: Tracker, *parts: str) -> str:
    """Stable for retries of one turn, different for a new request later."""
    last_user_ts = next(
        (str(e.get("timestamp")) for e in reversed(tracker.events) if e.get("event") == "user"),
        "",
    )
    raw = "|".join([tracker.sender_id, *parts, last_user_ts])
    return "bot-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "").strip()


def latest_button_payloads(tracker: Tracker) -> List[str]:
    """The payloads of the buttons shown just before the patient's latest message
    ("1 今天", "2 明天" ...), so that a typed "1" can mean the first of them. Buttons
    from before an earlier message of the patient no longer count."""
    seen_latest_message = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_latest_message:
                return []
            seen_latest_message = True
        elif kind == "bot" and seen_latest_message:
            buttons = (event.get("data") or {}).get("buttons") or []
            if buttons:
                return [str(b.get("payload") or "") for b in buttons if isinstance(b, dict) and is_choice(b)]
    return []


# --- departments --------------------------------------------------------------
_catalogue_cache: Dict[str, Any] = {}


def _catalogue() -> Dict[str, Any]:
    """code -> name and surface form -> code, from the backend when it answers,
    with the aliases of data/departments.yml (the file the NLU synonyms come from)."""
    cached = _catalogue_cache.get("value")
    if cached and time.monotonic() - cached["at"] < 600:
        return cached
    names: Dict[str, str] = {}
    forms: Dict[str, str] = {}
    try:
        with CATALOGUE_PATH.open(encoding="utf-8") as fh:
            for dept in yaml.safe_load(fh)["departments"]:
                names[dept["code"]] = dept["name"]
                for form in [dept["name"], *dept.get("aliases", [])]:
                    forms[str(form)] = dept["code"]
    except (OSError, KeyError, yaml.YAMLError):
        log.warning("department catalogue file not readable")
    try:
        for dept in backend().departments():
            names[dept["code"]] = dept.get("name") or names.get(dept["code"], dept["code"])
            forms[names[dept["code"]]] = dept["code"]
    except HospitalError:
        log.info("departments from the backend unavailable; using the catalogue file")
    value = {"names": names, "forms": forms, "at": time.monotonic()}
    _catalogue_cache["value"] = value
    return value


def department_name(code: Optional[str]) -> str:
    if not code:
        return ""
    return str(_catalogue()["names"].get(code, code))


def normalise_department(text: Optional[str]) -> Optional[str]:
    """A department code for a code, name, alias, or text containing one."""
    if not text:
        return None
    text = str(text).strip()
    cat = _catalogue()
    if text in cat["names"]:
        return text
    if text in cat["forms"]:
        return str(cat["forms"][text])
    # longest surface form contained in the text ("挂个心内科的号" -> 心内科)
    for form in sorted(cat["forms"], key=len, reverse=True):
        if len(form) >= 2 and form in text:
            return str(cat["forms"][form])
    return None


def resolve_department(text: Optional[str]) -> Optional[str]:
    """The department named however it is typed: the catalogue's names first, then the
    hospital's resolver (typos, homophones, traditional characters, "看心脏的"), the same
    one the triage router uses, so the booking form understands what triage does."""
    if not text or not str(text).strip():
        return None
    text = str(text).strip()
    cat = _catalogue()
    if text in cat["names"] or text in cat["forms"]:
        return normalise_department(text)  # said exactly: no need to ask
    try:  # before a name merely contained: "挂新内科" is 心内科 misspelt, not 内科
        resolved = backend().resolve_department(text)
    except HospitalError:
        resolved = None
    resolved = resolved or normalise_department(text)
    if resolved is None and "课" in text:  # "挂眼课": 课 (ke) is the pinyin keyboard's 科
        return resolve_department(text.replace("课", "科"))
    return resolved


# --- formatting -----------------------------------------------------------------
def parse_iso(value: str) -> Optional[datetime]:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def start_text(value: str) -> str:
    """'2026-12-03T09:30:00+08:00' -> '12月3日(周四) 上午09:30'."""
    parsed = parse_iso(value)
    if parsed is None:
        return str(value)
    local = parsed.astimezone(SHANGHAI)
    period = "上午" if local.hour < 12 else ("下午" if local.hour < 18 else "晚上")
    return f"{local.month}月{local.day}日(周{WEEKDAY_NAMES[local.weekday()]}) {period}{local:%H:%M}"


def day_text(iso_day: str, period: Optional[str] = None) -> str:
    try:
        parsed = datetime.strptime(iso_day, "%Y-%m-%d")
    except (TypeError, ValueError):
        return str(iso_day or "")
    text = f"{parsed.month}月{parsed.day}日(周{WEEKDAY_NAMES[parsed.weekday()]})"
    return text + PERIOD_NAMES.get(period or "", "")


def refund_fields(cancelled: Mapping[str, Any]) -> Optional[Dict[str, str]]:
    """What the patient is told about their money after a cancellation: None when nothing
    was paid (so no "已付的费用会退回" for an unpaid hold), else the amount and the days."""
    refund = cancelled.get("refund")
    if not isinstance(refund, dict):
        return None
    return {"amount_yuan": yuan(refund.get("amount_fen")), "refund_days": str(refund.get("working_days") or 7)}


def yuan(fen: Any) -> str:
    """Integer fen -> '50' or '50.50' (no floats on the way)."""
    try:
        fen = int(fen)
    except (TypeError, ValueError):
        return "0"
    whole, rest = divmod(fen, 100)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}"


def doctor_label(doctor: Any) -> str:
    if isinstance(doctor, dict):
        return " ".join(str(p) for p in (doctor.get("name"), doctor.get("title")) if p)
    return str(doctor or "")


def mask_phone(phone: str) -> str:
    if placeholder_mask(phone):  # the chat edge's placeholder carries the masked number
        return placeholder_mask(phone)
    digits = re.sub(r"\D", "", phone or "")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else "您的手机"


def is_choice(button: Dict[str, Any]) -> bool:
    """A button the patient sends back; a link button (去支付) is opened, never numbered."""
    return not button.get("url") and not str(button.get("payload") or "").startswith(("http://", "https://"))


def pay_link(payment: Mapping[str, Any]) -> str:
    """Where 去支付 leads: the short pay page link, else the platform's own URL."""
    return str(payment.get("pay_link") or payment.get("pay_url") or "")


def button(index: int, title: str, payload: str) -> Dict[str, str]:
    """Buttons carry their number so a patient can reply "2" on any channel."""
    return {"title": f"{index} {title}", "payload": payload}


def inform_payload(entity: str, value: str) -> str:
    return "/inform" + json.dumps({entity: value}, ensure_ascii=False)


def ids_from(items: Sequence[Mapping[str, Any]]) -> List[str]:
    return [str(item.get("id")) for item in items if item.get("id") is not None]
