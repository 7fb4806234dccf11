"""The conversation after an emergency answer, as its own journey at the chat edge.

Why at the edge and not in the bot: what a frightened relative types next ("好的",
"她睡着了，是不是等明天再看", "救护车还没到，我该做点什么") must never get a goodbye,
a fallback or a clinic booking, and must be answered when Rasa is down too.

The state is not kept in memory: a conversation is "in an emergency" while its
latest red-flag message (inbound_messages, status ``emergency``, encrypted, keyed
by a blind index) is younger than ``emergency_state_hours``. The rules that fired
are found again from that message, so nothing identifying is stored twice and the
state survives restarts. First aid and wording are data: data/emergency/.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import ROOT, Settings
from integrations.rasa.client import BotMessage, Button
from models import ConversationMessage, utcnow
from services.clinical.triage import RedFlagHit, TriageEngine
from services.clinical.triage.edge import emergency_hits
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.hospital_facts import EMERGENCY_NUMBER, facts_or_last_good

DATA = ROOT / "data" / "emergency"
# The order the kinds are tried in: booking before delay, so "挂明天的口腔科" after a
# stroke is judged as a booking (and let through when it is about something else).
KINDS = ("called", "while_waiting", "location", "booking", "delay", "closing")
# Answered at the edge even after the state lapsed when they come from the alert's own
# buttons (a payload starting "/"), and "急诊在哪" at any time. In the state, every kind
# is answered before the hand-off pause and before the bot: safety first.
URGENT_KINDS = frozenset({"called", "while_waiting", "location", "delay"})
# The bot's own emergency answer (utter_triage_emergency in bot/domain.yml): its triage
# can reach an emergency over several turns, with no red flag in any one message.
BOT_EMERGENCY = re.compile(r"可能很危险，请马上拨打120")
BOT_DECIDED = "智能助手判断可能危及生命"
GOODBYE = re.compile(r"再见|祝您身体健康|拜拜|感谢您的使用")
_NOT_A_NEW_BOOKING = re.compile(r"取消|退号|退掉|改约|改到|改期|换个时间")
_CHOICE = re.compile(r"(?:回复)?\s*(\d)")
_CHILD = re.compile(r"宝宝|婴儿|新生儿|孩子|小孩|幼儿|小朋友|娃|\d+个?月大|[一二两三四五六七八九十]+个月大?的")


@dataclass(frozen=True)
class FirstAid:
    id: str
    rules: frozenset[str]
    advice: str
    waiting: str
    why_now: str
    source: str
    adult_only: bool = False


@dataclass(frozen=True)
class EmergencyState:
    """A conversation within the window after a red-flag answer."""

    hits: tuple[RedFlagHit, ...]
    text: str  # the patient's message that raised it: never logged
    raised_at: datetime
    edge_spoke_last: bool = False  # the previous answer was the alert or one of this journey's

    @property
    def labels(self) -> str:
        return "、".join(h.label for h in self.hits) or BOT_DECIDED

    @property
    def departments(self) -> frozenset[str]:
        return frozenset(d for h in self.hits for d in h.departments if d != "emergency")

    @property
    def aid(self) -> FirstAid | None:
        return first_aid_for([h.id for h in self.hits], self.text)


# --- data ------------------------------------------------------------------------


@cache
def _conversation(path: Path = DATA / "conversation.yml") -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    raw = _conversation()["patterns"]
    return {kind: re.compile(raw[kind], re.IGNORECASE) for kind in KINDS}


def _say(key: str, **values: str) -> str:
    return str(_conversation()["replies"][key]).format(**values)


@cache
def first_aid_entries(path: Path = DATA / "first_aid.yml") -> tuple[tuple[FirstAid, ...], str]:
    """The entries in priority order, and the id of the one for a child when no other fits."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = tuple(
        FirstAid(
            id=e["id"],
            rules=frozenset(e["rules"]),
            advice=e["advice"],
            waiting=e["waiting"],
            why_now=e["why_now"],
            source=e["source"],
            adult_only=bool(e.get("adult_only", False)),
        )
        for e in raw["entries"]
    )
    return entries, str(raw["child_fallback"])


