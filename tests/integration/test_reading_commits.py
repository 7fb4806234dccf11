"""A reading block ends with COMMIT, not ROLLBACK (issue 14): psycopg 3 discards every prepared
statement of a connection on ROLLBACK (`DEALLOCATE ALL`), so on PostgreSQL each read request made
the next booking on that connection run its hot statements unprepared again. The COMMIT keeps
nothing that a ROLLBACK would have undone: PostgreSQL's readers are `READ ONLY` transactions, ORM
changes in a reading block are still dropped, and a database error still rolls back
(`Database.reading`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, time

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from app import build_context
from models import Patient
from services.booking import holds
from services.context import ServiceContext
from services.errors import NotFound
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ctx(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServiceContext]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    context = build_context(settings_for(url))
    yield context
    context.db.dispose()


def _endings(ctx: ServiceContext) -> Counter[str]:
    """How the engine's transactions end, counted from SQLAlchemy's own events."""
    ended: Counter[str] = Counter()
    event.listen(ctx.db.engine, "commit", lambda _conn: ended.update(["commit"]))
    event.listen(ctx.db.engine, "rollback", lambda _conn: ended.update(["rollback"]))
    return ended


def test_a_read_ends_with_commit_also_when_the_block_refuses(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    patient = make_patient(ctx)
    ended = _endings(ctx)
    with ctx.db.reading() as session:
        assert session.scalar(select(Patient.booking_seq).where(Patient.id == patient)) == 0
    with pytest.raises(NotFound), ctx.db.reading() as session:
        session.scalar(select(Patient.id).where(Patient.id == "no-such-patient"))
        raise NotFound("no such patient")
    assert ended == Counter(commit=2)


def test_a_database_error_in_a_read_still_rolls_back(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    ended = _endings(ctx)
    with pytest.raises(DBAPIError), ctx.db.reading() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert ended == Counter(rollback=1)
    with ctx.db.reading() as session:  # the connection is fine afterwards
        assert session.scalar(text("SELECT 1")) == 1


def test_orm_changes_in_a_read_are_dropped(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    patient_id = make_patient(ctx)
    with ctx.db.reading() as session:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        patient.booking_seq = 41  # a mistake: a read must not write it
    with ctx.db.reading() as session:
        assert session.scalar(select(Patient.booking_seq).where(Patient.id == patient_id)) == 0


@pytest.mark.postgres
def test_postgres_refuses_a_write_in_a_read(postgres_url: str) -> None:
    ctx = build_context(settings_for(postgres_url))
    try:
        patient = make_patient(ctx)
        with pytest.raises(DBAPIError, match="read-only transaction"), ctx.db.reading() as session:
            session.execute(update(Patient).where(Patient.id == patient).values(booking_seq=7))
        with ctx.db.transaction() as session:  # the pool's connection writes again afterwards
            session.execute(update(Patient).where(Patient.id == patient).values(booking_seq=1))
        with ctx.db.reading() as session:
            assert session.scalar(select(Patient.booking_seq).where(Patient.id == patient)) == 1
    finally:
        ctx.db.dispose()


@pytest.mark.postgres
def test_a_read_keeps_the_connections_prepared_statements(postgres_url: str, clinic_day: date) -> None:
    ctx = build_context(settings_for(postgres_url, weekly_appointment_quota=100))
    try:
        doctor = make_doctor(ctx, make_department(ctx), fee_fen=0)
        patients = [make_patient(ctx, phone=f"1380000{n:04d}") for n in range(8)]
        slots = [make_slot(ctx, doctor, clinic_day, at=time(8 + n, 0)) for n in range(8)]
        for patient, slot in zip(patients, slots, strict=True):  # psycopg prepares on a statement's sixth run
            holds.book(ctx, patient_id=patient, slot_id=slot)

        def prepared() -> int:
            """On the pool's one connection (sequential use), through a read block itself."""
            with ctx.db.reading() as session:
                return int(session.scalar(text("SELECT count(*) FROM pg_prepared_statements")) or 0)

        assert prepared() > 0
        with pytest.raises(NotFound), ctx.db.reading() as session:
            session.scalar(select(Patient.id).where(Patient.id == patients[0]))
            raise NotFound("a refusal inside a read")
        assert prepared() > 0
        pool = ctx.db.engine.pool
        assert isinstance(pool, QueuePool) and pool.checkedin() == 1  # one connection: the counts above are of it
    finally:
        ctx.db.dispose()
