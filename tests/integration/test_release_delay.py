"""A cancelled place goes back to the pool after a randomised delay, not at once
(issue 11, weakness 2: the scalper's loop of hold, cancel, re-grab). Before: the
cancellation itself returned the place, so a buyer waiting on cue took it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from pydantic import ValidationError
from sqlalchemy import select

from app import create_app
from models import Appointment, Slot, utcnow
from services.booking import holds, transitions
from services.context import ServiceContext
from services.errors import DomainError
from tasks.maintenance import release_cancelled_places
from tasks.schedule import BEAT_SCHEDULE
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot

LOW, HIGH = 60, 300


@pytest.fixture
def delayed(database_url: str) -> Iterator[ServiceContext]:
    app: Flask = create_app(settings_for(database_url, release_delay_seconds_min=LOW, release_delay_seconds_max=HIGH))
    yield app.extensions["hospital"]
    app.extensions["hospital"].db.dispose()


def _remaining(ctx: ServiceContext, slot_id: str) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(Slot.remaining).where(Slot.id == slot_id)) or 0)


def test_a_cancelled_place_is_not_free_until_its_random_release_time(delayed: ServiceContext, clinic_day: date) -> None:
    slot = make_slot(delayed, make_doctor(delayed, make_department(delayed)), clinic_day, capacity=1)
    scalper, buyer = make_patient(delayed, phone="13700000001"), make_patient(delayed, phone="13700000002")
    held = holds.book(delayed, patient_id=scalper, slot_id=slot).appointment
    transitions.cancel(delayed, str(held["id"]))
    assert _remaining(delayed, slot) == 0
    with pytest.raises(DomainError):  # the buyer waiting on cue finds it full
        holds.book(delayed, patient_id=buyer, slot_id=slot)

    now = utcnow()
    assert transitions.release_cancelled_places(delayed, now=now + timedelta(seconds=LOW - 5)) == 0
    assert _remaining(delayed, slot) == 0
    later = now + timedelta(seconds=HIGH + 5)
    assert transitions.release_cancelled_places(delayed, now=later) == 1
    assert transitions.release_cancelled_places(delayed, now=later) == 0  # returned once
    assert _remaining(delayed, slot) == 1
    assert holds.book(delayed, patient_id=buyer, slot_id=slot).appointment["status"] == "held"


def test_release_times_are_spread_over_the_configured_window(delayed: ServiceContext, clinic_day: date) -> None:
    slot = make_slot(delayed, make_doctor(delayed, make_department(delayed)), clinic_day, capacity=6)
    before = utcnow()
    for n in range(6):
        held = holds.book(delayed, patient_id=make_patient(delayed, phone=f"1370000010{n}"), slot_id=slot).appointment
        transitions.cancel(delayed, str(held["id"]))
    with delayed.db.reading() as session:
        times = list(session.scalars(select(Appointment.place_release_at)))
    delays = [(t - before).total_seconds() for t in times if t is not None]
    assert len(delays) == 6 and all(LOW - 1 <= d <= HIGH + 5 for d in delays)
    assert len({round(d) for d in delays}) > 1  # drawn per cancellation, not one fixed delay


def test_the_window_is_a_setting_checked_at_start_and_swept_by_beat() -> None:
    with pytest.raises(ValidationError, match="RELEASE_DELAY_SECONDS_MAX"):
        settings_for("sqlite://", release_delay_seconds_min=300, release_delay_seconds_max=60)
    assert BEAT_SCHEDULE["release-cancelled-places"]["task"] == release_cancelled_places.name
