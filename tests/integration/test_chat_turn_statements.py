"""How many SQL round trips an ordinary web chat turn costs (issue 14), and that the
turn's single read (services/conversation/turn_state.py) says what the separate reads
it replaced say.

The chat edge's own work was mostly SQL (docs/benchmarks.md): each statement and each
transaction is a round trip and, on SQLite, a file lock. An ordinary turn now keeps the
message (INSERT), reads what it needs (one SELECT) and records the answer (UPDATE);
before, four more read transactions sat between them. SQLite and PostgreSQL both."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, update

from app import create_app
from integrations.rasa.client import RasaRestClient
from models import ConversationMessage, FallbackStreak, RasaSender
from services.clinical.triage import TriageEngine
from services.clinical.triage.engine import default_engine
from services.context import ServiceContext
from services.conversation import emergency, handoff, pseudonyms, turn_state
from services.conversation.contexts import CONVERSATION_CONTEXT
from services.conversation.turns import InboundMessage, record_inbound, settle
from tests.conftest import settings_for
from tests.fakes.http_server import Recorded, fake_server
from tests.wiring import use

MAX_STATEMENTS = 3  # INSERT the message, the turn's one SELECT, UPDATE its status (was 6)
MAX_TRANSACTIONS = 3  # was 6


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    if request.param == "sqlite":
        yield request.getfixturevalue("app")
        return
    application = create_app(settings_for(request.getfixturevalue("postgres_url")))
    yield application
    application.extensions["hospital"].db.dispose()


@dataclass
class Counted:
    statements: list[str]
    transactions: int = 0


@pytest.fixture
def counted(any_app: Flask) -> Iterator[Counted]:
    ctx: ServiceContext = any_app.extensions["hospital"]
    seen = Counted([])

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's explicit BEGIN: counted as a transaction
            seen.statements.append(" ".join(statement.split())[:100])

    def on_begin(_conn: Any) -> None:
        seen.transactions += 1

    event.listen(ctx.db.engine, "before_cursor_execute", on_statement)
    event.listen(ctx.db.engine, "begin", on_begin)
    yield seen
    event.remove(ctx.db.engine, "before_cursor_execute", on_statement)
    event.remove(ctx.db.engine, "begin", on_begin)


def rasa_answers(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": request.json()["sender"], "text": "您好，我是导诊助手。"}]
    return 200, {}


def test_an_ordinary_web_chat_turn_costs_few_statements(any_app: Flask, counted: Counted) -> None:
    client = any_app.test_client()
    with fake_server(rasa_answers) as rasa:
        use(any_app, dialogue=RasaRestClient(rasa.url, timeout=1.0))
        assert client.post("/api/v1/chat", json={"sender": "p", "message": "你好"}).status_code == 200  # first turn
        counted.statements.clear()
        counted.transactions = 0
        response = client.post("/api/v1/chat", json={"sender": "p", "message": "我想挂号"})
    assert response.status_code == 200 and response.json is not None
    assert response.json["messages"][0]["text"] == "您好，我是导诊助手。"
    assert len(counted.statements) <= MAX_STATEMENTS, counted.statements
    assert counted.transactions <= MAX_TRANSACTIONS, counted.statements


def separate_reads(ctx: ServiceContext, triage: TriageEngine, conversation_id: str) -> turn_state.TurnState:
    """What the four reads the turn made before issue 14 say."""
    pseudonym = pseudonyms.of(ctx.cipher, conversation_id)
    with ctx.db.reading() as session:
        known = session.get(RasaSender, pseudonym) is not None
        row = session.get(FallbackStreak, ctx.cipher.blind_index(conversation_id, CONVERSATION_CONTEXT))
    streak = row.count if row else 0
    state = emergency.current(ctx, triage, conversation_id)
    return turn_state.TurnState(state, handoff.is_paused(ctx, conversation_id), known, streak)


def kept(ctx: ServiceContext, conversation_id: str, text: str, status: str | None, intent: str | None = None) -> None:
    channel, sender = conversation_id.split(":", 1)
    row_id = record_inbound(ctx, InboundMessage(channel, sender, text))
    if status is not None:
        settle(ctx, row_id, status)
        if intent is not None:
            with ctx.db.transaction() as session:
                labelled = update(ConversationMessage).where(ConversationMessage.id == row_id)
                session.execute(labelled.values(intent=intent))


def test_the_single_read_says_what_the_separate_reads_say(any_app: Flask) -> None:
    ctx: ServiceContext = any_app.extensions["hospital"]
    triage = default_engine()
    cid = "web:reader-1"

    def agree() -> turn_state.TurnState:
        kept(ctx, cid, "这一轮的消息", None)  # the turn's own message is kept first, as in handle_message
        together = turn_state.read(ctx, triage, cid)
        apart = separate_reads(ctx, triage, cid)
        assert together.paused == apart.paused
        assert together.pseudonym_known == apart.pseudonym_known
        assert together.fallback_streak == apart.fallback_streak
        assert (together.emergency is None) == (apart.emergency is None)
        if together.emergency is not None and apart.emergency is not None:
            assert together.emergency.text == apart.emergency.text
            assert together.emergency.raised_at == apart.emergency.raised_at
            assert together.emergency.edge_spoke_last == apart.emergency.edge_spoke_last
            assert [h.id for h in together.emergency.hits] == [h.id for h in apart.emergency.hits]
        return together

    fresh = agree()
    assert (fresh.emergency, fresh.paused, fresh.pseudonym_known, fresh.fallback_streak) == (None, False, False, 0)
    pseudonyms.remember(ctx, cid)
    assert handoff.note_bot_answer(ctx, cid, [handoff.FALLBACK_MARKER + "，请换个说法"]) is False
    kept(ctx, cid, "我爸胸口压着疼，一直出冷汗", "emergency")
    state = agree()
    assert state.pseudonym_known and state.fallback_streak == 1
    assert state.emergency is not None and state.emergency.hits and state.emergency.edge_spoke_last
    kept(ctx, cid, "好的", "answered", intent="emergency/closing")
    assert (after := agree().emergency) is not None and after.edge_spoke_last
    kept(ctx, cid, "我想挂号", "answered", intent="book_appointment")
    assert (later := agree().emergency) is not None and not later.edge_spoke_last
    handoff.open_ticket(ctx, cid, "asked_for_human")
    assert agree().paused
    other = turn_state.read(ctx, triage, "web:someone-else")  # nothing of one conversation leaks into another
    assert (other.emergency, other.paused, other.pseudonym_known, other.fallback_streak) == (None, False, False, 0)
