"""The hand-off inbox a team shares: urgent tickets first (opened after a red-flag
answer, or a red flag came while open), then open before claimed, then the longest
waiting; each row with a preview of the patient's last message (numbers and names masked), how long
they have been waiting, and who holds it. Paged, so a busy day stays readable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import Session

from models import ConversationMessage, HandoffTicket, StaffAccount, StaffReply
from services.booking.calendar import SHANGHAI
from services.clinical.triage import default_engine
from services.context import ServiceContext
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.emergency import ticket_alert
from services.conversation.handoff import OPEN_STATUSES, mask_sender, mask_text, split_conversation
from services.conversation.name_masking import known_names, mask_names

PER_PAGE = 20
PREVIEW_CHARS = 40


@dataclass(frozen=True)
class TicketRow:
    id: int
    channel: str
    reason: str
    status: str
    who: str  # masked sender
    assignee: str | None  # display name of the holder
    assignee_id: str | None
    created_at: datetime
    urgent: bool
    preview: str  # the patient's last message, masked and cut short
    waiting_since: datetime | None  # the patient's oldest message nobody answered yet
    # An urgent ticket carries the alert: the red flags and what the bot told the patient.
    alert_labels: str = ""
    alert_text: str = ""


@dataclass(frozen=True)
class InboxPage:
    rows: list[TicketRow]
    page: int
    pages: int
    total: int


def _emergency_while_open() -> ColumnElement[bool]:
    return exists().where(
        ConversationMessage.conversation_hash == HandoffTicket.conversation_hash,
        ConversationMessage.status == "emergency",
        ConversationMessage.received_at >= HandoffTicket.created_at,
    )


def urgent_expr() -> ColumnElement[bool]:
    return or_(HandoffTicket.urgent.is_(True), _emergency_while_open())


def list_inbox(ctx: ServiceContext, include_closed: bool = False, page: int = 1) -> InboxPage:
    """One page of tickets: urgent first, then open before claimed, then the longest waiting."""
    statuses = (*OPEN_STATUSES, "closed") if include_closed else OPEN_STATUSES
    urgent = urgent_expr()
    with ctx.db.reading() as session:
        total = session.scalar(select(func.count(HandoffTicket.id)).where(HandoffTicket.status.in_(statuses))) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        rows = session.execute(
            select(HandoffTicket, StaffAccount.display_name, urgent.label("urgent_now"))
            .outerjoin(StaffAccount, StaffAccount.id == HandoffTicket.assignee_id)
            .where(HandoffTicket.status.in_(statuses))
            .order_by(
                case((HandoffTicket.status == "closed", 1), else_=0),
                urgent.desc(),
                case((HandoffTicket.status == "open", 0), else_=1),
                HandoffTicket.created_at,
                HandoffTicket.id,
            )
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        ).all()
        return InboxPage([ticket_row(ctx, session, t, name, bool(u)) for t, name, u in rows], page, pages, total)


def ticket_row(
    ctx: ServiceContext, session: Session, ticket: HandoffTicket, assignee: str | None, urgent: bool
) -> TicketRow:
    channel, sender = split_conversation(ctx.cipher.decrypt(ticket.conversation_enc, CONVERSATION_CONTEXT))
    last = session.scalar(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_hash == ticket.conversation_hash)
        .order_by(ConversationMessage.id.desc())
        .limit(1)
    )
    preview = mask_text(ctx.cipher.decrypt(last.text_enc, TEXT_CONTEXT)) if last else ""
    if preview:  # a list anyone on the team scans: names masked too, as in the review
        preview = mask_names(preview, known_names(session, ctx.cipher, channel, sender))
    if len(preview) > PREVIEW_CHARS:
        preview = preview[:PREVIEW_CHARS] + "…"
    alert = None
    if urgent:  # in or after an emergency: the nurse reads the alert the patient got
        alert = ticket_alert(ctx, default_engine(), session, ticket.conversation_hash, ticket.created_at)
    return TicketRow(
        ticket.id,
        ticket.channel,
        ticket.reason,
        ticket.status,
        mask_sender(sender),
        assignee,
        ticket.assignee_id,
        ticket.created_at.astimezone(SHANGHAI),
        urgent,
        preview,
        _waiting_since(session, ticket),
        *(alert or ()),
    )


def _waiting_since(session: Session, ticket: HandoffTicket) -> datetime | None:
    """When the patient started waiting: the ticket's opening while nobody replied, else
    their first message after the last staff reply; None when staff answered last."""
    if ticket.status == "closed":
        return None
    last_reply = session.scalar(select(func.max(StaffReply.created_at)).where(StaffReply.ticket_id == ticket.id))
    if last_reply is None:
        return ticket.created_at.astimezone(SHANGHAI)
    since = session.scalar(
        select(func.min(ConversationMessage.received_at)).where(
            ConversationMessage.conversation_hash == ticket.conversation_hash,
            ConversationMessage.received_at > last_reply,
        )
    )
    return since.astimezone(SHANGHAI) if since else None