def first_aid_for(rule_ids: Sequence[str], text: str) -> FirstAid | None:
    """The first entry naming one of the rules; never adult advice (an asthma inhaler, a
    heart attack's rest) for a baby or child, whose own entry is used instead."""
    entries, child_id = first_aid_entries()
    child = bool(_CHILD.search(text))
    fired = set(rule_ids)
    chosen = next((e for e in entries if e.rules & fired), None)
    if child and (chosen is None or chosen.adult_only):
        return next(e for e in entries if e.id == child_id)
    return chosen


@cache
def _department_aliases(path: Path = ROOT / "data" / "departments.yml") -> tuple[tuple[str, str], ...]:
    """(name or alias, code), longest first, so "神经内科" is not read as "内科"."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["departments"]
    pairs = [(str(name), str(r["code"])) for r in rows for name in [r["name"], *r.get("aliases", [])]]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def departments_named(text: str) -> set[str]:
    found: set[str] = set()
    for name, code in _department_aliases():
        if name in text:
            found.add(code)
            text = text.replace(name, "")
    return found


# --- the state ---------------------------------------------------------------------


def window(settings: Settings) -> timedelta:
    return timedelta(hours=settings.emergency_state_hours)


def latest_alert(
    ctx: ServiceContext, session: Session, conversation_hash: str, since: datetime, until: datetime | None = None
) -> tuple[str, datetime] | None:
    """The text and time of the conversation's latest red-flag message in [since, until]."""
    query = select(ConversationMessage).where(
        ConversationMessage.conversation_hash == conversation_hash,
        ConversationMessage.status == "emergency",
        ConversationMessage.received_at >= since,
    )
    if until is not None:
        query = query.where(ConversationMessage.received_at <= until)
    row = session.scalar(query.order_by(ConversationMessage.id.desc()).limit(1))
    return (ctx.cipher.decrypt(row.text_enc, TEXT_CONTEXT), row.received_at) if row else None


def current(
    ctx: ServiceContext, triage: TriageEngine, conversation_id: str, now: datetime | None = None
) -> EmergencyState | None:
    """The conversation's emergency state, or None when it had no red flag lately."""
    conversation_hash = ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)
    with ctx.db.reading() as session:
        found = latest_alert(ctx, session, conversation_hash, (now or utcnow()) - window(ctx.settings))
        if found is None:
            return None
        previous = session.execute(  # the message before this one (already kept as "received")
            select(ConversationMessage.status, ConversationMessage.intent)
            .where(ConversationMessage.conversation_hash == conversation_hash)
            .order_by(ConversationMessage.id.desc())
            .offset(1)
            .limit(1)
        ).first()
    text, raised_at = found
    return state_of(triage, text, raised_at, *(previous or (None, None)))


def state_of(
    triage: TriageEngine, text: str, raised_at: datetime, previous_status: str | None, previous_intent: str | None
) -> EmergencyState:
    """The state from the latest red-flag message and the one before this turn's (status,
    intent): shared by `current` and the chat turn's single read (turn_state.py)."""
    hits = tuple(emergency_hits(triage, text))  # none when the bot's triage decided it over several turns
    edge_last = previous_status == "emergency" or str(previous_intent or "").startswith("emergency/")
    return EmergencyState(hits, text, raised_at, edge_last)


# --- what the edge says --------------------------------------------------------------


def _place(settings: Settings) -> dict[str, str]:
    """Where the emergency department is, from the hospital's facts file; the alert must
    go out even if a staff edit broke that file, so it then says what the file last said
    (or, if it never read well, the department and 120)."""
    facts = facts_or_last_good(settings.hospital_facts_file)
    if facts is None:
        return {"address": "本院急诊科", "phone": EMERGENCY_NUMBER}
    return {"address": facts.emergency_address, "phone": facts.emergency_phone}


def buttons() -> tuple[Button, ...]:
    return tuple(Button(b["title"], b["payload"]) for b in _conversation()["buttons"])


