"""Result queries: only with a `results` verification for the patient's own phone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from models import AuditEntry, utcnow
from services.clinical.results import flag_for, reference_text, summarize
from services.context import ServiceContext
from services.patients import otp
from services.patients.registry import phone_hash
from tests.clinical_factories import make_report, verified_token
from tests.conftest import AUTH
from tests.factories import make_patient

PHONE, OTHER_PHONE = "13912345678", "13987654321"


def results(client: FlaskClient, patient_id: str, token: str | None):  # type: ignore[no-untyped-def]
    headers = {**AUTH, **({"X-Verification-Token": token} if token is not None else {})}
    return client.get(f"/api/v1/patients/{patient_id}/results", headers=headers)


def audit_actions(ctx: ServiceContext) -> list[tuple[str, str | None, str | None]]:
    with ctx.db.reading() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action.like("results.%")).order_by(AuditEntry.id))
        return [(row.action, row.patient_id, row.reason) for row in rows]


@pytest.fixture
def zhang(ctx: ServiceContext) -> str:
    return make_patient(ctx, name="张三", phone=PHONE)


@pytest.fixture
def li(ctx: ServiceContext) -> str:
    return make_patient(ctx, name="李四", phone=OTHER_PHONE)


def test_reports_newest_first_with_flags_and_summary(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    older = make_report(
        ctx,
        zhang,
        "血脂四项",
        (("TC", "总胆固醇", "5.1", "mmol/L", None, 5.2),),
        sampled_at=utcnow() - timedelta(days=30),
    )
    newer = make_report(ctx, zhang)
    response = results(client, zhang, verified_token(client, PHONE))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    reports = response.json
    assert [r["id"] for r in reports] == [newer, older]
    blood = reports[0]
    assert blood["title"] == "血常规" and blood["kind"] == "lab" and blood["status"] == "final"
    assert blood["sampled_at"].endswith("+08:00") and blood["reported_at"]
    by_name = {item["name"]: item for item in blood["items"]}
    assert by_name["白细胞计数"] == {
        "code": "WBC",
        "name": "白细胞计数",
        "value": "11.8",
        "unit": "10^9/L",
        "reference": "3.5-9.5",
        "flag": "high",
    }
    assert by_name["血红蛋白"]["flag"] == "low" and by_name["血小板计数"]["flag"] == "normal"
    assert blood["summary"] == (
        "有2项偏高：白细胞计数、中性粒细胞百分比。有1项偏低：血红蛋白。结果需要结合病情由医生判断，建议复诊时带上报告。"
    )
    lipids = reports[1]
    assert lipids["items"][0]["reference"] == "<5.2" and lipids["items"][0]["flag"] == "normal"
    assert lipids["summary"].startswith("所列项目均在参考范围内。")


def test_a_pending_report_says_when_to_look_again(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    make_report(ctx, zhang, status="pending", sampled_at=utcnow() - timedelta(hours=2))
    [report] = results(client, zhang, verified_token(client, PHONE)).json
    assert report["status"] == "pending" and report["items"] == [] and report["reported_at"] is None
    assert report["status_text"].startswith("报告还未出，预计") and report["expected_at"]
    assert report["summary"] == report["status_text"]


def test_an_exam_report_shows_its_findings(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    make_report(ctx, zhang, "胸部CT平扫", (), kind="exam", findings="双肺纹理清晰，未见明显实质性病变。")
    [report] = results(client, zhang, verified_token(client, PHONE)).json
    assert report["findings"] == "双肺纹理清晰，未见明显实质性病变。"
    assert "由医生判断" in report["summary"]


def test_each_view_is_audited(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    make_report(ctx, zhang)
    token = verified_token(client, PHONE)
    assert results(client, zhang, token).status_code == 200
    assert results(client, zhang, token).status_code == 403  # a grant is one look
    with ctx.db.reading() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "results.view")).all()
    assert [(e.patient_id, e.actor) for e in entries] == [(zhang, "service:api")]
    assert json.loads(entries[0].detail or "{}") == {"reports": 1}
    assert PHONE not in (entries[0].detail or "")


def test_without_a_token_it_is_403_and_audited(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    make_report(ctx, zhang)
    response = results(client, zhang, None)
    assert response.status_code == 403 and response.json["error"] == "verification_required"
    assert "短信验证码" in response.json["message"]
    assert "白细胞" not in response.get_data(as_text=True)
    assert audit_actions(ctx) == [("results.denied", zhang, "missing_or_invalid_token")]


def test_a_token_cannot_open_another_patients_results(
    client: FlaskClient, ctx: ServiceContext, zhang: str, li: str
) -> None:
    make_report(ctx, li, "血糖", (("GLU", "空腹血糖", "8.6", "mmol/L", 3.9, 6.1),))
    zhang_token = verified_token(client, PHONE)
    response = results(client, li, zhang_token)
    assert response.status_code == 403 and response.json["error"] == "verification_required"
    assert "空腹血糖" not in response.get_data(as_text=True)
    assert audit_actions(ctx) == [("results.denied", li, "phone_mismatch")]


def test_family_members_sharing_a_phone_are_both_readable(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    child = make_patient(ctx, name="张小明", phone=PHONE)
    make_report(ctx, child)
    import time_machine

    with time_machine.travel(utcnow(), tick=False) as clock:
        assert len(results(client, child, verified_token(client, PHONE)).json) == 1
        clock.shift(timedelta(seconds=61))  # one code a minute; one look per grant
        assert results(client, zhang, verified_token(client, PHONE)).json == []


def test_an_unknown_patient_looks_like_a_mismatch(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    import time_machine

    with time_machine.travel(utcnow(), tick=False) as clock:
        for patient_id in ("pat_doesnotexist", "x" * 200):
            response = results(client, patient_id, verified_token(client, PHONE))
            assert response.status_code == 403 and response.json["error"] == "verification_required"
            clock.shift(timedelta(seconds=61))
    assert audit_actions(ctx) == [("results.denied", None, "phone_mismatch")] * 2


def test_tokens_of_other_purposes_forged_or_expired_are_refused(
    client: FlaskClient, ctx: ServiceContext, zhang: str
) -> None:
    make_report(ctx, zhang)
    refill_token = verified_token(client, PHONE, purpose="refill")
    assert results(client, zhang, refill_token).status_code == 403
    forged = refill_token.replace(refill_token.split(".")[0], "eyJwIjoiMSJ9")
    assert results(client, zhang, forged).status_code == 403
    assert results(client, zhang, "not-a-token").status_code == 403
    other_key = otp.URLSafeTimedSerializer("another-secret", salt=otp.GRANT_SALT).dumps(
        {"p": phone_hash(ctx.cipher, PHONE), "u": "results", "j": "1"}
    )
    assert results(client, zhang, str(other_key)).status_code == 403


def test_a_token_lasts_thirty_minutes(client: FlaskClient, ctx: ServiceContext, zhang: str) -> None:
    import time_machine

    with time_machine.travel(utcnow(), tick=False) as clock:
        token = verified_token(client, PHONE)
        clock.shift(timedelta(minutes=1, seconds=1))
        later = verified_token(client, PHONE)
        clock.shift(timedelta(minutes=28))
        assert results(client, zhang, token).status_code == 200
        clock.shift(timedelta(minutes=3))  # the later grant is now 31 minutes old
        expired = results(client, zhang, later)
        assert expired.status_code == 403 and "过期" in expired.json["message"]


@pytest.mark.parametrize(
    ("value", "low", "high", "flag"),
    [
        ("9.5", 3.5, 9.5, "normal"),
        ("3.5", 3.5, 9.5, "normal"),
        ("9.51", 3.5, 9.5, "high"),
        ("3.4", 3.5, 9.5, "low"),
        ("5.3", None, 5.2, "high"),
        ("3.0", 3.9, None, "low"),
        ("阴性", 0.0, 1.0, None),
        ("12", None, None, None),
    ],
)
def test_flags(value: str, low: float | None, high: float | None, flag: str | None) -> None:
    assert flag_for(value, low, high) == flag


def test_reference_text_and_summary_wording() -> None:
    assert reference_text(3.5, 9.5) == "3.5-9.5" and reference_text(130.0, 175.0) == "130-175"
    assert reference_text(None, 5.2) == "<5.2" and reference_text(3.9, None) == ">3.9"
    assert reference_text(None, None) is None
    assert summarize([{"name": "尿蛋白", "flag": None}]) == "结果需要结合病情由医生判断，建议复诊时带上报告。"
