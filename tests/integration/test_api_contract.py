"""The v1 contract at the HTTP edge: auth, errors, masking, caching, documents."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from services.context import ServiceContext
from tests.clinical_factories import last_code
from tests.conftest import AUTH
from tests.factories import make_department, valid_id_number


def test_service_endpoints_need_the_token(client: FlaskClient) -> None:
    for path in ("/api/v1/departments", "/api/v1/slots?department=x&date=2026-12-01", "/api/v1/dev/outbox"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json == {"error": "unauthorized", "message": "没有访问权限"}
    assert client.get("/api/v1/departments", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_departments_list_codes_and_names(client: FlaskClient, ctx: ServiceContext) -> None:
    make_department(ctx, "cardiology", "心血管内科")
    response = client.get("/api/v1/departments", headers=AUTH)
    assert response.status_code == 200
    assert response.json[0]["code"] == "cardiology" and response.json[0]["name"] == "心血管内科"
    assert response.headers["Cache-Control"] == "no-store"


def test_registering_a_patient_masks_numbers_and_encrypts_them_at_rest(
    client: FlaskClient, ctx: ServiceContext
) -> None:
    id_number = valid_id_number("19650412")
    response = client.post(
        "/api/v1/patients", json={"name": "陈桂兰", "id_number": id_number, "phone": "13912345678"}, headers=AUTH
    )
    assert response.status_code == 201
    assert response.json["id_number"] == id_number[:6] + "********" + id_number[-4:]
    assert response.json["phone"] == "139****5678"
    assert response.json["birth_date"] == "1965-04-12"
    with ctx.db.reading() as session:
        row = session.execute(text("SELECT * FROM patients")).mappings().one()
    assert id_number not in str(dict(row)) and "13912345678" not in str(dict(row))


def test_the_same_id_number_is_the_same_patient(client: FlaskClient) -> None:
    body = {"name": "陈桂兰", "id_number": valid_id_number(), "phone": "13912345678"}
    first = client.post("/api/v1/patients", json=body, headers=AUTH)
    again = client.post("/api/v1/patients", json=body, headers=AUTH)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    impostor = client.post("/api/v1/patients", json={**body, "name": "李四"}, headers=AUTH)
    assert impostor.status_code == 422 and "不一致" in impostor.json["message"]


def test_bad_id_number_gets_422_in_chinese_and_changes_nothing(client: FlaskClient, ctx: ServiceContext) -> None:
    response = client.post(
        "/api/v1/patients",
        json={"name": "陈桂兰", "id_number": "110105194912310021", "phone": "13912345678"},
        headers=AUTH,
    )
    assert response.status_code == 422
    assert response.json["error"] == "invalid" and "校验位" in response.json["message"]
    bad_phone = client.post(
        "/api/v1/patients", json={"name": "陈桂兰", "id_number": valid_id_number(), "phone": "12345"}, headers=AUTH
    )
    assert bad_phone.status_code == 422 and "手机号" in bad_phone.json["message"]
    with ctx.db.reading() as session:
        assert session.execute(text("SELECT count(*) FROM patients")).scalar() == 0


def test_a_phone_binds_to_at_most_two_accounts(client: FlaskClient) -> None:
    for n, expected in ((1, 201), (2, 201), (3, 409)):
        body = {
            "name": "陈桂兰",
            "id_number": valid_id_number(),
            "phone": "13700000000",
            "account": {"channel": "wechat", "channel_user_id": f"openid-{n}"},
        }
        with time_machine.travel(datetime(2026, 11, 26, 1, n, tzinfo=UTC), tick=False):
            response = client.post("/api/v1/patients", json=body, headers=AUTH)
            if response.status_code == 403:  # the phone's code first (test_patient_binding.py)
                body["code"] = last_code(client, "13700000000")
                response = client.post("/api/v1/patients", json=body, headers=AUTH)
        assert response.status_code == expected, response.json
    assert response.json["error"] == "phone_limit"
    listed = client.get("/api/v1/accounts/patients?channel=wechat&channel_user_id=openid-1", headers=AUTH)
    assert [p["phone"] for p in listed.json] == ["137****0000"]


def test_malformed_input_never_yields_a_500(client: FlaskClient) -> None:
    cases = [
        client.post("/api/v1/patients", data="{not json", headers={**AUTH, "Content-Type": "application/json"}),
        client.post("/api/v1/patients", json=["a", "list"], headers=AUTH),
        client.post("/api/v1/patients", json={"name": 5}, headers=AUTH),
        client.post("/api/v1/appointments", json={"patient_id": "x" * 500, "slot_id": "y"}, headers=AUTH),
        client.get("/api/v1/slots?department=cardiology&date=明天", headers=AUTH),
        client.post("/api/v1/patients", data="x" * 200_000, headers=AUTH),
        client.delete("/api/v1/departments", headers=AUTH),
    ]
    assert [r.status_code for r in cases] == [422, 422, 422, 422, 422, 413, 405]
    for response in cases:
        assert set(response.json) >= {"error", "message"}
        assert "Traceback" not in response.get_data(as_text=True)


def test_unexpected_failure_is_a_plain_chinese_500(client: FlaskClient, ctx: ServiceContext) -> None:
    ctx.db.engine.dispose()
    with ctx.db.transaction() as session:
        session.execute(text("DROP TABLE departments"))
    response = client.get("/api/v1/departments", headers=AUTH)
    assert response.status_code == 500
    assert response.json["error"] == "internal" and "系统繁忙" in response.json["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_openapi_document_describes_the_contract(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/appointments", "/api/v1/patients", "/api/v1/slots"} <= set(document["paths"])
    body = document["paths"]["/api/v1/patients"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"name", "id_number", "phone"}


def test_health_metrics_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    client.get("/api/v1/departments", headers=AUTH)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'hospital_http_request_seconds_count{method="GET",route="/api/v1/departments",status="200"}' in metrics
    ready = client.get("/readyz")
    # Rasa is pointed at a closed port in tests: readiness says so but stays ready
    # (tests/integration/test_readiness.py: only the database drains).
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok"} and ready.json["dependencies"]["broker"] == "ok"
    assert ready.json["dependencies"]["rasa"].startswith("unavailable")


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 16
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id;drop"}).headers["X-Request-ID"] != "bad id;drop"


def test_outbox_is_hidden_in_production(app: Flask, ctx: ServiceContext) -> None:
    # production's settings on a test app (a real production app refuses SQLite and the console
    # providers: tests/unit/test_config.py)
    production = ctx.settings.model_copy(update={"app_env": "production"})
    app.extensions["hospital"] = replace(ctx, settings=production)
    response = app.test_client().get("/api/v1/dev/outbox", headers=AUTH)
    assert response.status_code == 404
