"""A refused booking ends its transaction with COMMIT, not ROLLBACK (issue 14): psycopg 3
discards every prepared statement of a connection on ROLLBACK (`DEALLOCATE ALL`), so each
refusal made the hot statements run unprepared again. What a refusal commits is only the
patient's lock counter: no place taken, no appointment, order, message or audit entry. Any
other error still rolls everything back (`Database.connection_transaction(commit_on=...)`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from sqlalchemy import func, select, text, update

from app import build_context
from models import Appointment, AuditEntry, OutboxMessage, Patient, PaymentOrder, Slot
from services.booking import holds
from services.context import ServiceContext
from services.errors import DomainError, SoldOut
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ctx(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServiceContext]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    context = build_context(settings_for(url)).acting_as("service:api", "req-refusal-1")
    yield context
    context.db.dispose()


@pytest.fixture
def pg_ctx(postgres_url: str) -> Iterator[ServiceContext]:
    context = build_context(settings_for(postgres_url, weekly_appointment_quota=100))
    yield context
    context.db.dispose()


def _written(ctx: ServiceContext) -> dict[str, int]:
    with ctx.db.reading() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Appointment, PaymentOrder, OutboxMessage, AuditEntry)
        }


def test_a_sold_out_refusal_commits_only_the_patients_lock(any_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = any_ctx
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=2500), clinic_day, capacity=1)
    holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot)
    patient = make_patient(ctx, phone="13800000002")
    before = _written(ctx)
    with pytest.raises(SoldOut):
        holds.book(ctx, patient_id=patient, slot_id=slot)
    assert _written(ctx) == before
    with ctx.db.reading() as session:
        assert session.scalar(select(Slot.remaining).where(Slot.id == slot)) == 0
        assert session.scalar(select(Patient.booking_seq).where(Patient.id == patient)) == 1  # the lock, committed


def test_other_errors_still_roll_back(any_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = any_ctx
    patient = make_patient(ctx)
    lock = update(Patient).where(Patient.id == patient).values(booking_seq=Patient.booking_seq + 1)
    with pytest.raises(RuntimeError), ctx.db.connection_transaction(commit_on=(DomainError,)) as unit:
        unit.connection.execute(lock)
        raise RuntimeError("not a refusal")
    with pytest.raises(SoldOut), ctx.db.connection_transaction(commit_on=(DomainError,)) as unit:
        unit.connection.execute(lock)
        raise SoldOut()
    with ctx.db.reading() as session:
        assert session.scalar(select(Patient.booking_seq).where(Patient.id == patient)) == 1


@pytest.mark.postgres
def test_a_refusal_keeps_the_connections_prepared_statements(pg_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = pg_ctx
    doctor = make_doctor(ctx, make_department(ctx), fee_fen=0)
    full = make_slot(ctx, doctor, clinic_day, capacity=1)
    patients = [make_patient(ctx, phone=f"1380000{n:04d}") for n in range(10)]
    slots = [make_slot(ctx, doctor, clinic_day, at=time(8 + n, 0)) for n in range(8)]
    holds.book(ctx, patient_id=patients[8], slot_id=full)
    for patient, slot in zip(patients, slots, strict=False):  # psycopg prepares on a statement's sixth run
        holds.book(ctx, patient_id=patient, slot_id=slot)

    def prepared() -> int:
        """On the pool's one connection (sequential use); committed, since a ROLLBACK would clear them."""
        with ctx.db.engine.connect() as connection:
            count = int(connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one())
            connection.commit()
            return count

    assert prepared() > 0
    with pytest.raises(SoldOut):
        holds.book(ctx, patient_id=patients[9], slot_id=full)
    assert prepared() > 0
