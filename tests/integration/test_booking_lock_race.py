"""PostgreSQL: the booking's lock-and-read is one statement (services/booking/holds.py,
`_lock_and_load_statement`), whose snapshot is taken before the patient's lock is waited
for. A booking of the same patient that commits during that wait must still count: the
booking sees `booking_seq` moved by more than its own lock and reads the week again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from app import build_context
from services.booking import holds
from services.booking.calendar import local_today
from services.context import ServiceContext
from services.errors import QuotaExceeded
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ctx(postgres_url: str) -> Iterator[ServiceContext]:
    context = build_context(settings_for(postgres_url, weekly_appointment_quota=1))
    yield context
    context.db.dispose()


def test_a_booking_committed_while_the_lock_was_awaited_counts(pg_ctx: ServiceContext) -> None:
    ctx = pg_ctx
    first_department, second_department = make_department(ctx), make_department(ctx, code="dermatology", name="皮肤科")
    monday = local_today() - timedelta(days=local_today().weekday()) + timedelta(weeks=2)
    first = make_slot(ctx, make_doctor(ctx, first_department, fee_fen=0), monday)
    second = make_slot(ctx, make_doctor(ctx, second_department, fee_fen=0, name="李医生"), monday + timedelta(days=1))
    patient = make_patient(ctx)
    outcome: list[BaseException | str] = []

    def book_second() -> None:
        try:
            outcome.append(holds.book(ctx, patient_id=patient, slot_id=second).appointment["status"])
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    with ctx.db.connection_transaction() as unit:  # the first booking holds the patient's lock
        holds._book_in(ctx, unit, patient, first, "api")
        racer = threading.Thread(target=book_second)
        racer.start()
        time.sleep(0.5)
        assert racer.is_alive(), "the second booking should be waiting for the patient's lock"
    racer.join(timeout=10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], QuotaExceeded), outcome  # the first one counted: quota of 1 reached
