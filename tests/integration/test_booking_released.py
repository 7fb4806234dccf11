"""A lapsed hold stays in the patient's list as released (issue 12), saying whether a place
is left for booking the same doctor again, instead of silently vanishing."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient

from models import utcnow
from services.booking import transitions
from services.context import ServiceContext
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot


def _lapsed(client: FlaskClient, ctx: ServiceContext, day: date, capacity: int) -> tuple[str, str]:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), day, capacity=capacity)
    patient = make_patient(ctx)
    held = client.post("/api/v1/appointments", json={"patient_id": patient, "slot_id": slot}, headers=AUTH).json
    assert held["status"] == "held"  # type: ignore[index]
    assert transitions.expire_holds(ctx, now=utcnow() + timedelta(minutes=16)) == 1
    return patient, slot


def test_a_lapsed_hold_is_listed_as_expired_with_its_place_back(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    patient, _ = _lapsed(client, ctx, clinic_day, capacity=1)
    [listed] = client.get(f"/api/v1/appointments?patient_id={patient}", headers=AUTH).json  # type: ignore[misc]
    assert listed["status"] == "expired" and listed["place_left"] is True
    assert "pay_link" not in listed.get("payment", {})


def test_a_lapsed_hold_whose_place_was_taken_says_none_is_left(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    patient, slot = _lapsed(client, ctx, clinic_day, capacity=1)
    other = {"patient_id": make_patient(ctx, phone="13900002222"), "slot_id": slot}
    assert client.post("/api/v1/appointments", json=other, headers=AUTH).status_code == 201
    [listed] = client.get(f"/api/v1/appointments?patient_id={patient}", headers=AUTH).json  # type: ignore[misc]
    assert listed["status"] == "expired" and listed["place_left"] is False
