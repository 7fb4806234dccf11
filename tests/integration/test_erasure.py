"""删除我的数据 reaches everything that holds the patient's conversation (issue 11): Rasa's
tracker rows (under the pseudonym and the plain id older trackers carry), the pseudonym's
mapping, hand-off tickets and the staff's replies, the web page's inbox and the account's
other notifications, answers waiting to be pushed to WeChat; another patient's rows and
the medical record stay. The retention job purges old outbox rows, pending answers and
closed hand-offs too.

On SQLite and on PostgreSQL, the app's database and Rasa's tracker store each a real
database (the tracker with the columns of Rasa's `events` table); the chat through POST
/api/v1/chat; Rasa's HTTP side is a local fake server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from db import make_engine
from integrations.rasa.client import RasaRestClient
from models import (
    AccountPatient,
    AuditEntry,
    ChannelIdentity,
    HandoffTicket,
    LabReport,
    OutboxMessage,
    PendingReply,
    RasaSender,
    StaffAccount,
    StaffReply,
    utcnow,
)
from services.context import ServiceContext
from services.conversation import channel_state, handoff, handoff_desk, pseudonyms, retention
from services.notifications import outbox
from services.patients.identities import is_identity, new_identity
from services.patients.registry import find_or_create_account, register_patient
from tests import databases
from tests.clinical_factories import last_code, make_report
from tests.conftest import settings_for
from tests.console_helpers import make_staff
from tests.factories import valid_id_number
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_sender
from tests.wiring import use

PHONE = "13912345678"
OPENID = "o-zhang-openid"
EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)


def tracker_rows(url: str, *senders: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        EVENTS.create(connection, checkfirst=True)
        for sender in senders:
            connection.execute(EVENTS.insert().values(sender_id=sender, type_name="user", timestamp=1.0, data="{}"))
    engine.dispose()


def tracker_senders(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = sorted(row[0] for row in connection.execute(select(EVENTS.c.sender_id)))
    engine.dispose()
    return found


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(the app's database, Rasa's tracker store) on one engine kind."""
    if request.param == "sqlite":
        tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
        tracker_rows(tracker)
        yield database_url, tracker
        return
    app_url = request.getfixturevalue("postgres_url")
    with databases.fresh_postgres_database() as tracker:
        tracker_rows(tracker)
        yield app_url, tracker


@pytest.fixture
def app(stores: tuple[str, str]) -> Iterator[Flask]:
    database, tracker = stores
    application = create_app(settings_for(database, privacy_consent_required=True, rasa_tracker_store_url=tracker))
    yield application
    application.extensions["hospital"].db.dispose()