def alert(hits: Sequence[RedFlagHit], text: str, settings: Settings) -> BotMessage:
    """The answer to a red flag: call 120 now, first aid for this condition (or none),
    where the emergency department is."""
    labels = "、".join(h.label for h in hits)
    aid = first_aid_for([h.id for h in hits], text)
    parts = [_say("alert_head", labels=labels), aid.advice if aid else "", _say("alert_tail", **_place(settings))]
    return BotMessage("\n".join(p for p in parts if p), buttons())


def classify(text: str, state: EmergencyState | None = None) -> str | None:
    """Which follow-up this is (one of KINDS), or None for anything else. On a text
    channel the buttons are printed "回复1 已经联系120了": right after this journey
    spoke, a typed number means its button."""
    stripped = text.strip()
    number = _CHOICE.fullmatch(stripped)
    if number and state is not None and state.edge_spoke_last:
        choices = buttons()
        index = int(number.group(1)) - 1
        stripped = choices[index].payload if 0 <= index < len(choices) else stripped
    return next((kind for kind, pattern in _patterns().items() if pattern.search(stripped)), None)


def is_location_question(text: str) -> bool:
    return bool(_patterns()["location"].search(text.strip()))


def is_same_complaint_booking(text: str, state: EmergencyState) -> bool:
    """A booking that names no department, or one of the alert's: the same complaint.
    Naming only other departments (a dentist after a stroke) is something else."""
    if _NOT_A_NEW_BOOKING.search(text):  # cancelling or moving one is not "come later"
        return False
    named = departments_named(text)
    return not named or bool(named & state.departments)


def follow_up(kind: str, state: EmergencyState | None, settings: Settings) -> BotMessage:
    """The edge's answer to a follow-up; `state` None only for the location and the
    alert's own buttons tapped after the state lapsed."""
    place = _place(settings)
    if kind == "location":
        return BotMessage(_say("location", **place), buttons() if state else ())
    aid = state.aid if state else None
    labels = state.labels if state else "紧急情况"
    if kind in ("called", "while_waiting"):
        waiting = aid.waiting if aid else _say("waiting_generic")
        return BotMessage(_say(kind, waiting=waiting, common=_say("waiting_common")), buttons())
    if kind == "delay":
        why_now = aid.why_now if aid else _say("delay_generic", labels=labels)
        return BotMessage(_say("delay", why_now=why_now, **place), buttons())
    if kind == "booking":
        return BotMessage(_say("booking", labels=labels, **place), buttons())
    return BotMessage(_say("closing", labels=labels, **place), buttons())


def bot_said_emergency(replies: Sequence[BotMessage]) -> bool:
    return any(BOT_EMERGENCY.search(r.text) for r in replies)


def after_bot_emergency(settings: Settings) -> BotMessage:
    """Where the emergency department is, and the journey's buttons, after the bot's own alert."""
    return BotMessage(_say("alert_tail", **_place(settings)), buttons())


def without_goodbyes(replies: list[BotMessage], state: EmergencyState, settings: Settings) -> list[BotMessage]:
    """The bot's replies with any farewell replaced by the reminder: never a goodbye in an emergency."""
    if not any(GOODBYE.search(r.text) for r in replies):
        return replies
    kept = [r for r in replies if not GOODBYE.search(r.text)]
    return [*kept, follow_up("closing", state, settings)]


def ticket_alert(
    ctx: ServiceContext, triage: TriageEngine, session: Session, conversation_hash: str, opened_at: datetime
) -> tuple[str, str] | None:
    """(labels, the bot's alert) for a hand-off ticket opened in or after an emergency,
    so the nurse reads what the patient was told, not only "asked for a person"."""
    found = latest_alert(ctx, session, conversation_hash, opened_at - window(ctx.settings))
    if found is None:
        return None
    text, _at = found
    hits = emergency_hits(triage, text)
    if not hits:  # the bot's triage decided it
        return BOT_DECIDED, _say("alert_head", labels=BOT_DECIDED) + _say("alert_tail", **_place(ctx.settings))
    return "、".join(h.label for h in hits), alert(hits, text, ctx.settings).text
