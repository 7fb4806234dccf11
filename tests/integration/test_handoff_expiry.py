"""No hand-off ticket stays open for good (blind set 3, E56): one that neither the patient
nor staff has said anything on for HANDOFF_IDLE_HOURS is closed by beat, and the bot
answers that conversation again; a ticket still in use is left alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import ConversationMessage, HandoffTicket, StaffAccount, StaffReply, utcnow
from services.context import ServiceContext
from services.conversation import handoff, handoff_expiry
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from tasks.schedule import BEAT_SCHEDULE
from tests.console_helpers import audit_actions, make_staff

CONVERSATION = "web:s-angry-patient"


def _age(ctx: ServiceContext, ticket_id: int, hours: float) -> None:
    with ctx.db.transaction() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        assert ticket is not None
        ticket.created_at = utcnow() - timedelta(hours=hours)


def _status(ctx: ServiceContext, ticket_id: int) -> str:
    with ctx.db.reading() as session:
        return str(session.scalar(select(HandoffTicket.status).where(HandoffTicket.id == ticket_id)))


def test_an_idle_ticket_is_closed_and_the_bot_answers_again(ctx: ServiceContext) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    _age(ctx, ticket_id, ctx.settings.handoff_idle_hours + 1)
    assert handoff.is_paused(ctx, CONVERSATION)
    assert handoff_expiry.close_idle(ctx) == 1
    assert _status(ctx, ticket_id) == "closed"
    assert not handoff.is_paused(ctx, CONVERSATION)
    assert "handoff.expired" in {e.action for e in audit_actions(ctx)}
    assert handoff_expiry.close_idle(ctx) == 0  # nothing twice


def test_a_young_ticket_stays_open(ctx: ServiceContext) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    _age(ctx, ticket_id, ctx.settings.handoff_idle_hours - 1)
    assert handoff_expiry.close_idle(ctx) == 0
    assert _status(ctx, ticket_id) == "open"


def test_a_ticket_the_patient_still_writes_on_stays_open(ctx: ServiceContext) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    _age(ctx, ticket_id, ctx.settings.handoff_idle_hours + 5)
    with ctx.db.transaction() as session:
        session.add(
            ConversationMessage(
                channel="web",
                conversation_hash=ctx.cipher.blind_index(CONVERSATION, CONVERSATION_CONTEXT),
                conversation_enc=ctx.cipher.encrypt(CONVERSATION, CONVERSATION_CONTEXT),
                text_enc=ctx.cipher.encrypt("还在吗", TEXT_CONTEXT),
                received_at=utcnow() - timedelta(hours=1),
            )
        )
    assert handoff_expiry.close_idle(ctx) == 0
    assert _status(ctx, ticket_id) == "open"


def test_a_ticket_staff_answered_lately_stays_open(ctx: ServiceContext) -> None:
    ticket_id, _ = handoff.open_ticket(ctx, CONVERSATION, "asked_for_human")
    _age(ctx, ticket_id, ctx.settings.handoff_idle_hours + 5)
    make_staff(ctx, "desk1", "support")
    with ctx.db.transaction() as session:
        staff = session.scalar(select(StaffAccount.id).where(StaffAccount.username == "desk1"))
        session.add(
            StaffReply(
                ticket_id=ticket_id,
                staff_id=staff,
                conversation_hash=ctx.cipher.blind_index(CONVERSATION, CONVERSATION_CONTEXT),
                text_enc="x",
                created_at=utcnow() - timedelta(hours=2),
            )
        )
    assert handoff_expiry.close_idle(ctx) == 0
    assert _status(ctx, ticket_id) == "open"


def test_beat_runs_it() -> None:
    assert BEAT_SCHEDULE["close-idle-handoffs"]["task"] == "handoffs.close_idle"