@pytest.fixture
def ctx(app: Flask) -> ServiceContext:
    return app.extensions["hospital"]  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    def bot(request: Recorded) -> tuple[int, object]:
        if request.path.startswith("/webhooks/rest/webhook"):
            return 200, [{"recipient_id": "x", "text": "好的，我来帮您"}]
        return 200, {}

    with fake_server(bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def chat(client: FlaskClient, message: str) -> str:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    assert response.status_code == 200, response.json
    return "\n".join(str(m["text"]) for m in response.json["messages"])


def count(ctx: ServiceContext, model: type) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def staff_id(ctx: ServiceContext) -> str:
    make_staff(ctx, "desk", "support")
    with ctx.db.reading() as session:
        found = session.scalar(select(StaffAccount.id).where(StaffAccount.username == "desk"))
    assert found is not None
    return found


def a_patient_everywhere(app: Flask, ctx: ServiceContext, client: FlaskClient) -> tuple[str, str]:
    """The web chat's account with its own patient, a WeChat identity too, and the traces a
    conversation leaves: a hand-off with a staff reply, notifications, a pending WeChat answer.
    Another patient has the same kinds of rows. The web conversation."""
    chat(client, "同意")
    chat(client, "医院几点开门")
    web = f"web:{web_sender(app, client, 'p1')}"
    view, _ = register_patient(ctx, name="张建国", id_number=valid_id_number("19491231", sequence=26), phone=PHONE)
    with ctx.db.transaction() as session:
        account = find_or_create_account(session, ctx.cipher, "web", web.removeprefix("web:"))
        session.add(AccountPatient(account_id=account.id, patient_id=view.id, relation="self"))
        session.add(new_identity(ctx.cipher, account, "wechat", OPENID))  # the same account
    make_report(ctx, view.id, title="乙肝两对半")
    desk = staff_id(ctx)
    for conversation in (web, "web:someone-else"):
        ticket, _ = handoff.open_ticket(ctx, conversation, "asked_for_human")
        handoff_desk.claim(ctx, ticket, desk)
        handoff_desk.reply(ctx, ticket, desk, "您好，我是客服小李")
    with ctx.db.transaction() as session:
        for channel, recipient in (("web", web.removeprefix("web:")), ("wechat", OPENID), ("wechat", "o-other")):
            outbox.enqueue(
                session, ctx.cipher, dedupe_key=f"n:{channel}:{recipient}", channel=channel,
                kind="reminder", recipient=recipient, text="明天上午9点就诊",
            )  # fmt: skip
    channel_state.save_pending_reply(ctx, "wechat", OPENID, "您的预约已取消")
    channel_state.save_pending_reply(ctx, "wechat", "o-other", "别人的答复")
    tracker_rows(
        ctx.settings.rasa_tracker_store_url,
        pseudonyms.of(ctx.cipher, web),
        pseudonyms.of(ctx.cipher, f"wechat:{OPENID}"),
        f"wechat:{OPENID}",  # a tracker written before pseudonyms
        pseudonyms.of(ctx.cipher, "web:someone-else"),
    )
    return view.id, web


def test_deletion_reaches_the_tracker_hand_offs_notifications_and_pending_answers(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    patient, web = a_patient_everywhere(app, ctx, client)
    assert count(ctx, HandoffTicket) == 2 and count(ctx, StaffReply) == 2
    assert count(ctx, RasaSender) == 1  # the web conversation reached Rasa (by pseudonym)
    asked = chat(client, "删除我的数据")
    assert "尾号5678" in asked
    done = chat(client, last_code(client, PHONE))
    assert "已删除" in done and "人工客服" in done and "通知" in done
    assert "15年" in done and "30年" in done and "操作日志" in done  # what the law keeps, said
    assert tracker_senders(ctx.settings.rasa_tracker_store_url) == [pseudonyms.of(ctx.cipher, "web:someone-else")]
    assert count(ctx, RasaSender) == 0
    with ctx.db.reading() as session:
        tickets = session.scalars(select(HandoffTicket)).all()
        replies = session.scalars(select(StaffReply)).all()
        left = session.scalars(select(OutboxMessage.recipient_hash).where(OutboxMessage.kind == "reminder")).all()
        pending = session.scalars(select(PendingReply)).all()
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.delete"))
        identities = session.scalars(
            select(ChannelIdentity).where(
                is_identity(ctx.cipher, "web", web.removeprefix("web:")) | is_identity(ctx.cipher, "wechat", OPENID)
            )
        ).all()
    assert identities == []  # the platform ids lead nowhere now
    assert [
        handoff.split_conversation(ctx.cipher.decrypt(t.conversation_enc, "inbound_messages.conversation"))[1]
        for t in tickets
    ] == ["someone-else"]
    assert [r.ticket_id for r in replies] == [tickets[0].id]
    assert left == [ctx.cipher.blind_index("o-other", outbox.RECIPIENT_CONTEXT)]
    assert [channel_state_recipient(ctx, p) for p in pending] == ["o-other"]
    assert entry is not None and entry.detail is not None
    counts = ('"tracker_events": 3', '"handoff_tickets": 1', '"staff_replies": 1', '"pending_replies": 1')
    for counted in (*counts, '"identities": 2'):  # web and WeChat (the phone one went with the binding)
        assert counted in entry.detail
    assert count(ctx, LabReport) == 1 and patient  # the medical record stays


def channel_state_recipient(ctx: ServiceContext, row: PendingReply) -> str:
    return ctx.cipher.decrypt(row.recipient_enc, channel_state.REPLY_RECIPIENT_CONTEXT)


def test_the_hourly_job_purges_old_notifications_pending_answers_and_closed_hand_offs(ctx: ServiceContext) -> None:
    desk = staff_id(ctx)
    old = utcnow() - timedelta(days=ctx.settings.outbox_retention_days + 1)
    with time_machine.travel(old, tick=False):
        closed, _ = handoff.open_ticket(ctx, "web:old-visitor", "asked_for_human")
        handoff_desk.claim(ctx, closed, desk)
        handoff_desk.reply(ctx, closed, desk, "已为您处理")
        handoff_desk.close(ctx, closed, desk)
        still_open, _ = handoff.open_ticket(ctx, "web:waiting-long", "asked_for_human")
        with ctx.db.transaction() as session:
            for n, status in enumerate(("sent", "failed", "pending")):
                outbox.enqueue(
                    session, ctx.cipher, dedupe_key=f"old:{n}", channel="sms",
                    kind="reminder", recipient="13900000000", text="旧通知",
                )  # fmt: skip
                session.flush()
                session.execute(
                    sa.update(OutboxMessage).where(OutboxMessage.dedupe_key == f"old:{n}").values(status=status)
                )
        channel_state.save_pending_reply(ctx, "wechat", "o-old", "旧答复")
    recent, _ = handoff.open_ticket(ctx, "web:today", "asked_for_human")
    handoff_desk.claim(ctx, recent, desk)
    handoff_desk.close(ctx, recent, desk)
    with ctx.db.transaction() as session:
        outbox.enqueue(
            session, ctx.cipher, dedupe_key="new", channel="sms", kind="reminder", recipient="13900000000", text="新"
        )
    purged = retention.purge_old_conversations(ctx)
    assert (purged.outbox, purged.pending_replies, purged.handoff_tickets) == (3, 1, 1)
    with ctx.db.reading() as session:
        assert sorted(session.scalars(select(HandoffTicket.id)).all()) == sorted([still_open, recent])
        assert set(session.scalars(select(StaffReply.ticket_id)).all()) == {recent}  # its "handed back"
        assert session.scalars(select(OutboxMessage.dedupe_key)).all() == ["new"]
    assert retention.purge_old_conversations(ctx).outbox == 0  # idempotent
