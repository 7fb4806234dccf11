"""web/booking_limit.py: when the limiter's shared storage (Redis) is down, the per-patient
booking limit keeps counting in this process's memory, as Flask-Limiter's own fallback
does, instead of failing the booking or letting a script book without limit."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from app import create_app
from services.context import ServiceContext
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot

DEAD_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


def test_the_limit_counts_in_memory_when_its_storage_is_down(
    ctx: ServiceContext, database_url: str, clinic_day: date, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings_for(database_url, redis_url=DEAD_REDIS, rate_limit_bookings_per_patient="3/minute"))
    client = app.test_client()
    doctor = make_doctor(ctx, make_department(ctx), fee_fen=0)
    patient, other = make_patient(ctx), make_patient(ctx)
    slot = make_slot(ctx, doctor, clinic_day)

    def book(patient_id: str) -> int:
        body = {"patient_id": patient_id, "slot_id": slot}
        return client.post("/api/v1/appointments", json=body, headers=AUTH).status_code

    with caplog.at_level(logging.WARNING, logger="web.booking_limit"):
        statuses = [book(patient) for _ in range(4)]
    assert statuses[0] == 201 and statuses[1:3] == [409, 409]  # booked, then "already booked": counted
    assert statuses[3] == 429
    assert book(other) == 201  # another patient's count is their own
    assert "counting in memory" in caplog.text
