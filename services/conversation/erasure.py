"""Everything that holds a patient's conversation, deleted together ("删除我的数据", issue 11).

A conversation (`channel:sender`) leaves traces in more places than its log:

- the app's conversation log (`inbound_messages`), the placeholder vault
  (`chat_secrets`), the fallback streak and Rasa's pseudonym mapping (`rasa_senders`);
- Rasa's tracker store (`events` at RASA_TRACKER_STORE_URL, SQLite or PostgreSQL):
  Rasa has no delete API, so its rows go by sender id with SQLAlchemy Core, under the
  pseudonym Rasa knows the conversation by (services/conversation/pseudonyms.py) and
  under the plain `channel:sender` that trackers written before pseudonyms carry;
- hand-off tickets and the staff's replies in them (`handoff_tickets`, `staff_replies`);
- notifications addressed to the chat account (`outbox_messages`, which is also the
  web page's inbox) and answers waiting to be pushed to WeChat or Alipay
  (`channel_pending_replies`, whose recipient is only stored encrypted, so each is opened).

What the law makes the hospital keep is not here: the medical record (patients,
appointments, reports, prescriptions, refills), payments and the audit trail
(services/patients/my_data.py, data/consent.yml).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, inspect, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db import make_engine
from models import (
    ConversationMessage,
    FallbackStreak,
    HandoffTicket,
    OutboxMessage,
    PendingReply,
    StaffReply,
)
from models.chat_secret import ChatSecret
from services.context import ServiceContext
from services.conversation import pseudonyms
from services.conversation.channel_state import REPLY_RECIPIENT_CONTEXT
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.conversation.retention import EVENTS, tracker_store_url
from services.notifications.outbox import RECIPIENT_CONTEXT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erased:
    """How many rows of each kind went (tracker_events -1: the store could not be reached)."""

    messages: int = 0
    tracker_events: int = 0
    handoff_tickets: int = 0
    staff_replies: int = 0
    outbox: int = 0
    pending_replies: int = 0


def recipients(conversation: str) -> set[str]:
    """Who a message to this chat account is addressed to: the platform id, and for SMS the
    number as the hospital writes it too (Twilio's `+8613…` is the patient's `13…`)."""
    channel, _, sender = conversation.partition(":")
    found = {sender}
    if channel == "sms" and sender.startswith("+86"):
        found.add(sender.removeprefix("+86"))
    return found


def erase(ctx: ServiceContext, conversations: list[str]) -> Erased:
    """Delete every trace of these conversations (`channel:sender`), the tracker's last."""
    hashes = [ctx.cipher.blind_index(c, CONVERSATION_CONTEXT) for c in conversations]
    by_channel = {(c.partition(":")[0], r) for c in conversations for r in recipients(c)}
    with ctx.db.transaction() as session:
        messages = _gone(session, delete(ConversationMessage).where(ConversationMessage.conversation_hash.in_(hashes)))
        session.execute(delete(ChatSecret).where(ChatSecret.conversation_hash.in_(hashes)))
        session.execute(delete(FallbackStreak).where(FallbackStreak.conversation_hash.in_(hashes)))
        pseudonyms.forget(session, ctx.cipher, conversations)
        tickets = list(session.scalars(select(HandoffTicket.id).where(HandoffTicket.conversation_hash.in_(hashes))))
        replies = _gone(
            session,
            delete(StaffReply).where(or_(StaffReply.ticket_id.in_(tickets), StaffReply.conversation_hash.in_(hashes))),
        )
        handed = _gone(session, delete(HandoffTicket).where(HandoffTicket.id.in_(tickets)))
        outbox = _forget_outbox(session, ctx, by_channel)
        pending = _forget_pending_replies(session, ctx, by_channel)
    events = forget_tracker(ctx, conversations)
    return Erased(messages, events, handed, replies, outbox, pending)


def _gone(session: Session, statement: Any) -> int:
    result: Any = session.execute(statement)
    return int(result.rowcount or 0)


def _forget_outbox(session: Session, ctx: ServiceContext, by_channel: set[tuple[str, str]]) -> int:
    """Notifications to the account on its chat channels (the web page's inbox among them)."""
    removed = 0
    for channel, recipient in by_channel:
        hashed = ctx.cipher.blind_index(recipient, RECIPIENT_CONTEXT)
        removed += _gone(
            session,
            delete(OutboxMessage).where(OutboxMessage.channel == channel, OutboxMessage.recipient_hash == hashed),
        )
    return removed


def _forget_pending_replies(session: Session, ctx: ServiceContext, by_channel: set[tuple[str, str]]) -> int:
    """Pushed answers keep their recipient encrypted only: open each of the account's channels'."""
    channels = {channel for channel, _ in by_channel}
    rows = session.scalars(select(PendingReply).where(PendingReply.channel.in_(channels))).all()
    doomed = [
        row.id
        for row in rows
        if (row.channel, ctx.cipher.decrypt(row.recipient_enc, REPLY_RECIPIENT_CONTEXT)) in by_channel
    ]
    return _gone(session, delete(PendingReply).where(PendingReply.id.in_(doomed))) if doomed else 0


def tracker_senders(ctx: ServiceContext, conversations: Iterable[str]) -> list[str]:
    """The sender ids Rasa may keep these conversations under: the pseudonym, and the plain
    `channel:sender` of trackers written before pseudonyms."""
    names = list(conversations)
    return sorted({*names, *(pseudonyms.of(ctx.cipher, c) for c in names)})


def forget_tracker(ctx: ServiceContext, conversations: list[str]) -> int:
    """Remove these conversations from Rasa's tracker store; -1 when it cannot be reached
    (the retention job removes them within CONVERSATION_RETENTION_DAYS anyway)."""
    url = tracker_store_url(ctx.settings.rasa_tracker_store_url)
    if not url or not conversations:
        return 0
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as connection:
            senders = tracker_senders(ctx, conversations)
            result: Any = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders)))
            return int(result.rowcount or 0)
    except SQLAlchemyError as exc:
        log.error("could not delete from the tracker store", extra={"error": type(exc).__name__})
        return -1
    finally:
        engine.dispose()
