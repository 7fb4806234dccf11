"""Conversations are kept for CONVERSATION_RETENTION_DAYS (30), then deleted; so are the
notifications and pushed answers after OUTBOX_RETENTION_DAYS and closed hand-offs after
HANDOFF_RETENTION_DAYS (30 each).

Two stores hold what patients said: Rasa's tracker store (its `events` table, in
SQLite by default and PostgreSQL in production, at RASA_TRACKER_STORE_URL) and
the app's conversation log (`inbound_messages`, encrypted). Beat runs this job
hourly (`conversations.purge_old`); docs/security.md says why 30 days.

A Rasa conversation is removed whole, once its *latest* event is older than the
cut-off: deleting only the old events of a conversation still in use would
leave Rasa a tracker that starts in the middle of a form. Expired placeholder
values (`chat_secrets`) go at the same time, whatever their age in days: past
their expiry nothing may resolve them; so do one-time codes (their HMACs) past the
daily window their limits count in (`services.patients.otp.purge`).

Rasa's pseudonym mapping (`rasa_senders`) of a conversation removed from the tracker goes
with it. Notifications (`outbox_messages`, the web page's inbox among them) and answers
waiting for WeChat/Alipay (`channel_pending_replies`) go once sent, given up, or past their
time; a hand-off ticket goes with its staff replies once closed that long ago (an open one
stays while staff still need it).

The tracker store is Rasa's, not ours: it is reached with SQLAlchemy Core
against the table Rasa creates (`events`: sender_id, timestamp as Unix
seconds), never through the app's models or migrations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Float, String, column, delete, func, inspect, or_, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from config import ROOT
from db import make_engine
from models import (
    ConversationMessage,
    FallbackStreak,
    HandoffTicket,
    OutboxMessage,
    PendingReply,
    RasaSender,
    StaffReply,
    utcnow,
)
from services.context import ServiceContext
from services.conversation import placeholders
from services.patients import my_data, otp, window_binding

EVENTS = table("events", column("sender_id", String), column("timestamp", Float))


@dataclass(frozen=True)
class Purged:
    """What one run removed: Rasa conversations and their events, log rows, vault values,
    one-time codes past their day."""

    conversations: int
    events: int
    messages: int
    secrets: int
    codes: int = 0
    privacy: int = 0  # 查看/删除我的数据 requests and window binding codes past their day
    outbox: int = 0  # notifications sent, given up or past their time
    pending_replies: int = 0  # answers pushed (or given up) to WeChat/Alipay
    handoff_tickets: int = 0  # closed hand-offs, with their staff replies


def tracker_store_url(url: str) -> str:
    """Rasa's URL as the app can open it: a relative SQLite path is relative to the
    repository (where `make run` starts Rasa); anything that is not SQL is no store
    of ours to clean ('' or an in-memory store)."""
    if not url or "://" not in url:
        return ""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).is_absolute():
        return f"sqlite:///{ROOT / parsed.database}"
    return url


def purge_tracker_store(url: str, cutoff: datetime) -> tuple[int, int]:
    """Delete every conversation whose latest event is older than `cutoff`;
    (conversations, events) removed. A store Rasa has not created yet holds nothing."""
    senders, events = _purge_tracker(url, cutoff)
    return len(senders), events


def _purge_tracker(url: str, cutoff: datetime) -> tuple[list[str], int]:
    """(the sender ids removed, their events)."""
    url = tracker_store_url(url)
    if not url:
        return [], 0
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return [], 0
        stale = (
            select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(func.max(EVENTS.c.timestamp) < cutoff.timestamp())
        )
        with engine.begin() as connection:
            senders = [row[0] for row in connection.execute(stale)]
            removed = 0
            for start in range(0, len(senders), 500):  # bounded IN lists
                batch = senders[start : start + 500]
                result: Any = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
                removed += int(result.rowcount or 0)
        return senders, removed
    finally:
        engine.dispose()


def purge_old_conversations(ctx: ServiceContext, now: datetime | None = None) -> Purged:
    """The retention job: old conversations out of Rasa's store and the app's log,
    expired placeholder values out of the vault, old notifications and hand-offs out."""
    now = now or utcnow()
    cutoff = now - timedelta(days=ctx.settings.conversation_retention_days)
    senders, events = _purge_tracker(ctx.settings.rasa_tracker_store_url, cutoff)
    with ctx.db.transaction() as session:
        messages = _gone(session, delete(ConversationMessage).where(ConversationMessage.received_at < cutoff))
        session.execute(delete(FallbackStreak).where(FallbackStreak.updated_at < cutoff))
        for start in range(0, len(senders), 500):
            session.execute(delete(RasaSender).where(RasaSender.pseudonym.in_(senders[start : start + 500])))
    secrets = placeholders.purge_expired(ctx, now)
    privacy = my_data.purge_requests(ctx) + window_binding.purge(ctx)
    outbox, pending = purge_notifications(ctx, now - timedelta(days=ctx.settings.outbox_retention_days))
    handoffs = purge_handoffs(ctx, now - timedelta(days=ctx.settings.handoff_retention_days))
    codes = otp.purge(ctx)
    return Purged(len(senders), events, messages, secrets, codes, privacy, outbox, pending, handoffs)


def purge_notifications(ctx: ServiceContext, cutoff: datetime) -> tuple[int, int]:
    """(outbox rows, pending answers) older than `cutoff` that are done with: sent, given up,
    or still pending past their time (a reminder queued that long ago is no use now)."""
    with ctx.db.transaction() as session:
        outbox = _gone(
            session,
            delete(OutboxMessage).where(
                OutboxMessage.created_at < cutoff,
                or_(OutboxMessage.status != "pending", OutboxMessage.not_before < cutoff),
            ),
        )
        pending = _gone(session, delete(PendingReply).where(PendingReply.created_at < cutoff))
    return outbox, pending


def purge_handoffs(ctx: ServiceContext, cutoff: datetime) -> int:
    """Hand-off tickets closed before `cutoff`, with the staff's replies in them."""
    with ctx.db.transaction() as session:
        closed = select(HandoffTicket.id).where(HandoffTicket.status == "closed", HandoffTicket.closed_at < cutoff)
        tickets = list(session.scalars(closed))
        for start in range(0, len(tickets), 500):
            batch = tickets[start : start + 500]
            session.execute(delete(StaffReply).where(StaffReply.ticket_id.in_(batch)))
            session.execute(delete(HandoffTicket).where(HandoffTicket.id.in_(batch)))
        return len(tickets)


def _gone(session: Session, statement: Any) -> int:
    result: Any = session.execute(statement)
    return int(result.rowcount or 0)
