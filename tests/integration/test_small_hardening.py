"""The smaller items of issue 11 (weakness 8), one test each."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import AuditEntry
from services.context import ServiceContext
from tests.clinical_factories import send_otp
from tests.conftest import AUTH
from web.requestlog import REQUEST_ID_MAX


def test_deeply_nested_json_is_a_400_not_a_500(client: FlaskClient) -> None:
    deep = "[" * 20_000 + "]" * 20_000
    for path, headers in (("/api/v1/chat", {}), ("/api/v1/patients", AUTH), ("/api/v1/triage", AUTH)):
        response = client.post(path, data=deep, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 400, (path, response.status_code)
        assert response.json["error"] == "bad_request" and "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("age", [True, False])
def test_a_boolean_is_not_an_age(client: FlaskClient, age: bool) -> None:
    response = client.post("/api/v1/triage", json={"text": "发烧两天", "age": age}, headers=AUTH)
    assert response.status_code == 422 and response.json["message"] == "年龄请填写数字"


def test_a_request_id_fits_the_audit_column(client: FlaskClient) -> None:
    assert AuditEntry.__table__.c.request_id.type.length == REQUEST_ID_MAX
    echoed = client.get("/healthz", headers={"X-Request-ID": "a" * 64}).headers["X-Request-ID"]
    assert 0 < len(echoed) <= REQUEST_ID_MAX and echoed != "a" * 64
    assert client.get("/healthz", headers={"X-Request-ID": "trace-1"}).headers["X-Request-ID"] == "trace-1"


def test_sql_parameters_never_reach_an_error_or_its_log(ctx: ServiceContext, caplog: pytest.LogCaptureFixture) -> None:
    secret = "110105198001010038"
    with pytest.raises(SQLAlchemyError) as failure, ctx.db.transaction() as session:
        session.execute(text("INSERT INTO no_such_table (x) VALUES (:x)"), {"x": secret})
    logging.getLogger("test").error("failed", exc_info=failure.value)
    assert secret not in str(failure.value) and secret not in caplog.text


def test_the_code_sms_says_what_the_code_is_for(client: FlaskClient) -> None:
    assert send_otp(client, "13912345678", "bind_patient").status_code == 202
    [message] = client.get("/api/v1/dev/outbox?to=13912345678", headers=AUTH).json
    assert "绑定就诊人" in message["text"] and "请勿告诉任何人" in message["text"]
