"""Hand-off to a person: when a patient asks for one (the action server calls
`POST /api/v1/handoffs`) or the bot gave up twice in a row.

While a conversation has a ticket that is not closed the bot is paused for it:
the chat edge keeps the patient's messages and answers only "已转人工，请稍候".
Staff read the recent conversation with ID numbers and phones masked, reply on
the patient's own channel (the outbox for WeChat, Alipay and SMS; the web chat
page polls for its replies), and hand back by closing the ticket: that side is
services/conversation/handoff_desk.py and handoff_inbox.py.

The bot's fallback is recognised by its wording: a reply whose text starts with
FALLBACK_MARKER (the `utter_default` of bot/domain) counts as "did not understand".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import (
    ConversationMessage,
    FallbackStreak,
    HandoffTicket,
    StaffReply,
    utcnow,
)
from services import audit
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.errors import InvalidInput
from services.patients.identity import mask_id_number, mask_phone
from shared_rules import MOBILE_IN_TEXT

CHANNELS = ("web", "wechat", "alipay", "sms")
REASONS = ("asked_for_human", "bot_gave_up")
OPEN_STATUSES = ("open", "claimed")
FALLBACK_MARKER = "抱歉，我没太听明白"
FALLBACKS_BEFORE_HANDOFF = 2
PAUSED_REPLY = "已转人工，请稍候"
HANDED_BACK = "人工客服已结束本次服务，您可以继续向智能助手提问。"
REPLY_CONTEXT = "staff_replies.text"
RECENT_MESSAGES = 30
MAX_REPLY_CHARS = 500

_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE = MOBILE_IN_TEXT


def mask_text(text: str) -> str:
    """ID numbers and mobile numbers anywhere in free text, masked as the patient sees them."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


def mask_sender(sender: str) -> str:
    if _PHONE.fullmatch(sender.removeprefix("+86")):
        return mask_phone(sender.removeprefix("+86"))
    return sender[:4] + "…" + sender[-2:] if len(sender) > 8 else sender[:2] + "…"


def _hash(ctx: ServiceContext, conversation_id: str) -> str:
    return ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)


def split_conversation(conversation_id: str) -> tuple[str, str]:
    channel, _, sender = conversation_id.partition(":")
    if channel not in CHANNELS or not sender:
        raise InvalidInput("会话编号应为“渠道:用户编号”，渠道为 web、wechat、alipay 或 sms")
    return channel, sender


# --- the chat edge ------------------------------------------------------------------


def is_paused(ctx: ServiceContext, conversation_id: str) -> bool:
    with ctx.db.reading() as session:
        return _open_ticket(session, _hash(ctx, conversation_id)) is not None


def _open_ticket(session: Session, conversation_hash: str) -> HandoffTicket | None:
    return session.scalar(
        select(HandoffTicket)
        .where(HandoffTicket.conversation_hash == conversation_hash, HandoffTicket.status.in_(OPEN_STATUSES))
        .limit(1)
    )


def open_ticket(ctx: ServiceContext, conversation_id: str, reason: str) -> tuple[int, bool]:
    """(ticket id, whether it is new): a conversation has at most one ticket open."""
    channel, _sender = split_conversation(conversation_id)
    if reason not in REASONS:
        raise InvalidInput("转人工原因应为 asked_for_human 或 bot_gave_up")
    with ctx.db.transaction() as session:
        return _open_in(ctx, session, conversation_id, channel, reason)


def _open_in(
    ctx: ServiceContext, session: Session, conversation_id: str, channel: str, reason: str
) -> tuple[int, bool]:
    conversation_hash = _hash(ctx, conversation_id)
    existing = _open_ticket(session, conversation_hash)
    if existing is not None:
        return existing.id, False
    ticket = HandoffTicket(
        conversation_hash=conversation_hash,
        conversation_enc=ctx.cipher.encrypt(conversation_id, CONVERSATION_CONTEXT),
        channel=channel,
        reason=reason,
        status="open",
        # opened in or after an emergency (services/conversation/emergency.py): seen first
        urgent=_emergency_since(session, conversation_hash, utcnow() - _emergency_window(ctx)),
    )
    session.add(ticket)
    session.flush()
    audit.record(ctx, session, action="handoff.open", subject=f"handoff:{ticket.id}", detail={"reason": reason})
    return ticket.id, True


def _emergency_window(ctx: ServiceContext) -> timedelta:
    return timedelta(hours=ctx.settings.emergency_state_hours)


def _emergency_since(session: Session, conversation_hash: str, since: datetime) -> bool:
    """Whether the edge answered a red flag in this conversation since `since`: a patient
    who asks for a person right after an emergency answer is seen first."""
    found = session.scalar(
        select(ConversationMessage.id)
        .where(
            ConversationMessage.conversation_hash == conversation_hash,
            ConversationMessage.status == "emergency",
            ConversationMessage.received_at >= since,
        )
        .limit(1)
    )
    return found is not None


def note_bot_answer(ctx: ServiceContext, conversation_id: str, texts: list[str], streak: int | None = None) -> bool:
    """Count the bot's consecutive fallbacks; the second returns True, and the edge then
    *offers* a person (handoff_choice.offer_reply): a patient is never transferred without
    choosing it. Writes nothing for an ordinary answer in a conversation with no streak.
    `streak`: the count as the turn already read it (turn_state.py), else read here; the
    write re-reads the row in its own transaction, so the count itself is never stale."""
    fallback = bool(texts) and texts[0].startswith(FALLBACK_MARKER)
    conversation_hash = _hash(ctx, conversation_id)
    if streak is None:
        with ctx.db.reading() as session:
            row = session.get(FallbackStreak, conversation_hash)
            streak = row.count if row else 0
    if not fallback and streak == 0:
        return False
    with ctx.db.transaction() as session:
        row = session.get(FallbackStreak, conversation_hash)
        if row is None:
            row = FallbackStreak(conversation_hash=conversation_hash, count=0)
            session.add(row)
        row.count = row.count + 1 if fallback else 0
        row.updated_at = utcnow()
        if row.count < FALLBACKS_BEFORE_HANDOFF:
            return False
        row.count = 0
        return True


# --- the web chat page --------------------------------------------------------------


def pending_for_web(ctx: ServiceContext, sender: str) -> tuple[list[str], bool]:
    """Staff replies the web page has not shown yet (now marked shown), and whether a
    hand-off is still open for this sender (the page keeps polling while it is)."""
    conversation_hash = _hash(ctx, f"web:{sender}")
    with ctx.db.reading() as session:
        waiting = session.scalars(
            select(StaffReply.id).where(
                StaffReply.conversation_hash == conversation_hash, StaffReply.delivered_at.is_(None)
            )
        ).all()
        open_now = _open_ticket(session, conversation_hash) is not None
    if not waiting:
        return [], open_now
    texts = []
    with ctx.db.transaction() as session:
        for reply_id in waiting:
            taken = rows_changed(
                session,
                update(StaffReply)
                .where(StaffReply.id == reply_id, StaffReply.delivered_at.is_(None))
                .values(delivered_at=utcnow()),
            )
            row = session.get(StaffReply, reply_id) if taken else None
            if row is not None:
                texts.append(ctx.cipher.decrypt(row.text_enc, REPLY_CONTEXT))
    return texts, open_now
