"""Binding a 就诊人 to a chat account proves control of the phone (issue 11, weaknesses 1 and 2).

Before: a name and an ID number bound anyone's record to the caller's account,
under the caller's phone, and one account registered any number of invented
patients. Now a code goes to the phone on file (or, for a new patient, to the
phone given, before the record exists), and accounts and phones have caps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from models import Patient
from services.context import ServiceContext
from tests.clinical_factories import last_code
from tests.conftest import AUTH, settings_for
from tests.factories import valid_id_number

VICTIM_PHONE = "13911112222"
ATTACKER_PHONE = "13833334444"
START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def register(client: FlaskClient, name: str, id_number: str, phone: str, openid: str, code: str | None = None) -> Any:
    body: dict[str, Any] = {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "account": {"channel": "wechat", "channel_user_id": openid},
    }
    if code is not None:
        body["code"] = code
    return client.post("/api/v1/patients", json=body, headers=AUTH)


def bound(client: FlaskClient, openid: str) -> list[str]:
    listed = client.get(f"/api/v1/accounts/patients?channel=wechat&channel_user_id={openid}", headers=AUTH)
    return [p["id"] for p in listed.json]


def sms_to(client: FlaskClient, phone: str) -> int:
    return len(client.get(f"/api/v1/dev/outbox?to={phone}", headers=AUTH).json)


def register_with_code(
    client: FlaskClient, clock: time_machine.Traveller, *args: str, phone_on_file: str | None = None
) -> Any:
    first = register(client, *args)
    assert first.status_code == 403 and first.json["error"] == "phone_code_sent", first.json
    answer = register(client, *args, code=last_code(client, phone_on_file or args[2]))
    clock.shift(timedelta(seconds=61))  # past the one-a-minute send limit
    return answer


def test_a_new_patient_exists_only_after_the_phone_code(
    client: FlaskClient, ctx: ServiceContext, clock: time_machine.Traveller
) -> None:
    id_number = valid_id_number("19650412")
    first = register(client, "陈桂兰", id_number, VICTIM_PHONE, "openid-victim")
    assert first.status_code == 403 and first.json["phone"] == "139****2222"
    assert "验证码" in first.json["message"]
    with ctx.db.reading() as session:
        assert session.scalar(select(func.count(Patient.id))) == 0
    wrong = register(client, "陈桂兰", id_number, VICTIM_PHONE, "openid-victim", code="000000")
    if wrong.status_code != 201:  # a one-in-a-million right guess
        assert wrong.status_code == 422 and wrong.json["error"] == "otp_invalid"
        assert bound(client, "openid-victim") == []
    right = register(client, "陈桂兰", id_number, VICTIM_PHONE, "openid-victim", code=last_code(client, VICTIM_PHONE))
    assert right.status_code == 201 and bound(client, "openid-victim") == [right.json["id"]]


def test_name_and_id_number_do_not_take_over_a_record(client: FlaskClient, clock: time_machine.Traveller) -> None:
    id_number = valid_id_number("19650412")
    victim = register_with_code(client, clock, "陈桂兰", id_number, VICTIM_PHONE, "openid-victim")
    assert victim.status_code == 201
    victim_codes = sms_to(client, VICTIM_PHONE)

    attempt = register(client, "陈桂兰", id_number, ATTACKER_PHONE, "openid-attacker")
    # the code goes to the phone on file, never to the caller's
    assert attempt.status_code == 403 and attempt.json["phone"] == "*******2222"  # its last four only
    assert sms_to(client, ATTACKER_PHONE) == 0 and sms_to(client, VICTIM_PHONE) == victim_codes + 1
    assert bound(client, "openid-attacker") == []
    guessed = register(client, "陈桂兰", id_number, ATTACKER_PHONE, "openid-attacker", code="123456")
    assert guessed.status_code in (422, 201)
    if guessed.status_code == 422:
        assert bound(client, "openid-attacker") == []
    # a wrong name costs nobody an SMS
    clock.shift(timedelta(seconds=61))
    before = sms_to(client, VICTIM_PHONE)
    assert register(client, "李四", id_number, ATTACKER_PHONE, "openid-attacker").status_code == 422
    assert sms_to(client, VICTIM_PHONE) == before


def test_a_family_member_with_the_phone_on_file_binds_an_existing_patient(
    client: FlaskClient, clock: time_machine.Traveller
) -> None:
    id_number = valid_id_number("19400101")
    first = register_with_code(client, clock, "王秀英", id_number, VICTIM_PHONE, "openid-daughter")
    assert first.status_code == 201
    second = register_with_code(
        client, clock, "王秀英", id_number, ATTACKER_PHONE, "openid-son", phone_on_file=VICTIM_PHONE
    )
    assert second.status_code == 200 and bound(client, "openid-son") == [first.json["id"]]
    # already bound: no code needed, no SMS sent
    before = sms_to(client, VICTIM_PHONE)
    again = register(client, "王秀英", id_number, VICTIM_PHONE, "openid-son")
    assert again.status_code == 200 and sms_to(client, VICTIM_PHONE) == before


@pytest.fixture
def capped_app(database_url: str) -> Iterator[Flask]:
    application = create_app(
        settings_for(database_url, max_patients_per_account=2, max_patients_per_phone=3, max_accounts_per_phone=5)
    )
    yield application
    application.extensions["hospital"].db.dispose()


def test_caps_per_account_and_per_phone_on_bound_patients(capped_app: Flask, clock: time_machine.Traveller) -> None:
    client = capped_app.test_client()
    for n in range(2):
        answer = register_with_code(client, clock, "陈桂兰", valid_id_number(), f"1370000000{n}", "openid-1")
        assert answer.status_code == 201
    third = register(client, "陈桂兰", valid_id_number(), "13700000009", "openid-1")
    assert third.status_code == 409 and third.json["error"] == "patient_limit" and "最多" in third.json["message"]
    assert sms_to(client, "13700000009") == 0  # refused before any SMS
    for n in range(3):
        answer = register_with_code(client, clock, "李娜", valid_id_number(), "13600000000", f"openid-p{n}")
        assert answer.status_code == 201
    sent = sms_to(client, "13600000000")
    fourth = register(client, "李娜", valid_id_number(), "13600000000", "openid-p9")
    assert fourth.status_code == 409 and fourth.json["error"] == "patient_limit"
    assert sms_to(client, "13600000000") == sent
