"""The staff side of a hand-off ticket, for a team working one inbox together
(the inbox itself: services/conversation/handoff_inbox.py).

A ticket is held by one staff member at a time: claiming an open ticket takes it,
and only its holder replies or hands back. Anyone else sees who holds it and may
take it over explicitly, with a reason that goes to the audit log with both names;
that is how a shift changes hands without two people answering one patient.
Every staff line of the transcript carries the display name of who wrote it.

The inbox lists urgent tickets first (opened after a red-flag answer, or a red flag
came while it was open), then the longest waiting; each row has a masked preview
of the patient's last message and how long they have been waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import (
    AccountPatient,
    ChannelIdentity,
    ConversationMessage,
    HandoffTicket,
    StaffAccount,
    StaffReply,
    utcnow,
)
from services import audit
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.handoff import (
    HANDED_BACK,
    MAX_REPLY_CHARS,
    OPEN_STATUSES,
    RECENT_MESSAGES,
    REPLY_CONTEXT,
    mask_text,
    split_conversation,
)
from services.conversation.handoff_inbox import TicketRow, ticket_row, urgent_expr
from services.crypto import FieldCipher
from services.errors import Conflict, InvalidInput, NotFound
from services.notifications import outbox
from services.patients.identities import is_identity


class HeldByOther(Conflict):
    """The ticket is someone else's: name them, so the reader can ask or take over."""

    code = "handoff_held"

    def __init__(self, holder: str) -> None:
        super().__init__(f"这个工单正由{holder}处理。如需接手，请点击“改由我接手”并填写原因。")


@dataclass(frozen=True)
class Line:
    who: str  # patient | staff
    text: str
    at: datetime
    author: str = ""  # the staff member's display name on staff lines
    status: str = ""
    key: str = ""  # "m<id>" or "r<id>": the page asks for lines after the last it has


@dataclass(frozen=True)
class TicketView:
    ticket: TicketRow
    lines: list[Line]
    patient_id: str | None
    cursor: tuple[int, int]  # last message id, last reply id shown


def _ticket(session: Session, ticket_id: int) -> HandoffTicket:
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise NotFound("没有找到这个转人工工单")
    return ticket


def _read(ctx: ServiceContext, message: ConversationMessage) -> str:
    return mask_text(ctx.cipher.decrypt(message.text_enc, TEXT_CONTEXT))


def _lines(
    ctx: ServiceContext, session: Session, ticket: HandoffTicket, after: tuple[int, int] | None
) -> tuple[list[Line], tuple[int, int]]:
    inbound_query = select(ConversationMessage).where(ConversationMessage.conversation_hash == ticket.conversation_hash)
    reply_query = (
        select(StaffReply, StaffAccount.display_name)
        .join(StaffAccount, StaffAccount.id == StaffReply.staff_id)
        .where(StaffReply.conversation_hash == ticket.conversation_hash)
    )
    if after is None:
        inbound = list(session.scalars(inbound_query.order_by(ConversationMessage.id.desc()).limit(RECENT_MESSAGES)))
    else:
        inbound = list(session.scalars(inbound_query.where(ConversationMessage.id > after[0])))
        reply_query = reply_query.where(StaffReply.id > after[1])
    replies = session.execute(reply_query.order_by(StaffReply.id)).all()
    lines = [
        Line(
            "patient", mask_text(ctx.cipher.decrypt(m.text_enc, TEXT_CONTEXT)), m.received_at, "", m.status, f"m{m.id}"
        )
        for m in inbound
    ] + [
        Line("staff", ctx.cipher.decrypt(r.text_enc, REPLY_CONTEXT), r.created_at, name, "", f"r{r.id}")
        for r, name in replies
    ]
    lines.sort(key=lambda line: line.at)
    base = after or (0, 0)
    cursor = (
        max([m.id for m in inbound], default=base[0]),
        max([r.id for r, _ in replies], default=base[1]),
    )
    local = [Line(x.who, x.text, x.at.astimezone(SHANGHAI), x.author, x.status, x.key) for x in lines]
    return local, cursor


def _current_row(ctx: ServiceContext, session: Session, ticket: HandoffTicket) -> TicketRow:
    holder = session.get(StaffAccount, ticket.assignee_id) if ticket.assignee_id else None
    urgent = session.scalar(select(urgent_expr()).where(HandoffTicket.id == ticket.id))
    return ticket_row(ctx, session, ticket, holder.display_name if holder else None, bool(urgent))


def linked_patient(session: Session, cipher: FieldCipher, channel: str, sender: str) -> str | None:
    """The patient this platform user manages as "self" (or first), for the audit log."""
    return session.scalar(
        select(AccountPatient.patient_id)
        .join(ChannelIdentity, ChannelIdentity.account_id == AccountPatient.account_id)
        .where(is_identity(cipher, channel, sender))
        .order_by(AccountPatient.relation.desc())
        .limit(1)
    )


