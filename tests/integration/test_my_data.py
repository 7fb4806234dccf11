""" "查看我的数据" and "删除我的数据" (issue 11): recognised at the chat edge (simplified or
traditional, with Rasa down too), only after a code sent to the phone on file of the
account's own patient; view lists what is held, masked; deletion removes the
conversation log, Rasa's tracker, the bindings and the consent, keeps what the law
makes the hospital keep and says so; both audited.

Through POST /api/v1/chat; Rasa's tracker store is a real SQLite file with Rasa's
`events` table; the database and the SMS outbox are the real ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from integrations.rasa.client import RasaRestClient
from models import AccountPatient, AuditEntry, ConversationMessage, LabReport, Patient
from models.privacy import PrivacyConsent
from services.context import ServiceContext
from services.patients import registry as patients
from services.patients.identity import mask_id_number
from services.patients.registry import find_or_create_account
from tests.clinical_factories import last_code, make_report
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_slot, valid_id_number
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.web_chat import web_sender
from tests.wiring import use

PHONE = "13912345678"
ID_NUMBER = valid_id_number("19491231", sequence=24)


def register(ctx: ServiceContext, name: str) -> str:
    view, _ = patients.register_patient(ctx, name=name, id_number=ID_NUMBER, phone="13912345678")
    return view.id


def _bot(request: Recorded) -> tuple[int, object]:
    if request.path.startswith("/webhooks/rest/webhook"):
        return 200, [{"recipient_id": "x", "text": "好的，我来帮您"}]
    return 200, {}


@pytest.fixture
def tracker(tmp_path: Path) -> str:
    """Rasa's tracker store as Rasa creates it (the columns the app touches)."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)"))
    engine.dispose()
    return url


@pytest.fixture
def app(database_url: str, tracker: str) -> Iterator[Flask]:
    application = create_app(settings_for(database_url, privacy_consent_required=True, rasa_tracker_store_url=tracker))
    yield application
    application.extensions["hospital"].db.dispose()


@pytest.fixture
def rasa(app: Flask) -> Iterator[FakeServer]:
    with fake_server(_bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=1.0))
        yield server


def chat(client: FlaskClient, message: str) -> str:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    assert response.status_code == 200, response.json
    return "\n".join(str(m["text"]) for m in response.json["messages"])


def bound_patient(app: Flask, ctx: ServiceContext, client: FlaskClient, clinic_day: date) -> str:
    """A patient bound to this web chat's account, with a report, a visit and a consent."""
    chat(client, "同意")
    sender = web_sender(app, client, "p1")
    patient = register(ctx, "张建国")
    with ctx.db.transaction() as session:
        account = find_or_create_account(session, ctx.cipher, "web", sender)
        session.add(AccountPatient(account_id=account.id, patient_id=patient, relation="self"))
    make_report(ctx, patient, title="乙肝两对半")
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx, "neuro", "神经内科")), clinic_day)
    booked = client.post("/api/v1/appointments", json={"patient_id": patient, "slot_id": slot}, headers=AUTH)
    assert booked.status_code in (200, 201), booked.json
    return patient


def tracker_senders(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [row[0] for row in connection.execute(sa.text("SELECT sender_id FROM events ORDER BY id"))]
    engine.dispose()
    return found


def add_tracker_events(url: str, *senders: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for sender in senders:
            connection.execute(sa.text("INSERT INTO events (sender_id, timestamp) VALUES (:s, 1.0)"), {"s": sender})
    engine.dispose()


def count(ctx: ServiceContext, model: type) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def actions(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all())


def test_viewing_asks_for_the_code_on_file_then_lists_what_is_held_masked(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, clinic_day: date
) -> None:
    bound_patient(app, ctx, client, clinic_day)
    asked = chat(client, "查看我的数据")
    assert "尾号5678" in asked and "验证码" in asked
    shown = chat(client, last_code(client, PHONE))
    assert "张**" in shown and mask_id_number(ID_NUMBER) in shown and ID_NUMBER not in shown
    assert "139****5678" in shown and PHONE not in shown
    assert "乙肝两对半" in shown and "神经内科" in shown and "待支付" in shown
    assert "对话记录：" in shown and "已同意" in shown
    assert "privacy.view" in actions(ctx)
    rasa_heard = [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]
    assert rasa_heard == []  # the commands and the code never reached the bot


def test_a_wrong_code_shows_nothing_and_says_the_tries_left(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, clinic_day: date
) -> None:
    bound_patient(app, ctx, client, clinic_day)
    chat(client, "查看我的数据")
    right = last_code(client, PHONE)
    answer = chat(client, "000000" if right != "000000" else "111111")
    assert "还可以再试4次" in answer and "乙肝" not in answer
    assert "privacy.view" not in actions(ctx)


def test_the_code_opens_nothing_in_another_conversation(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, clinic_day: date
) -> None:
    bound_patient(app, ctx, client, clinic_day)
    chat(client, "查看我的数据")
    stranger = app.test_client()
    chat(stranger, "同意")
    answer = chat(stranger, last_code(client, PHONE))
    assert "乙肝" not in answer and "张**" not in answer
    assert "privacy.view" not in actions(ctx)


def test_deleting_in_traditional_characters_removes_what_may_go_and_says_what_the_law_keeps(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, tracker: str, clinic_day: date
) -> None:
    patient = bound_patient(app, ctx, client, clinic_day)
    chat(client, "医院几点开门")
    conversation = f"web:{web_sender(app, client, 'p1')}"
    add_tracker_events(tracker, conversation, conversation, "web:someone-else")
    asked = chat(client, "刪除我的數據")
    assert "尾号5678" in asked
    done = chat(client, last_code(client, PHONE))
    assert "已删除" in done and "15年" in done and "30年" in done and "病历" in done
    assert count(ctx, ConversationMessage) == 0
    assert tracker_senders(tracker) == ["web:someone-else"]
    assert count(ctx, AccountPatient) == 0 and count(ctx, PrivacyConsent) == 0
    assert count(ctx, LabReport) == 1  # the medical record stays
    with ctx.db.reading() as session:
        assert session.get(Patient, patient) is not None
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.delete"))
    assert entry is not None and entry.detail is not None and '"bindings": 1' in entry.detail
    assert "privacy.unbind" in actions(ctx)
    # the consent went too: the next sensitive message asks again
    assert "请问您同意吗" in chat(client, "我要挂号")


def test_the_commands_work_with_rasa_down(app: Flask, ctx: ServiceContext, client: FlaskClient) -> None:
    # no fake Rasa: RASA_URL is a closed port; an account with no patient needs no code
    chat(client, "同意")
    shown = chat(client, "请帮我查看我的数据")
    assert "还没有绑定就诊人" in shown and re.search(r"对话记录：\d+条", shown)
    deleted = chat(client, "删除我的数据")
    assert "已删除" in deleted and count(ctx, PrivacyConsent) == 0


def test_cancelling_closes_the_request(
    app: Flask, ctx: ServiceContext, client: FlaskClient, rasa: FakeServer, clinic_day: date
) -> None:
    bound_patient(app, ctx, client, clinic_day)
    chat(client, "查看我的数据")
    assert chat(client, "取消") == "好的，已取消。"
    answer = chat(client, last_code(client, PHONE))  # the code no longer opens anything
    assert "乙肝" not in answer and "privacy.view" not in actions(ctx)
