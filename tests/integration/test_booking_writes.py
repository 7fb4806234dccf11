"""A booking's writes (services/booking/place_writes.py) on SQLite and on PostgreSQL, where
they go as one statement: a paid place writes its appointment, order and audit entry; a
free one its appointment, confirmation message and audit entry; a refusal (sold out, a
second visit that day) writes nothing at all, and a lapsed hold on a full slot is freed
and its place taken."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, update

from app import build_context
from models import Appointment, AuditEntry, OutboxMessage, PaymentOrder, Slot, utcnow
from services.booking import holds
from services.context import ServiceContext
from services.errors import DuplicateAppointment, SoldOut
from services.notifications.outbox import BODY_CONTEXT
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ctx(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServiceContext]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    context = build_context(settings_for(url)).acting_as("service:api", "req-writes-1")
    yield context
    context.db.dispose()


def _counts(ctx: ServiceContext) -> dict[str, int]:
    with ctx.db.reading() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Appointment, PaymentOrder, OutboxMessage, AuditEntry)
        }


def _remaining(ctx: ServiceContext, slot_id: str) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(Slot.remaining).where(Slot.id == slot_id)) or 0)


def test_a_paid_place_writes_its_appointment_order_and_audit_entry(any_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = any_ctx
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=2500), clinic_day, capacity=2)
    patient = make_patient(ctx)
    before = _counts(ctx)
    booked = holds.book(ctx, patient_id=patient, slot_id=slot).appointment
    after = _counts(ctx)
    assert {k: after[k] - before[k] for k in after} == {
        "appointments": 1,
        "payment_orders": 1,
        "outbox_messages": 0,
        "audit_log": 1,
    }
    assert _remaining(ctx, slot) == 1
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.appointment_id == booked["id"]))
        entry = session.scalar(select(AuditEntry).where(AuditEntry.subject == booked["id"]))
        appointment = session.get(Appointment, booked["id"])
    assert order is not None and order.amount_fen == 2500 and order.status == "pending"
    assert order.out_trade_no == booked["payment"]["out_trade_no"]
    assert appointment is not None and appointment.status == "held" and appointment.clinic_date == clinic_day
    assert order.expires_at == appointment.hold_expires_at
    assert appointment.hold_expires_at is not None and appointment.hold_expires_at > utcnow()
    assert entry is not None and (entry.actor, entry.action, entry.request_id) == (
        "service:api",
        "appointment.create",
        "req-writes-1",
    )
    assert booked["payment"]["pay_link"].startswith(ctx.settings.public_base_url.rstrip("/") + "/p/")


def test_a_free_place_writes_its_confirmation_message_with_it(any_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = any_ctx
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day, at=time(10, 0))
    patient = make_patient(ctx, name="赵建国", phone="13911112222")
    booked = holds.book(ctx, patient_id=patient, slot_id=slot, channel="sms").appointment
    assert booked["status"] == "confirmed" and "payment" not in booked
    with ctx.db.reading() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.patient_id == patient))
        orders = session.scalar(select(func.count()).select_from(PaymentOrder))
    assert orders == 0
    assert message is not None and message.dedupe_key == f"booking_confirmed:{booked['id']}"
    assert (message.channel, message.kind, message.status) == ("sms", "booking_confirmed", "pending")
    text = ctx.cipher.decrypt(message.body_enc, BODY_CONTEXT)
    assert text.startswith(f"【{ctx.settings.hospital_name}】赵**，您已预约成功") and "10:00" in text


def test_refusals_write_nothing(any_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = any_ctx
    department = make_department(ctx)
    full = make_slot(ctx, make_doctor(ctx, department, fee_fen=1000), clinic_day, capacity=1)
    first, second = make_patient(ctx, phone="13900000001"), make_patient(ctx, phone="13900000002")
    holds.book(ctx, patient_id=first, slot_id=full)
    before = _counts(ctx)
    with pytest.raises(SoldOut):
        holds.book(ctx, patient_id=second, slot_id=full)
    other = make_slot(ctx, make_doctor(ctx, department, fee_fen=0, name="李医生"), clinic_day, at=time(11, 0))
    with pytest.raises(DuplicateAppointment):
        holds.book(ctx, patient_id=first, slot_id=other)  # same department, same day
    assert _counts(ctx) == before
    assert _remaining(ctx, full) == 0 and _remaining(ctx, other) == 3


def test_a_lapsed_hold_on_a_full_slot_is_freed_and_its_place_taken(any_ctx: ServiceContext, clinic_day: date) -> None:
    ctx = any_ctx
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=1000), clinic_day, capacity=1)
    first, second = make_patient(ctx, phone="13900000003"), make_patient(ctx, phone="13900000004")
    lapsed = holds.book(ctx, patient_id=first, slot_id=slot).appointment
    with ctx.db.transaction() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == lapsed["id"])
            .values(hold_expires_at=utcnow() - timedelta(minutes=1))
        )
    booked = holds.book(ctx, patient_id=second, slot_id=slot).appointment
    assert booked["status"] == "held" and _remaining(ctx, slot) == 0
    with ctx.db.reading() as session:
        assert session.scalar(select(Appointment.status).where(Appointment.id == lapsed["id"])) == "expired"


def test_a_live_hold_on_a_full_slot_stays_and_the_next_patient_is_refused(
    any_ctx: ServiceContext, clinic_day: date
) -> None:
    """The lapsed-hold read that spares a sold-out refusal its ORM session finds none here:
    the hold is still inside its deadline, so it keeps its place (and one lapsed a second ago,
    beside it on another slot, does not count for this one)."""
    ctx = any_ctx
    department = make_department(ctx)
    slot = make_slot(ctx, make_doctor(ctx, department, fee_fen=1000), clinic_day, capacity=1)
    elsewhere = make_slot(ctx, make_doctor(ctx, department, fee_fen=1000, name="李医生"), clinic_day, capacity=1)
    first, second, third = (make_patient(ctx, phone=f"1390000001{n}") for n in range(3))
    live = holds.book(ctx, patient_id=first, slot_id=slot).appointment
    lapsed = holds.book(ctx, patient_id=third, slot_id=elsewhere).appointment
    with ctx.db.transaction() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == lapsed["id"])
            .values(hold_expires_at=utcnow() - timedelta(seconds=1))
        )
    before = _counts(ctx)
    with pytest.raises(SoldOut):
        holds.book(ctx, patient_id=second, slot_id=slot)
    assert _counts(ctx) == before and _remaining(ctx, slot) == 0
    with ctx.db.reading() as session:
        statuses = dict(session.execute(select(Appointment.id, Appointment.status)).tuples().all())
    assert statuses[live["id"]] == "held" and statuses[lapsed["id"]] == "held"
