"""A phone is bound to at most MAX_ACCOUNTS_PER_PHONE (2) chat accounts, and every web
visit is a new account (web/chat_session.py). Before, a patient who proved their phone on
the web chat on a third visit was refused for good ("已达上限"), and the bot asked for the
same phone again and again. Now a proven phone takes the place of its least recently used
lapsed web session (audited, the record kept); WeChat and Alipay ids are never released.

Each visit is a real web chat session through POST /api/v1/chat (the bot a fake Rasa),
proving the phone as the action server does: a code sent to the phone on file, spent by
POST /api/v1/accounts/patients/claim for that session's sender. Real database and outbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from integrations.rasa.client import RasaRestClient
from models import AuditEntry, Patient, PhoneBinding
from services.context import ServiceContext
from services.patients import phone_release
from services.patients import registry as patients
from tests.clinical_factories import last_code, send_otp
from tests.conftest import AUTH
from tests.factories import make_patient
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_sender
from tests.wiring import use

PHONE = "13912345678"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _bot(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": "x", "text": "请告诉我您在医院登记的手机号"}]
    return 200, {}


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(_bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def visit(app: Flask) -> tuple[FlaskClient, str]:
    """A new browser session on the web chat: its own cookie, so its own chat account."""
    browser = app.test_client()
    answer = browser.post("/api/v1/chat", json={"sender": "p1", "message": "我要查报告"})
    assert answer.status_code == 200, answer.json
    return browser, web_sender(app, browser, "p1")


def prove_phone(client: FlaskClient, channel: str, user: str) -> object:
    """What the action server does at the code question: send a code, spend it on the claim."""
    assert send_otp(client, PHONE, "results").status_code == 202
    body = {
        "phone": PHONE,
        "code": last_code(client, PHONE),
        "purpose": "results",
        "account": {"channel": channel, "channel_user_id": user},
    }
    headers = {**AUTH, "X-Conversation-ID": f"{channel}:{user}"}
    return client.post("/api/v1/accounts/patients/claim", json=body, headers=headers)


def held(client: FlaskClient, channel: str, user: str) -> list[str]:
    listed = client.get(
        "/api/v1/accounts/patients", query_string={"channel": channel, "channel_user_id": user}, headers=AUTH
    ).json
    return [p["id"] for p in listed or []]


def releases(ctx: ServiceContext) -> list[AuditEntry]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "patient.binding_released")).all())


def bound_count(ctx: ServiceContext) -> int:
    with ctx.db.reading() as session:
        row = session.get(PhoneBinding, patients.phone_hash(ctx.cipher, PHONE))
        return row.account_count if row else 0


def account_of(ctx: ServiceContext, channel: str, user: str) -> str:
    with ctx.db.transaction() as session:
        return patients.find_or_create_account(session, ctx.cipher, channel, user).id


def test_three_lapsed_web_visits_proving_the_same_phone_all_succeed(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    patient = make_patient(ctx, name="张建国", phone=PHONE)
    senders = []
    for day in range(3):  # three visits, each long after the last one's session lapsed
        with time_machine.travel(START + timedelta(days=day), tick=False):
            browser, sender = visit(app)
            answer = prove_phone(browser, "web", sender)
            assert answer.status_code == 200, answer.json  # type: ignore[attr-defined]
            assert held(client, "web", sender) == [patient]
            senders.append(sender)
    assert len(set(senders)) == 3
    assert bound_count(ctx) == 2  # the cap still holds: the first visit's place was given up
    assert held(client, "web", senders[0]) == []
    [released] = releases(ctx)
    assert released.patient_id == patient and released.subject == f"account:{account_of(ctx, 'web', senders[0])}"
    detail = json.loads(released.detail or "{}")
    assert detail["replaced_by"] == f"account:{account_of(ctx, 'web', senders[2])}"
    assert "medical_record" in detail["kept"] and released.reason == "phone_cap_lapsed_web_session"
    with ctx.db.reading() as session:
        assert session.get(Patient, patient) is not None  # the record itself untouched


def test_open_web_sessions_are_not_released(app: Flask, ctx: ServiceContext, rasa: FakeServer) -> None:
    """Two browsers chatting within the idle window keep their places: only a lapsed session
    can no longer be reached by anyone, so only its place may be taken."""
    make_patient(ctx, name="张建国", phone=PHONE)
    for minutes in (0, 10):
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            browser, sender = visit(app)
            assert prove_phone(browser, "web", sender).status_code == 200  # type: ignore[attr-defined]
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        browser, sender = visit(app)
        refused = prove_phone(browser, "web", sender)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert refused.json["error"] == "phone_limit"  # type: ignore[attr-defined]
    assert releases(ctx) == [] and bound_count(ctx) == 2


def test_two_wechat_bindings_are_never_released_and_the_refusal_says_what_to_do(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer
) -> None:
    patient = make_patient(ctx, name="张建国", phone=PHONE)
    for minutes, openid in ((0, "o-wechat-phone-1"), (5, "o-wechat-phone-2")):  # one code a minute per phone
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            assert prove_phone(client, "wechat", openid).status_code == 200  # type: ignore[attr-defined]
    with time_machine.travel(START + timedelta(days=30), tick=False):  # long quiet: an openid does not lapse
        browser, sender = visit(app)
        refused = prove_phone(browser, "web", sender)
    assert refused.status_code == 409  # type: ignore[attr-defined]
    body = refused.json  # type: ignore[attr-defined]
    assert body["error"] == "phone_limit"
    assert "删除我的数据" in body["message"] and "致电医院" in body["message"]
    assert "换一个手机号" not in body["message"]  # the phone on file is the only one that can prove the record
    assert held(client, "web", sender) == []
    assert held(client, "wechat", "o-wechat-phone-1") == [patient]
    assert held(client, "wechat", "o-wechat-phone-2") == [patient]
    assert releases(ctx) == [] and bound_count(ctx) == 2


def test_only_an_account_reached_by_web_sessions_alone_can_lapse(ctx: ServiceContext) -> None:
    """An account that also has a WeChat, Alipay or SMS id, the demo's fixed web sender, or
    no chat id at all has no session to lapse: it is never released (None)."""
    from services.patients.identities import new_identity
    from services.seed import DEMO_WEB_SENDER

    with time_machine.travel(START, tick=False), ctx.db.transaction() as session:
        web_only = patients.find_or_create_account(session, ctx.cipher, "web", "w-quiet-visitor")
        both = patients.find_or_create_account(session, ctx.cipher, "web", "w-linked-visitor")
        session.add(new_identity(ctx.cipher, both, "wechat", "o-linked-openid"))
        demo = patients.find_or_create_account(session, ctx.cipher, "web", DEMO_WEB_SENDER)
        sms = patients.find_or_create_account(session, ctx.cipher, "sms", "13700000000")
        session.flush()
        ids = web_only.id, both.id, demo.id, sms.id
    with ctx.db.reading() as session:
        used = [phone_release.last_used(ctx, session, account) for account in ids]
    assert used[0] == START  # never chatted: its creation is its last use
    assert used[1:] == [None, None, None]
    assert DEMO_WEB_SENDER in phone_release.FIXED_WEB_SENDERS
