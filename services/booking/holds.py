"""Booking a place: hold a slot for a patient until the fee is paid (or confirm at
once when it is free), idempotently.

Correctness under a flash crowd rests on the database, not on Python:
- a slot's place is taken by `UPDATE … SET remaining = remaining - 1 WHERE
  remaining > 0`, which counts only when exactly one row changed, under a
  `CHECK (remaining >= 0)`;
- one appointment per patient, department and day is a partial unique index;
- the patient's row is updated first, serialising their bookings (see `quotas`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from db import rows_changed
from models import (
    Appointment,
    AppointmentStatus,
    IdempotencyRecord,
    Patient,
    PaymentOrder,
    Schedule,
    Slot,
    new_id,
    utcnow,
)
from payments.base import PaymentRequest
from services import audit
from services.booking.calendar import SHANGHAI
from services.booking.eligibility import check_fits
from services.booking.hold_caps import check_open_holds
from services.booking.queries import appointment_view
from services.booking.quotas import check_patient_week, lock_patient
from services.booking.transitions import expire_holds_of_slot, queue_confirmation
from services.context import ServiceContext
from services.errors import (
    DuplicateAppointment,
    IdempotencyMismatch,
    NotFound,
    NotReleased,
    Restricted,
    SlotUnavailable,
    SoldOut,
)

S = AppointmentStatus
IDEMPOTENCY_SCOPE = "appointments.create"


@dataclass(frozen=True)
class BookingResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def _fingerprint(patient_id: str, slot_id: str) -> str:
    return hashlib.sha256(f"{patient_id}\x00{slot_id}".encode()).hexdigest()


def _replay(session: Session, key: str, fingerprint: str) -> BookingResult | None:
    record = session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.scope == IDEMPOTENCY_SCOPE, IdempotencyRecord.key == key)
    )
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyMismatch()
    return BookingResult(record.status_code, json.loads(record.response_json), replayed=True)


def book(
    ctx: ServiceContext,
    *,
    patient_id: str,
    slot_id: str,
    idempotency_key: str | None = None,
    channel: str = "api",
) -> BookingResult:
    """Hold a place in a slot for a patient (or confirm at once when free of charge)."""
    fingerprint = _fingerprint(patient_id, slot_id)
    if idempotency_key:
        with ctx.db.reading() as session:
            replayed = _replay(session, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    try:
        with ctx.db.transaction() as session:
            result = _book_in(ctx, session, patient_id, slot_id, channel)
            if idempotency_key:
                session.add(
                    IdempotencyRecord(
                        scope=IDEMPOTENCY_SCOPE,
                        key=idempotency_key,
                        fingerprint=fingerprint,
                        status_code=result.status_code,
                        response_json=json.dumps(result.body, ensure_ascii=False),
                    )
                )
                session.flush()
            return result
    except IntegrityError:
        # The same key raced us and won: answer what it answered.
        if idempotency_key:
            with ctx.db.reading() as session:
                replayed = _replay(session, idempotency_key, fingerprint)
            if replayed is not None:
                return replayed
        # Otherwise the partial unique index caught a second booking for the day.
        raise DuplicateAppointment() from None


def _load_slot(session: Session, slot_id: str) -> tuple[Slot, str]:
    """The slot with its department and doctor in one query, and its session's status."""
    row = session.execute(
        select(Slot, Schedule.status)
        .join(Schedule, Schedule.id == Slot.schedule_id)
        .options(joinedload(Slot.department), joinedload(Slot.doctor))
        .where(Slot.id == slot_id)
    ).one_or_none()
    if row is None:
        raise NotFound("没有找到这个号源，请重新选择时段")
    return row[0], row[1]


def _take_place(session: Session, slot_id: str, now: datetime) -> None:
    """Decrement `remaining` atomically; free expired holds on this slot once if full."""
    for attempt in range(2):
        taken = rows_changed(
            session, update(Slot).where(Slot.id == slot_id, Slot.remaining > 0).values(remaining=Slot.remaining - 1)
        )
        if taken == 1:
            return
        if attempt == 0 and not expire_holds_of_slot(session, slot_id, now):
            break
    raise SoldOut()


def _check_department_fits(session: Session, patient_id: str, slot: Slot) -> None:
    """妇科 for women, 儿科 for children (data/department_rules.yml), by the patient's ID."""
    patient = session.get(Patient, patient_id)
    if patient is not None:
        check_fits(
            slot.department.code,
            slot.department.name,
            sex=patient.sex,
            birth_date=patient.birth_date,
            clinic_date=slot.clinic_date,
        )


def _book_in(ctx: ServiceContext, session: Session, patient_id: str, slot_id: str, channel: str) -> BookingResult:
    settings = ctx.settings
    now = utcnow()
    restricted_until = lock_patient(session, patient_id)
    if restricted_until is not None and restricted_until > now:
        raise Restricted(until=restricted_until.isoformat())

    slot, session_status = _load_slot(session, slot_id)
    _check_department_fits(session, patient_id, slot)
    if slot.released_at > now:
        raise NotReleased(released_at=slot.released_at.astimezone(SHANGHAI).isoformat())
    if slot.start_at <= now or session_status != "open":
        raise SlotUnavailable()
    check_patient_week(ctx, session, patient_id, slot, now)
    if slot.fee_fen:  # a free place is confirmed at once: no hold to cap
        check_open_holds(ctx, session, patient_id, now)

    _take_place(session, slot_id, now)

    free = slot.fee_fen == 0
    appointment = Appointment(
        id=new_id("apt"),
        patient_id=patient_id,
        slot_id=slot.id,
        department_id=slot.department_id,
        doctor_id=slot.doctor_id,
        clinic_date=slot.clinic_date,
        status=(S.CONFIRMED if free else S.HELD).value,
        fee_fen=slot.fee_fen,
        channel=channel,
        hold_expires_at=None if free else now + timedelta(minutes=settings.hold_minutes),
        confirmed_at=now if free else None,
    )
    appointment.slot = slot
    session.add(appointment)
    session.flush()  # before the order that refers to it; the partial unique index speaks here too

    body = appointment_view(appointment, None)
    if free:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        queue_confirmation(ctx, session, appointment, patient)
    else:
        order = PaymentOrder(
            out_trade_no=new_id("pay"),
            kind="registration",
            appointment_id=appointment.id,
            patient_id=patient_id,
            amount_fen=slot.fee_fen,
            provider=ctx.payments.name,
            expires_at=appointment.hold_expires_at,
        )
        session.add(order)
        link = ctx.payments.create_order(
            PaymentRequest(order.out_trade_no, order.amount_fen, f"挂号费-{slot.department.name}")
        )
        body["payment"] = {"out_trade_no": order.out_trade_no, "amount_fen": order.amount_fen, "pay_url": link.pay_url}
    audit.record(
        session,
        actor=ctx.actor,
        action="appointment.create",
        patient_id=patient_id,
        subject=appointment.id,
        request_id=ctx.request_id,
        detail={"slot_id": slot.id, "status": appointment.status},
    )
    return BookingResult(201, body)
