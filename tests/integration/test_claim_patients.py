"""A chat that holds nobody gets the patients of the phone on file with the code sent
there (issue 13): POST /api/v1/accounts/patients/claim. Before, a fresh web visitor or a
new WeChat follower could reach results, refills and appointments only by registering
again (name, ID number, phone, code), and a record whose name was mistyped never."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import AccountPatient, AuditEntry
from services.context import ServiceContext
from services.patients.claim import has_records
from tests.clinical_factories import last_code, make_prescription, make_report, send_otp
from tests.conftest import AUTH
from tests.factories import make_patient

PHONE = "13912345678"
CHAT = {"channel": "web", "channel_user_id": "w-fresh-visitor"}


def claim(client: FlaskClient, code: str, purpose: str = "results", conversation: str = "web:w-fresh") -> object:
    body = {"phone": PHONE, "code": code, "purpose": purpose, "account": CHAT}
    return client.post(
        "/api/v1/accounts/patients/claim", json=body, headers={**AUTH, "X-Conversation-ID": conversation}
    )


def test_the_code_binds_the_phones_patients_and_opens_results_once(client: FlaskClient, ctx: ServiceContext) -> None:
    grandpa = make_patient(ctx, name="张建国", phone=PHONE)
    grandson = make_patient(ctx, name="张小明", phone=PHONE)
    make_patient(ctx, name="李四", phone="13700000000")  # another phone: never bound
    make_report(ctx, grandpa)
    assert send_otp(client, PHONE, "results").status_code == 202
    answer = claim(client, last_code(client, PHONE))
    assert answer.status_code == 200  # type: ignore[attr-defined]
    body = answer.json  # type: ignore[attr-defined]
    assert [p["id"] for p in body["patients"]] == [grandpa, grandson]
    assert body["patients"][0]["phone"] == "139****5678" and "****" in body["patients"][0]["id_number"]
    listed = client.get("/api/v1/accounts/patients", query_string=CHAT, headers=AUTH).json
    assert {p["id"] for p in listed} == {grandpa, grandson}
    # the grant opens the reports once, in this conversation only
    headers = {**AUTH, "X-Verification-Token": body["token"], "X-Conversation-ID": "web:w-fresh"}
    assert client.get(f"/api/v1/patients/{grandpa}/results", headers=headers).status_code == 200
    assert client.get(f"/api/v1/patients/{grandpa}/results", headers=headers).status_code == 403
    with ctx.db.reading() as session:
        linked = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "patient.link"))
    assert linked == 2


def test_a_wrong_code_binds_nobody_and_says_the_tries_left(client: FlaskClient, ctx: ServiceContext) -> None:
    make_patient(ctx, name="张建国", phone=PHONE)
    assert send_otp(client, PHONE, "appointments").status_code == 202
    right = last_code(client, PHONE)
    answer = claim(client, "000000" if right != "000000" else "111111", purpose="appointments")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "还可以再试" in answer.json["message"]  # type: ignore[attr-defined]
    with ctx.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(AccountPatient)) == 0
    listed = client.get("/api/v1/accounts/patients", query_string=CHAT, headers=AUTH).json
    assert listed == []
    # a code of another purpose cannot claim
    assert claim(client, right, purpose="refill").status_code != 200  # type: ignore[attr-defined]
    assert client.get("/api/v1/accounts/patients", query_string=CHAT, headers=AUTH).json == []


def test_bad_input_is_refused_in_chinese_and_changes_nothing(client: FlaskClient, ctx: ServiceContext) -> None:
    make_patient(ctx, name="张建国", phone=PHONE)
    body = {"phone": PHONE, "code": "12ab56", "purpose": "results", "account": CHAT}
    answer = client.post("/api/v1/accounts/patients/claim", json=body, headers=AUTH)
    assert answer.status_code in (400, 422) and answer.json["message"]
    body = {"phone": PHONE, "code": "123456", "purpose": "bind_patient", "account": CHAT}
    assert client.post("/api/v1/accounts/patients/claim", json=body, headers=AUTH).status_code in (400, 422)
    assert client.get("/api/v1/accounts/patients", query_string=CHAT, headers=AUTH).json == []


def test_each_patient_says_whether_it_has_records_for_the_journey(client: FlaskClient, ctx: ServiceContext) -> None:
    """A grandfather whose results are out and his grandson whose blood test is pending: the
    bot takes the one with results instead of asking "which patient?" (blind set 3, E43 and
    E45 ended there)."""
    grandpa = make_patient(ctx, name="张建国", phone=PHONE)
    grandson = make_patient(ctx, name="张小明", phone=PHONE)
    make_report(ctx, grandpa)
    make_report(ctx, grandson, status="pending")  # not out yet: nothing to choose him for
    make_prescription(ctx, grandson)
    assert send_otp(client, PHONE, "results").status_code == 202
    body = claim(client, last_code(client, PHONE)).json  # type: ignore[attr-defined]
    assert {p["id"]: p["has_records"] for p in body["patients"]} == {grandpa: True, grandson: False}
    with ctx.db.reading() as session:  # a refill looks for prescriptions, not reports
        assert [has_records(session, "refill", p) for p in (grandpa, grandson)] == [False, True]
        assert has_records(session, "appointments", grandpa)  # appointments are listed for all


def test_only_a_renewable_prescription_counts_for_a_refill(client: FlaskClient, ctx: ServiceContext) -> None:
    """Set 5's fresh refills (G46-G48): the grandfather's blood-pressure pills and the child's
    cold medicine on the same phone; the refill journey lists only chronic prescriptions from
    an offline visit, so only the grandfather has anything to renew and nobody is asked which."""
    grandpa = make_patient(ctx, name="张建国", phone=PHONE)
    child = make_patient(ctx, name="王小明", phone=PHONE)
    online_only = make_patient(ctx, name="张小红", phone=PHONE)
    make_prescription(ctx, grandpa)
    make_prescription(ctx, child, diagnosis="急性上呼吸道感染", is_chronic=False, drugs=[])
    make_prescription(ctx, online_only, origin="online")
    assert send_otp(client, PHONE, "refill").status_code == 202
    body = claim(client, last_code(client, PHONE), purpose="refill").json  # type: ignore[attr-defined]
    assert {p["id"]: p["has_records"] for p in body["patients"]} == {grandpa: True, child: False, online_only: False}