def view_ticket(ctx: ServiceContext, ticket_id: int, why: str) -> TicketView:
    """The ticket with the recent conversation, masked; recorded in the audit log with `why`."""
    why = require_why(why)
    with ctx.db.transaction() as session:
        ticket = _ticket(session, ticket_id)
        channel, sender = split_conversation(ctx.cipher.decrypt(ticket.conversation_enc, CONVERSATION_CONTEXT))
        lines, cursor = _lines(ctx, session, ticket, None)
        patient_id = linked_patient(session, ctx.cipher, channel, sender)
        audit.record(
            ctx,
            session,
            action="handoff.view",
            patient_id=patient_id,
            subject=f"handoff:{ticket.id}",
            reason=why,
        )
        return TicketView(_current_row(ctx, session, ticket), lines, patient_id, cursor)


def updates(ctx: ServiceContext, ticket_id: int, after: tuple[int, int]) -> TicketView:
    """Lines newer than `after` for a page already open (its view is in the audit log),
    with the ticket's current state: the page polls this instead of reloading."""
    with ctx.db.reading() as session:
        ticket = _ticket(session, ticket_id)
        lines, cursor = _lines(ctx, session, ticket, after)
        return TicketView(_current_row(ctx, session, ticket), lines, None, cursor)


def require_why(why: str) -> str:
    why = (why or "").strip()
    if len(why) < 2:
        raise InvalidInput("查看患者信息前请填写查看原因")
    return why[:200]


def _holder_name(session: Session, ticket: HandoffTicket) -> str:
    holder = session.get(StaffAccount, ticket.assignee_id) if ticket.assignee_id else None
    return holder.display_name if holder else "其他同事"


def claim(ctx: ServiceContext, ticket_id: int, staff_id: str) -> None:
    """Take an open ticket; a ticket someone else holds is refused with their name."""
    with ctx.db.transaction() as session:
        moved = rows_changed(
            session,
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status == "open")
            .values(status="claimed", assignee_id=staff_id, claimed_at=utcnow()),
        )
        if not moved:
            ticket = _ticket(session, ticket_id)
            if ticket.status == "closed":
                raise Conflict("这个工单已关闭")
            if ticket.assignee_id != staff_id:
                raise HeldByOther(_holder_name(session, ticket))
            return
        audit.record(ctx, session, action="handoff.claim", subject=f"handoff:{ticket_id}")


def take_over(ctx: ServiceContext, ticket_id: int, staff_id: str, reason: str) -> None:
    """Explicitly take a ticket another staff member holds (a shift change, someone away);
    audited with the previous holder and the reason."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("请填写接手原因（至少两个字），它会记入审计日志")
    with ctx.db.transaction() as session:
        ticket = _ticket(session, ticket_id)
        previous = ticket.assignee_id
        if ticket.status == "closed":
            raise Conflict("这个工单已关闭")
        if previous == staff_id:
            return
        moved = rows_changed(
            session,
            update(HandoffTicket)
            .where(
                HandoffTicket.id == ticket_id,
                HandoffTicket.status.in_(OPEN_STATUSES),
                HandoffTicket.assignee_id.is_(None) if previous is None else HandoffTicket.assignee_id == previous,
            )
            .values(status="claimed", assignee_id=staff_id, claimed_at=utcnow()),
        )
        if not moved:
            raise Conflict("这个工单刚刚有了变化，请刷新页面后再试")
        audit.record(
            ctx,
            session,
            action="handoff.take_over",
            subject=f"handoff:{ticket_id}",
            reason=reason[:200],
            detail={"from": previous, "to": staff_id},
        )


def _held_by(session: Session, ticket: HandoffTicket, staff_id: str) -> None:
    if ticket.status == "closed":
        raise Conflict("这个工单已关闭，不能再回复")
    if ticket.status == "claimed" and ticket.assignee_id != staff_id:
        raise HeldByOther(_holder_name(session, ticket))


def reply(ctx: ServiceContext, ticket_id: int, staff_id: str, text: str) -> None:
    """Send `text` to the patient on their own channel; claims an open ticket first,
    refuses one somebody else holds."""
    text = text.strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        raise InvalidInput(f"回复内容不能为空，且不超过{MAX_REPLY_CHARS}字")
    with ctx.db.reading() as session:
        ticket = _ticket(session, ticket_id)
        _held_by(session, ticket, staff_id)
        is_open = ticket.status == "open"
    if is_open:
        claim(ctx, ticket_id, staff_id)
    with ctx.db.transaction() as session:
        ticket = _ticket(session, ticket_id)
        _held_by(session, ticket, staff_id)
        _send(ctx, session, ticket, staff_id, text)
        audit.record(
            ctx,
            session,
            action="handoff.reply",
            subject=f"handoff:{ticket.id}",
            detail={"channel": ticket.channel, "chars": len(text)},
        )


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
    """Hand back to the bot: the ticket closes and the patient is told. Only the holder
    (or anyone, while nobody holds it) may close."""
    with ctx.db.transaction() as session:
        ticket = _ticket(session, ticket_id)
        if ticket.status == "claimed" and ticket.assignee_id != staff_id:
            raise HeldByOther(_holder_name(session, ticket))
        moved = rows_changed(
            session,
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(OPEN_STATUSES))
            .values(status="closed", closed_at=utcnow()),
        )
        if not moved:
            raise Conflict("这个工单已经关闭了")
        session.refresh(ticket)
        if ticket.assignee_id is None:
            ticket.assignee_id = staff_id
        _send(ctx, session, ticket, staff_id, HANDED_BACK)
        audit.record(ctx, session, action="handoff.close", subject=f"handoff:{ticket.id}")
