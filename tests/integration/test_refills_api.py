"""Refill requests: follow-ups on the patient's own recent chronic prescriptions only."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import AuditEntry, RefillRequest
from services.clinical import refills
from services.context import ServiceContext
from tests.clinical_factories import make_prescription
from tests.conftest import AUTH
from tests.factories import make_patient


@pytest.fixture
def patient(ctx: ServiceContext) -> str:
    return make_patient(ctx, name="张建国", phone="13800138001")


def refill(client: FlaskClient, patient_id: str, prescription_id: str, **extra: object):  # type: ignore[no-untyped-def]
    payload = {"patient_id": patient_id, "prescription_id": prescription_id, **extra}
    return client.post("/api/v1/refills", json=payload, headers=AUTH)


def stored(ctx: ServiceContext) -> tuple[int, int]:
    """(refill requests, refill audit entries): both must stay unchanged on a refusal."""
    with ctx.db.reading() as session:
        requests = session.scalar(select(func.count(RefillRequest.id))) or 0
        audits = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("refill.%"))) or 0
        return requests, audits


def test_a_refill_is_submitted_with_next_steps(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    rx = make_prescription(ctx, patient)
    response = refill(client, patient, rx)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["id"].startswith("rfl_") and body["status"] == "submitted"
    assert body["patient_id"] == patient and body["prescription_id"] == rx and body["fulfilment"] == "pickup"
    assert "医生会在24小时内审核" in body["next_steps"] and "取药" in body["next_steps"]
    assert datetime.fromisoformat(body["expected_by"]) > datetime.fromisoformat(body["created_at"])
    assert body["expected_by"].endswith("+08:00")


def test_answers_are_stored_encrypted_and_the_request_audited(
    client: FlaskClient, ctx: ServiceContext, patient: str
) -> None:
    rx = make_prescription(ctx, patient)
    answers = {"readings": "最近血压135/85左右", "side_effects": "没有明显不适", "question": "可以换成晚上吃吗"}
    response = refill(client, patient, rx, answers=answers, fulfilment="delivery")
    assert response.status_code == 201 and "配送" in response.json["next_steps"]
    with ctx.db.reading() as session:
        row = session.scalars(select(RefillRequest)).one()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "refill.request")).one()
    assert row.fulfilment == "delivery" and row.answers_enc and "135/85" not in row.answers_enc
    assert refills.read_answers(ctx, row) == answers
    assert entry.patient_id == patient and entry.subject == row.id and entry.actor == "service:api"
    detail = json.loads(entry.detail or "{}")
    assert detail["prescription_id"] == rx and "135/85" not in (entry.detail or "")


def test_one_open_refill_per_prescription(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    rx = make_prescription(ctx, patient)
    assert refill(client, patient, rx).status_code == 201
    before = stored(ctx)
    response = refill(client, patient, rx)
    assert response.status_code == 409 and response.json["error"] == "duplicate"
    assert "处理中" in response.json["message"]
    assert stored(ctx) == before


def test_a_closed_refill_allows_a_new_one(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    rx = make_prescription(ctx, patient)
    refill(client, patient, rx)
    with ctx.db.transaction() as session:
        session.scalars(select(RefillRequest)).one().status = "declined"
    assert refill(client, patient, rx).status_code == 201


def test_a_non_chronic_prescription_needs_an_offline_visit(
    client: FlaskClient, ctx: ServiceContext, patient: str
) -> None:
    rx = make_prescription(ctx, patient, diagnosis="急性上呼吸道感染", is_chronic=False)
    response = refill(client, patient, rx)
    assert response.status_code == 422 and response.json["error"] == "not_eligible"
    assert "首次就诊需要到医院线下面诊" in response.json["message"]
    assert stored(ctx) == (0, 0)


def test_an_online_refill_is_not_a_basis_for_another(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    rx = make_prescription(ctx, patient, origin="online")
    response = refill(client, patient, rx)
    assert response.status_code == 422 and response.json["error"] == "not_eligible"
    assert "线下" in response.json["message"]
    assert stored(ctx) == (0, 0)


def test_too_old_a_visit_needs_a_new_one(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    old = make_prescription(ctx, patient, issued_days_ago=181)
    response = refill(client, patient, old)
    assert response.status_code == 422 and response.json["error"] == "not_eligible"
    assert response.json["message"] == "距上次线下就诊已超过180天，请先到医院复诊"
    assert stored(ctx) == (0, 0)
    # The window's last day still counts.
    assert refill(client, patient, make_prescription(ctx, patient, issued_days_ago=180)).status_code == 201


def test_the_window_is_configurable(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    from dataclasses import replace

    rx = make_prescription(ctx, patient, issued_days_ago=100)
    narrow = replace(ctx, settings=ctx.settings.model_copy(update={"refill_window_days": 90}))
    with pytest.raises(refills.NotEligible) as refused:
        refills.request_refill(narrow, patient_id=patient, prescription_id=rx)
    assert refused.value.message == "距上次线下就诊已超过90天，请先到医院复诊"


def test_another_patients_prescription_is_refused_like_a_missing_one(
    client: FlaskClient, ctx: ServiceContext, patient: str
) -> None:
    someone = make_patient(ctx, name="李秀英", phone="13800138002")
    theirs = make_prescription(ctx, someone, diagnosis="2型糖尿病")
    response = refill(client, patient, theirs)
    missing = refill(client, patient, "rx_doesnotexist")
    assert response.status_code == missing.status_code == 422
    assert response.json == missing.json and response.json["error"] == "not_eligible"
    assert "盐酸" not in response.get_data(as_text=True)
    assert stored(ctx) == (0, 0)


def test_an_unknown_patient_is_404(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    rx = make_prescription(ctx, patient)
    response = refill(client, "pat_doesnotexist", rx)
    assert response.status_code == 404 and response.json["error"] == "not_found"


@pytest.mark.parametrize(
    "answers",
    [
        {"side_effects": "这两天胸口压着疼，出冷汗"},
        {"changes": "吃药后出现皮疹，呼吸困难"},
    ],
)
def test_red_flags_in_answers_need_an_offline_visit(
    client: FlaskClient, ctx: ServiceContext, patient: str, answers: dict[str, str]
) -> None:
    rx = make_prescription(ctx, patient)
    response = refill(client, patient, rx, answers=answers)
    assert response.status_code == 422 and response.json["error"] == "needs_offline_visit"
    assert "120" in response.json["message"] and "到医院就诊" in response.json["message"]
    assert stored(ctx) == (0, 0)


def test_ordinary_answers_and_negated_symptoms_are_fine(client: FlaskClient, ctx: ServiceContext, patient: str) -> None:
    rx = make_prescription(ctx, patient)
    answers = {"readings": "血压130/80", "side_effects": "没有胸痛，也没有头晕", "changes": "无"}
    assert refill(client, patient, rx, answers=answers).status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"patient_id": "p"},
        {"patient_id": "p", "prescription_id": "r", "fulfilment": "drone"},
        {"patient_id": "p", "prescription_id": "r", "answers": {"mood": "好"}},
        {"patient_id": "p", "prescription_id": "r", "answers": {"question": "问" * 501}},
    ],
)
def test_bad_requests_are_422(client: FlaskClient, payload: dict) -> None:
    response = client.post("/api/v1/refills", json=payload, headers=AUTH)
    assert response.status_code == 422 and response.json["error"] == "invalid"


def test_prescriptions_list_chronic_offline_ones_with_eligibility(
    client: FlaskClient, ctx: ServiceContext, patient: str
) -> None:
    recent = make_prescription(ctx, patient, issued_days_ago=40)
    old = make_prescription(
        ctx,
        patient,
        diagnosis="高脂血症",
        issued_days_ago=200,
        drugs=[{"drug": "阿托伐他汀钙片", "spec": "20mg×7片", "dose": "每晚1片", "quantity": 4}],
    )
    make_prescription(ctx, patient, diagnosis="急性上呼吸道感染", is_chronic=False)
    make_prescription(ctx, patient, origin="online")
    make_prescription(ctx, make_patient(ctx, name="李秀英", phone="13800138002"))
    response = client.get(f"/api/v1/patients/{patient}/prescriptions", headers=AUTH)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    listed = response.json
    assert [p["id"] for p in listed] == [recent, old]
    first, second = listed
    assert first["diagnosis"] == "高血压" and first["items"][0]["drug"] == "苯磺酸氨氯地平片"
    assert first["eligible"] is True and first["reason"] is None and first["department"] == "心血管内科"
    assert second["eligible"] is False and second["reason_code"] == "too_old"
    assert second["reason"] == "距上次线下就诊已超过180天，请先到医院复诊"
    assert second["items"][0]["drug"] == "阿托伐他汀钙片"

    refill(client, patient, recent)
    after = client.get(f"/api/v1/patients/{patient}/prescriptions", headers=AUTH).json
    assert after[0]["eligible"] is False and after[0]["reason_code"] == "duplicate"
    assert after[0]["open_refill_id"]


def test_prescriptions_of_an_unknown_patient_are_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/patients/pat_nobody/prescriptions", headers=AUTH)
    assert response.status_code == 404 and "就诊人" in response.json["message"]


def test_the_service_token_is_required(client: FlaskClient, patient: str) -> None:
    assert client.get(f"/api/v1/patients/{patient}/prescriptions").status_code == 401
    assert client.post("/api/v1/refills", json={"patient_id": patient, "prescription_id": "x"}).status_code == 401
