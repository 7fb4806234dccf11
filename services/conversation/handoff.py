"""Hand-off to a person: when a patient asks for one (the action server calls
`POST /api/v1/handoffs`) or the bot gave up twice in a row.

While a conversation has a ticket that is not closed the bot is paused for it:
the chat edge keeps the patient's messages and answers only "已转人工，请稍候".
Staff read the recent conversation with ID numbers and phones masked, reply on
the patient's own channel (the outbox for WeChat, Alipay and SMS; the web chat
page polls for its replies), and hand back by closing the ticket.

The bot's fallback is recognised by its wording: a reply whose text starts with
FALLBACK_MARKER (the `utter_default` of bot/domain) counts as "did not understand".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import (
    AccountPatient,
    ChannelIdentity,
    ConversationMessage,
    FallbackStreak,
    HandoffTicket,
    StaffAccount,
    StaffReply,
    utcnow,
)
from services import audit
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.errors import Conflict, InvalidInput, NotFound
from services.notifications import outbox
from services.patients.identity import mask_id_number, mask_phone

CHANNELS = ("web", "wechat", "alipay", "sms")
REASONS = ("asked_for_human", "bot_gave_up")
OPEN_STATUSES = ("open", "claimed")
FALLBACK_MARKER = "抱歉，我没太听明白"
FALLBACKS_BEFORE_HANDOFF = 2
PAUSED_REPLY = "已转人工，请稍候"
GAVE_UP_REPLY = "抱歉没能帮上您，已为您转接人工客服，请稍候。"
HANDED_BACK = "人工客服已结束本次服务，您可以继续向智能助手提问。"
REPLY_CONTEXT = "staff_replies.text"
RECENT_MESSAGES = 30
MAX_REPLY_CHARS = 500

_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


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
    )
    session.add(ticket)
    session.flush()
    audit.record(
        session, actor=ctx.actor, action="handoff.open", subject=f"handoff:{ticket.id}", detail={"reason": reason}
    )
    return ticket.id, True


def note_bot_answer(ctx: ServiceContext, conversation_id: str, texts: list[str]) -> bool:
    """Count the bot's consecutive fallbacks; the second opens a ticket (returns True then).
    Writes nothing for an ordinary answer in a conversation with no streak."""
    fallback = bool(texts) and texts[0].startswith(FALLBACK_MARKER)
    conversation_hash = _hash(ctx, conversation_id)
    with ctx.db.reading() as session:
        streak = session.get(FallbackStreak, conversation_hash)
        current = streak.count if streak else 0
    if not fallback and current == 0:
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
        channel, _ = split_conversation(conversation_id)
        _id, created = _open_in(ctx, session, conversation_id, channel, "bot_gave_up")
        return created


# --- the console --------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRow:
    id: int
    channel: str
    reason: str
    status: str
    who: str  # masked sender
    assignee: str | None
    created_at: datetime


def list_tickets(ctx: ServiceContext, include_closed: bool = False, limit: int = 100) -> list[TicketRow]:
    statuses = (*OPEN_STATUSES, "closed") if include_closed else OPEN_STATUSES
    with ctx.db.reading() as session:
        rows = session.execute(
            select(HandoffTicket, StaffAccount.display_name)
            .outerjoin(StaffAccount, StaffAccount.id == HandoffTicket.assignee_id)
            .where(HandoffTicket.status.in_(statuses))
            .order_by(HandoffTicket.created_at.desc())
            .limit(limit)
        ).all()
        return [_row(ctx, ticket, name) for ticket, name in rows]


def _row(ctx: ServiceContext, ticket: HandoffTicket, assignee: str | None) -> TicketRow:
    _channel, sender = split_conversation(ctx.cipher.decrypt(ticket.conversation_enc, CONVERSATION_CONTEXT))
    return TicketRow(
        ticket.id,
        ticket.channel,
        ticket.reason,
        ticket.status,
        mask_sender(sender),
        assignee,
        ticket.created_at.astimezone(SHANGHAI),
    )


@dataclass(frozen=True)
class Line:
    who: str  # patient | staff
    text: str
    at: datetime
    status: str = ""


@dataclass(frozen=True)
class TicketView:
    ticket: TicketRow
    lines: list[Line]
    patient_id: str | None


def _ticket(session: Session, ticket_id: int) -> HandoffTicket:
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise NotFound("没有找到这个转人工工单")
    return ticket


def _linked_patient(session: Session, channel: str, sender: str) -> str | None:
    """The patient this platform user manages as "self" (or first), for the audit log."""
    return session.scalar(
        select(AccountPatient.patient_id)
        .join(ChannelIdentity, ChannelIdentity.account_id == AccountPatient.account_id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == sender)
        .order_by(AccountPatient.relation.desc())
        .limit(1)
    )


def view_ticket(ctx: ServiceContext, ticket_id: int, why: str) -> TicketView:
    """The ticket with the recent conversation, masked; recorded in the audit log with `why`."""
    why = _require_why(why)
    with ctx.db.transaction() as session:
        ticket = _ticket(session, ticket_id)
        conversation_id = ctx.cipher.decrypt(ticket.conversation_enc, CONVERSATION_CONTEXT)
        channel, sender = split_conversation(conversation_id)
        inbound = session.scalars(
            select(ConversationMessage)
            .where(ConversationMessage.conversation_hash == ticket.conversation_hash)
            .order_by(ConversationMessage.id.desc())
            .limit(RECENT_MESSAGES)
        ).all()
        replies = session.scalars(
            select(StaffReply).where(StaffReply.conversation_hash == ticket.conversation_hash).order_by(StaffReply.id)
        ).all()
        lines = [
            Line("patient", mask_text(ctx.cipher.decrypt(m.text_enc, TEXT_CONTEXT)), m.received_at, m.status)
            for m in inbound
        ] + [Line("staff", ctx.cipher.decrypt(r.text_enc, REPLY_CONTEXT), r.created_at) for r in replies]
        lines.sort(key=lambda line: line.at)
        patient_id = _linked_patient(session, channel, sender)
        assignee = session.get(StaffAccount, ticket.assignee_id) if ticket.assignee_id else None
        audit.record(
            session,
            actor=ctx.actor,
            action="handoff.view",
            patient_id=patient_id,
            subject=f"handoff:{ticket.id}",
            reason=why,
            request_id=ctx.request_id,
        )
        row = _row(ctx, ticket, assignee.display_name if assignee else None)
    return TicketView(row, [Line(x.who, x.text, x.at.astimezone(SHANGHAI), x.status) for x in lines], patient_id)


def _require_why(why: str) -> str:
    why = (why or "").strip()
    if len(why) < 2:
        raise InvalidInput("查看患者信息前请填写查看原因")
    return why[:200]


def claim(ctx: ServiceContext, ticket_id: int, staff_id: str) -> None:
    with ctx.db.transaction() as session:
        moved = rows_changed(
            session,
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status == "open")
            .values(status="claimed", assignee_id=staff_id, claimed_at=utcnow()),
        )
        if not moved:
            ticket = _ticket(session, ticket_id)
            if ticket.status != "claimed" or ticket.assignee_id != staff_id:
                raise Conflict("这个工单已被其他同事接手或已关闭")
            return
        audit.record(session, actor=ctx.actor, action="handoff.claim", subject=f"handoff:{ticket_id}")


def reply(ctx: ServiceContext, ticket_id: int, staff_id: str, text: str) -> None:
    """Send `text` to the patient on their own channel; claims an open ticket first."""
    text = text.strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        raise InvalidInput(f"回复内容不能为空，且不超过{MAX_REPLY_CHARS}字")
    ticket_status = _status(ctx, ticket_id)
    if ticket_status == "open":
        claim(ctx, ticket_id, staff_id)
    elif ticket_status == "closed":
        raise Conflict("这个工单已关闭，不能再回复")
    with ctx.db.transaction() as session:
        ticket = _ticket(session, ticket_id)
        _send(ctx, session, ticket, staff_id, text)
        audit.record(
            session,
            actor=ctx.actor,
            action="handoff.reply",
            subject=f"handoff:{ticket.id}",
            detail={"channel": ticket.channel, "chars": len(text)},
        )


def _status(ctx: ServiceContext, ticket_id: int) -> str:
    with ctx.db.reading() as session:
        return _ticket(session, ticket_id).status


def _send(ctx: ServiceContext, session: Session, ticket: HandoffTicket, staff_id: str, text: str) -> None:
    conversation_id = ctx.cipher.decrypt(ticket.conversation_enc, CONVERSATION_CONTEXT)
    channel, sender = split_conversation(conversation_id)
    staff_reply = StaffReply(
        ticket_id=ticket.id,
        staff_id=staff_id,
        conversation_hash=ticket.conversation_hash,
        text_enc=ctx.cipher.encrypt(text, REPLY_CONTEXT),
        delivered_at=None if channel == "web" else utcnow(),
    )
    session.add(staff_reply)
    session.flush()
    if channel != "web":  # the web page collects its replies by polling
        outbox.enqueue(
            session,
            ctx.cipher,
            dedupe_key=f"handoff_reply:{staff_reply.id}",
            channel=channel,
            kind="handoff_reply",
            recipient=sender,
            text=text,
        )


def close(ctx: ServiceContext, ticket_id: int, staff_id: str) -> None:
    """Hand back to the bot: the ticket closes and the patient is told."""
    with ctx.db.transaction() as session:
        moved = rows_changed(
            session,
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(OPEN_STATUSES))
            .values(status="closed", closed_at=utcnow()),
        )
        ticket = _ticket(session, ticket_id)
        if not moved:
            raise Conflict("这个工单已经关闭了")
        if ticket.assignee_id is None:
            ticket.assignee_id = staff_id
        _send(ctx, session, ticket, staff_id, HANDED_BACK)
        audit.record(session, actor=ctx.actor, action="handoff.close", subject=f"handoff:{ticket.id}")


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
