"""A hand-off ticket does not stay open for good.

A patient who asked for a person and then closed the page, or said goodbye in words
the queue did not know, left a ticket open: the bot stayed paused for that conversation
("已转人工，请稍候" to every later message, days on) and the staff inbox kept a request
nobody was waiting on (blind set 3, E56). A ticket on which neither the patient nor
staff has said anything for HANDOFF_IDLE_HOURS is closed by beat (handoffs.close_idle),
audited as ``handoff.expired``. The default (72 h) outlasts a weekend, so a request made
on Friday evening is still in the inbox on Monday morning.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from db import rows_changed
from models import ConversationMessage, HandoffTicket, StaffReply, utcnow
from services import audit
from services.context import ServiceContext
from services.conversation.handoff import OPEN_STATUSES


def close_idle(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Close the open tickets idle for longer than the setting; how many were closed."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=ctx.settings.handoff_idle_hours)
    closed = 0
    with ctx.db.transaction() as session:
        ticket = HandoffTicket
        candidates = session.execute(
            select(ticket.id, ticket.conversation_hash, ticket.created_at, ticket.claimed_at).where(
                ticket.status.in_(OPEN_STATUSES), ticket.created_at < cutoff
            )
        ).all()
        for ticket_id, conversation_hash, created_at, claimed_at in candidates:
            staff_said = session.scalar(
                select(func.max(StaffReply.created_at)).where(StaffReply.ticket_id == ticket_id)
            )
            patient_said = session.scalar(
                select(func.max(ConversationMessage.received_at)).where(
                    ConversationMessage.conversation_hash == conversation_hash
                )
            )
            latest = max(t for t in (created_at, claimed_at, staff_said, patient_said) if t is not None)
            if latest >= cutoff:
                continue
            moved = rows_changed(
                session,
                update(HandoffTicket)
                .where(HandoffTicket.id == ticket_id, HandoffTicket.status.in_(OPEN_STATUSES))
                .values(status="closed", closed_at=now),
            )
            if moved:
                audit.record(ctx, session, action="handoff.expired", subject=f"handoff:{ticket_id}")
                closed += 1
    return closed
