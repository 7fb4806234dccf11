"""What a chat turn must know about its conversation, read in one statement.

Issue 14: most of the chat edge's CPU per turn was SQL, four separate read
transactions (emergency state, open hand-off, pseudonym, fallback streak), each a
BEGIN, a SELECT and, on SQLite, a file lock. One SELECT of scalar subqueries gives
the same answers in one round trip. It is read where services/conversation/turns.py
read the emergency state before (after the message is kept, so "the message before
this one" is the second newest), and each answer means what the single read in
emergency.py, handoff.py and pseudonyms.py means.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from models import ConversationMessage, FallbackStreak, HandoffTicket, RasaSender, utcnow
from services.clinical.triage import TriageEngine
from services.context import ServiceContext
from services.conversation import emergency, pseudonyms
from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT
from services.conversation.handoff import OPEN_STATUSES


@dataclass(frozen=True)
class TurnState:
    emergency: emergency.EmergencyState | None  # as emergency.current
    paused: bool  # a hand-off ticket is open: as handoff.is_paused
    pseudonym_known: bool  # as pseudonyms.remember's read
    fallback_streak: int  # as handoff.note_bot_answer's read
    # the message before this one: how it was answered and what it was read as (a person
    # offered there is still on offer: services/conversation/handoff_choice.offer_pending)
    previous_status: str | None = None
    previous_intent: str | None = None


def read(ctx: ServiceContext, triage: TriageEngine, conversation_id: str, now: datetime | None = None) -> TurnState:
    conversation_hash = ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT)
    since = (now or utcnow()) - emergency.window(ctx.settings)
    mine = ConversationMessage.conversation_hash == conversation_hash

    def latest_alert(column):  # type: ignore[no-untyped-def]
        alerts = select(column).where(mine, ConversationMessage.status == "emergency")
        alerts = alerts.where(ConversationMessage.received_at >= since)
        return alerts.order_by(ConversationMessage.id.desc()).limit(1).scalar_subquery()

    def previous(column):  # type: ignore[no-untyped-def]
        return select(column).where(mine).order_by(ConversationMessage.id.desc()).offset(1).limit(1).scalar_subquery()

    pseudonym = pseudonyms.of(ctx.cipher, conversation_id)
    query = select(
        latest_alert(ConversationMessage.text_enc),
        latest_alert(ConversationMessage.received_at),
        previous(ConversationMessage.status),
        previous(ConversationMessage.intent),
        exists().where(HandoffTicket.conversation_hash == conversation_hash, HandoffTicket.status.in_(OPEN_STATUSES)),
        exists().where(RasaSender.pseudonym == pseudonym),
        select(FallbackStreak.count).where(FallbackStreak.conversation_hash == conversation_hash).scalar_subquery(),
    )
    with ctx.db.reading() as session:
        text_enc, raised_at, previous_status, previous_intent, paused, known, streak = session.execute(query).one()
    state = None
    if text_enc is not None:
        text = ctx.cipher.decrypt(text_enc, TEXT_CONTEXT)
        state = emergency.state_of(triage, text, raised_at, previous_status, previous_intent)
    return TurnState(state, bool(paused), bool(known), int(streak or 0), previous_status, previous_intent)
