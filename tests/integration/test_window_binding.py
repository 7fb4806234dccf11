"""Binding at the registration window (issue 11): the patient's chat gives a one-time code
("窗口绑定", recognised at the edge, with Rasa down too); a clerk (role `registration`)
checks the ID card and types the code, name, ID number and a reason at
/console/window-binding; the chat account gets the patient, audited with the clerk and
the reason. Login required, CSRF checked, other roles refused, a code good once only."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AccountPatient, AuditEntry, utcnow
from models.privacy import PrivacyRequest, WindowBindCode
from services.context import ServiceContext
from services.conversation import retention
from services.patients import registry as patients
from tests.console_helpers import login, make_staff, post
from tests.factories import valid_id_number
from tests.web_chat import web_sender

ID_NUMBER = valid_id_number("19491231", sequence=24)
CODE = re.compile(r"绑定码是 ([2-9A-Z]{6})")


def register(ctx: ServiceContext, name: str) -> str:
    view, _ = patients.register_patient(ctx, name=name, id_number=ID_NUMBER, phone="13912345678")
    return view.id


def window_code(client: FlaskClient, message: str = "窗口绑定") -> str:
    response = client.post("/api/v1/chat", json={"sender": "p1", "message": message})
    assert response.status_code == 200, response.json
    found = CODE.search(response.json["messages"][0]["text"])
    assert found, response.json
    return found.group(1)


def clerk(app: Flask, ctx: ServiceContext, username: str = "chuangkou", *roles: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, make_staff(ctx, username, *(roles or ("registration",)))).status_code == 302
    return client


def bind(client: FlaskClient, code: str, name: str = "王秀兰", reason: str = "患者本人持身份证到窗口办理") -> object:
    return post(client, "/console/window-binding", code=code, name=name, id_number=ID_NUMBER, reason=reason)


def bound_patients(app: Flask, ctx: ServiceContext, chat: FlaskClient) -> list[str]:
    return [p.id for p in patients.account_patients(ctx, "web", web_sender(app, chat, "p1"))]


def test_a_clerk_binds_the_patient_to_the_chat_that_showed_the_code(app: Flask, ctx: ServiceContext) -> None:
    patient = register(ctx, "王秀兰")
    chat = app.test_client()
    code = window_code(chat)  # no fake Rasa: recognised at the edge
    desk = clerk(app, ctx)
    assert "窗口绑定" in desk.get("/console/window-binding").get_data(as_text=True)
    answer = bind(desk, code.lower())  # typed in lower case from the patient's screen
    page = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert answer.status_code == 200 and "已绑定：王**" in page  # type: ignore[attr-defined]
    assert ID_NUMBER not in page and "13912345678" not in page
    assert bound_patients(app, ctx, chat) == [patient]
    with ctx.db.reading() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "patient.link"))
    assert entry is not None and entry.actor.startswith("staff:") and entry.reason == "患者本人持身份证到窗口办理"
    assert json.loads(entry.detail or "{}")["proof"] == "id_card_at_window"
    again = bind(desk, code)  # a code is good once
    assert again.status_code == 422 and "绑定码不对或已过期" in again.get_data(as_text=True)  # type: ignore[attr-defined]


def test_a_wrong_name_or_code_or_no_reason_binds_nobody(app: Flask, ctx: ServiceContext) -> None:
    register(ctx, "王秀兰")
    chat = app.test_client()
    code = window_code(chat, "窗口綁定")  # traditional characters
    desk = clerk(app, ctx)
    assert bind(desk, code, name="王秀英").status_code == 422  # type: ignore[attr-defined]
    assert bind(desk, "ABCDEF" if code != "ABCDEF" else "BCDEFG").status_code == 422  # type: ignore[attr-defined]
    no_reason = bind(desk, code, reason="")
    assert no_reason.status_code == 422 and "原因" in no_reason.get_data(as_text=True)  # type: ignore[attr-defined]
    newer = window_code(chat)  # a newer code retires the older one
    assert bind(desk, code).status_code == 422  # type: ignore[attr-defined]
    with ctx.db.reading() as session:
        assert session.scalars(select(AccountPatient)).all() == []
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "patient.link.refused")).all()
    assert len(refused) == 4 and all(entry.actor.startswith("staff:") for entry in refused)  # trying codes shows
    assert bind(desk, newer).status_code == 200  # type: ignore[attr-defined]


def test_an_unknown_id_number_is_a_clear_404(app: Flask, ctx: ServiceContext) -> None:
    code = window_code(app.test_client())
    answer = bind(clerk(app, ctx), code)
    assert answer.status_code == 404 and "请先为患者建档" in answer.get_data(as_text=True)  # type: ignore[attr-defined]


def test_the_page_needs_a_login_the_registration_role_and_the_csrf_token(app: Flask, ctx: ServiceContext) -> None:
    register(ctx, "王秀兰")
    code = window_code(app.test_client())
    anonymous = app.test_client()
    assert anonymous.get("/console/window-binding").status_code == 302
    support = clerk(app, ctx, "kefu", "support")
    assert support.get("/console/window-binding").status_code == 403
    assert bind(support, code).status_code == 403  # type: ignore[attr-defined]
    desk = clerk(app, ctx)
    forged = desk.post(
        "/console/window-binding",
        data={"code": code, "name": "王秀兰", "id_number": ID_NUMBER, "reason": "患者本人办理"},
    )
    assert forged.status_code in (400, 403)
    with ctx.db.reading() as session:
        assert session.scalars(select(AccountPatient)).all() == []


def test_the_retention_job_removes_codes_and_my_data_requests_past_their_day(
    app: Flask, ctx: ServiceContext, tmp_path: Path
) -> None:
    patient = register(ctx, "王秀兰")
    fresh = window_code(app.test_client())
    old = utcnow() - timedelta(days=2)
    with ctx.db.transaction() as session:
        account = session.scalars(select(WindowBindCode.account_id)).one()
        session.add(WindowBindCode(code_hash="0" * 64, account_id=account, created_at=old, expires_at=old))
        request = PrivacyRequest(conversation_hash="1" * 64, action="view", patient_id=patient, expires_at=old)
        session.add(request)
        request.created_at = old
    here = replace(
        ctx, settings=ctx.settings.model_copy(update={"rasa_tracker_store_url": f"sqlite:///{tmp_path}/t.db"})
    )
    assert retention.purge_old_conversations(here).privacy == 2
    with ctx.db.reading() as session:
        assert session.scalars(select(PrivacyRequest)).all() == []
        assert len(session.scalars(select(WindowBindCode)).all()) == 1  # today's code stays
    assert bind(clerk(app, ctx), fresh).status_code == 200  # type: ignore[attr-defined]
