"""Caps on open holds per account and per phone (issue 11, weakness 2: the scalper's loop).

Before: no cap, so one account (or one phone) with several 就诊人 held every
place of a popular clinic at once, cancelled and grabbed them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from services.context import ServiceContext
from services.patients.registry import phone_hash, register_patient
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot, valid_id_number


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """Caps of two, so the tests stay small (the defaults are 4)."""
    application = create_app(settings_for(database_url, max_open_holds_per_account=2, max_open_holds_per_phone=2))
    yield application
    application.extensions["hospital"].db.dispose()


def book(client: FlaskClient, patient_id: str, slot_id: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/appointments",
        json={"patient_id": patient_id, "slot_id": slot_id},
        headers={**AUTH, "Idempotency-Key": f"{patient_id}-{slot_id}"},
    )


def slots(ctx: ServiceContext, day: date, n: int) -> list[str]:
    doctors = [make_doctor(ctx, make_department(ctx, f"d{i}", f"科室{i}"), fee_fen=3000) for i in range(n)]
    return [make_slot(ctx, doctor, day) for doctor in doctors]


def family_of(ctx: ServiceContext, openid: str, phones: list[str]) -> list[str]:
    """Patients bound to one account, as the binding flow leaves them (each phone's code spent)."""
    ids = []
    for phone in phones:
        view, _ = register_patient(
            ctx,
            name="陈桂兰",
            id_number=valid_id_number(),
            phone=phone,
            channel="wechat",
            channel_user_id=openid,
            proven_phone_hash=phone_hash(ctx.cipher, phone),
        )
        ids.append(view.id)
    return ids


def test_one_phone_holds_at_most_two_unpaid_places(client: FlaskClient, ctx: ServiceContext, clinic_day: date) -> None:
    places = slots(ctx, clinic_day, 4)
    patients = [make_patient(ctx, phone="13900000001") for _ in range(3)]
    assert [book(client, p, s).status_code for p, s in zip(patients[:2], places[:2], strict=True)] == [201] * 2
    fourth = book(client, patients[2], places[3])
    assert fourth.status_code == 429 and fourth.json["error"] == "hold_limit" and "待支付" in fourth.json["message"]
    other = make_patient(ctx, phone="13900000002")
    assert book(client, other, places[3]).status_code == 201  # another phone is not held back


def test_one_account_holds_at_most_two_unpaid_places_across_its_patients(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    places = slots(ctx, clinic_day, 4)
    family = family_of(ctx, "openid-scalper", ["13900000011", "13900000012", "13900000013", "13900000014"])
    assert [book(client, p, s).status_code for p, s in zip(family[:2], places[:2], strict=True)] == [201] * 2
    fourth = book(client, family[3], places[3])
    assert fourth.status_code == 429 and fourth.json["error"] == "hold_limit" and "账号" in fourth.json["message"]
    cancelled = client.get(f"/api/v1/appointments?patient_id={family[0]}", headers=AUTH).json[0]["id"]
    assert client.post(f"/api/v1/appointments/{cancelled}/cancel", json={}, headers=AUTH).status_code == 200
    assert book(client, family[3], places[3]).status_code == 201  # a hold given up makes room
