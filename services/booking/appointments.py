"""The booking engine: hold, confirm, cancel, expire, check in, no-show.

Correctness under a flash crowd rests on the database, not on Python:
- a slot's place is taken by `UPDATE … SET remaining = remaining - 1 WHERE
  remaining > 0`, which counts only when exactly one row changed, under a
  `CHECK (remaining >= 0)`;
- one appointment per patient, department and day is a partial unique index;
- a patient's own bookings are serialised by updating their row first (a row
  lock on PostgreSQL, the write lock on SQLite), because the weekly quota is a
  "count, then insert" across rows that would race under READ COMMITTED;
- every state change is a conditional UPDATE on the expected current state, so
  a payment and an expiry racing for the same hold cannot both win.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from db import rows_changed
from models import (
    ACTIVE,
    OCCUPYING,
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
from services.booking.calendar import SHANGHAI, iso_week_bounds
from services.context import ServiceContext
from services.errors import (
    Conflict,
    DuplicateAppointment,
    IdempotencyMismatch,
    NotCancellable,
    NotFound,
    NotReleased,
    QuotaExceeded,
    Restricted,
    SlotUnavailable,
    SoldOut,
    TooLateToCancel,
)
from services.notifications import messages
from services.payments.refunds import refund_if_paid

S = AppointmentStatus
IDEMPOTENCY_SCOPE = "appointments.create"
_OCCUPYING_VALUES = [s.value for s in OCCUPYING]
_ACTIVE_VALUES = frozenset(s.value for s in ACTIVE)


@dataclass(frozen=True)
class BookingResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


# --- reading -------------------------------------------------------------------


def appointment_view(appointment: Appointment, order: PaymentOrder | None) -> dict[str, Any]:
    slot = appointment.slot
    view: dict[str, Any] = {
        "id": appointment.id,
        "status": appointment.status,
        "patient_id": appointment.patient_id,
        "slot_id": appointment.slot_id,
        "department": slot.department.code,
        "department_name": slot.department.name,
        "doctor": {"id": slot.doctor.id, "name": slot.doctor.name, "title": slot.doctor.title},
        "start": slot.start_at.astimezone(SHANGHAI).isoformat(),
        "fee_fen": appointment.fee_fen,
        "hold_expires_at": appointment.hold_expires_at.isoformat() if appointment.hold_expires_at else None,
    }
    if order is not None:
        view["payment"] = {
            "out_trade_no": order.out_trade_no,
            "amount_fen": order.amount_fen,
            "status": order.status,
        }
    return view


def _order_for(session: Session, appointment_id: str) -> PaymentOrder | None:
    return session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.appointment_id == appointment_id)
        .order_by(PaymentOrder.id.desc())
        .limit(1)
    )


def list_appointments(ctx: ServiceContext, patient_id: str) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        if session.get(Patient, patient_id) is None:
            raise NotFound("没有找到这位就诊人")
        appointments = session.scalars(
            select(Appointment).where(Appointment.patient_id == patient_id).order_by(Appointment.created_at.desc())
        ).all()
        return [appointment_view(a, _order_for(session, a.id)) for a in appointments]


def get_appointment(ctx: ServiceContext, appointment_id: str) -> dict[str, Any]:
    with ctx.db.reading() as session:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound("没有找到这个预约")
        return appointment_view(appointment, _order_for(session, appointment.id))


# --- booking -------------------------------------------------------------------


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


def _lock_patient(session: Session, patient_id: str) -> datetime | None:
    """Serialise this patient's bookings; return until when they are restricted."""
    locked = session.execute(
        update(Patient)
        .where(Patient.id == patient_id)
        .values(booking_seq=Patient.booking_seq + 1)
        .returning(Patient.restricted_until)
    ).one_or_none()
    if locked is None:
        raise NotFound("没有找到这位就诊人，请先添加就诊人")
    restricted_until: datetime | None = locked.restricted_until
    return restricted_until


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


def _check_patient_week(ctx: ServiceContext, session: Session, patient_id: str, slot: Slot, now: datetime) -> None:
    """One read of the patient's week decides both the one-per-day and the weekly rules.

    Holds past their deadline are expired here first: they no longer count,
    even before the expiry task has run.
    """
    monday, sunday = iso_week_bounds(slot.clinic_date)
    week = session.execute(
        select(
            Appointment.id,
            Appointment.slot_id,
            Appointment.department_id,
            Appointment.clinic_date,
            Appointment.status,
            Appointment.hold_expires_at,
        ).where(
            Appointment.patient_id == patient_id,
            Appointment.clinic_date.between(monday, sunday),
            Appointment.status.in_(_OCCUPYING_VALUES),
        )
    ).all()
    live = []
    for row in week:
        if row.status == S.HELD.value and row.hold_expires_at is not None and row.hold_expires_at <= now:
            _expire_one(session, row.id, row.slot_id, now)
        else:
            live.append(row)
    if any(r.department_id == slot.department_id and r.clinic_date == slot.clinic_date for r in live):
        raise DuplicateAppointment()
    if sum(1 for r in live if r.status in _ACTIVE_VALUES) >= ctx.settings.weekly_appointment_quota:
        raise QuotaExceeded(limit=ctx.settings.weekly_appointment_quota)


def _take_place(session: Session, slot_id: str, now: datetime) -> None:
    """Decrement `remaining` atomically; free expired holds on this slot once if full."""
    for attempt in range(2):
        taken = rows_changed(
            session, update(Slot).where(Slot.id == slot_id, Slot.remaining > 0).values(remaining=Slot.remaining - 1)
        )
        if taken == 1:
            return
        if attempt == 0 and not _expire_holds_of_slot(session, slot_id, now):
            break
    raise SoldOut()


def _book_in(ctx: ServiceContext, session: Session, patient_id: str, slot_id: str, channel: str) -> BookingResult:
    settings = ctx.settings
    now = utcnow()
    restricted_until = _lock_patient(session, patient_id)
    if restricted_until is not None and restricted_until > now:
        raise Restricted(until=restricted_until.isoformat())

    slot, session_status = _load_slot(session, slot_id)
    if slot.released_at > now:
        raise NotReleased(released_at=slot.released_at.astimezone(SHANGHAI).isoformat())
    if slot.start_at <= now or session_status != "open":
        raise SlotUnavailable()
    _check_patient_week(ctx, session, patient_id, slot, now)

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


def queue_confirmation(ctx: ServiceContext, session: Session, appointment: Appointment, patient: Patient) -> None:
    slot = appointment.slot
    start = slot.start_at.astimezone(SHANGHAI)
    text = (
        f"【{ctx.settings.hospital_name}】{patient.name[:1]}**，您已预约成功："
        f"{start:%m月%d日 %H:%M} {slot.department.name} {slot.doctor.name}医生。"
        f"请提前15分钟到{slot.department.location}签到。"
        f"如需取消，请在就诊前{ctx.settings.cancel_cutoff_hours}小时前操作。"
    )
    # On the patient's own app channel when they have one, else by SMS; the
    # reminders follow from the beat sweep (services.reminders.schedule_upcoming).
    messages.to_patient(
        ctx, session, patient, kind="booking_confirmed", dedupe_key=f"booking_confirmed:{appointment.id}", text=text
    )


# --- state changes after booking -------------------------------------------------


def _transition(
    session: Session,
    appointment_id: str,
    expected: tuple[AppointmentStatus, ...],
    wanted: AppointmentStatus,
    **values: Any,
) -> bool:
    """Move one appointment from one of `expected` to `wanted`; False if another change won."""
    changed = rows_changed(
        session,
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status.in_([s.value for s in expected]))
        .values(status=wanted.value, **values),
    )
    return changed == 1


def _return_place(session: Session, slot_id: str) -> None:
    session.execute(update(Slot).where(Slot.id == slot_id).values(remaining=Slot.remaining + 1))


def _close_pending_orders(session: Session, appointment_id: str, now: datetime) -> None:
    session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.appointment_id == appointment_id, PaymentOrder.status == "pending")
        .values(status="closed", closed_at=now)
    )


def _expire_holds_of_slot(session: Session, slot_id: str, now: datetime) -> int:
    stale = session.scalars(
        select(Appointment.id).where(
            Appointment.slot_id == slot_id, Appointment.status == S.HELD.value, Appointment.hold_expires_at <= now
        )
    ).all()
    return sum(_expire_one(session, appointment_id, slot_id, now) for appointment_id in stale)


def _expire_one(session: Session, appointment_id: str, slot_id: str, now: datetime) -> int:
    if not _transition(session, appointment_id, (S.HELD,), S.EXPIRED, cancelled_at=now, cancel_reason="hold_expired"):
        return 0
    _return_place(session, slot_id)
    _close_pending_orders(session, appointment_id, now)
    audit.record(session, actor="system", action="appointment.expire", subject=appointment_id)
    return 1


def expire_holds(ctx: ServiceContext, now: datetime | None = None, batch: int = 500) -> int:
    """Return the places of holds that were not paid in time. Safe to run anywhere, any time."""
    now = now or utcnow()
    with ctx.db.reading() as session:
        stale = session.execute(
            select(Appointment.id, Appointment.slot_id)
            .where(Appointment.status == S.HELD.value, Appointment.hold_expires_at <= now)
            .limit(batch)
        ).all()
    expired = 0
    for appointment_id, slot_id in stale:
        with ctx.db.transaction() as session:
            expired += _expire_one(session, appointment_id, slot_id, now)
    return expired


def confirm_paid(ctx: ServiceContext, session: Session, appointment_id: str, now: datetime) -> bool:
    """Confirm a held appointment whose fee arrived in time.

    False when it is no longer held or its deadline passed: the hold's deadline
    is absolute, so a late payment expires the hold (if the task has not yet)
    and the caller refunds it.
    """
    confirmed = rows_changed(
        session,
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.status == S.HELD.value, Appointment.hold_expires_at > now)
        .values(status=S.CONFIRMED.value, confirmed_at=now, hold_expires_at=None),
    )
    appointment = session.get(Appointment, appointment_id)
    assert appointment is not None
    if confirmed != 1:
        session.refresh(appointment)
        if appointment.state is S.HELD:
            _expire_one(session, appointment_id, appointment.slot_id, now)
        return False
    session.refresh(appointment)
    patient = session.get(Patient, appointment.patient_id)
    assert patient is not None
    queue_confirmation(ctx, session, appointment, patient)
    audit.record(session, actor=ctx.actor, action="appointment.confirm", patient_id=patient.id, subject=appointment_id)
    return True


def cancel(ctx: ServiceContext, appointment_id: str, reason: str = "patient_request") -> dict[str, Any]:
    """Cancel a held or confirmed appointment before the cut-off; refund if paid."""
    now = utcnow()
    with ctx.db.transaction() as session:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound("没有找到这个预约")
        if appointment.state not in (S.HELD, S.CONFIRMED):
            raise NotCancellable()
        cutoff = appointment.slot.start_at - timedelta(hours=ctx.settings.cancel_cutoff_hours)
        if appointment.state is S.CONFIRMED and now > cutoff:
            raise TooLateToCancel()
        if not _transition(
            session, appointment_id, (S.HELD, S.CONFIRMED), S.CANCELLED, cancelled_at=now, cancel_reason=reason
        ):
            raise NotCancellable()
        _return_place(session, appointment.slot_id)
        _close_pending_orders(session, appointment_id, now)
        refund = refund_if_paid(session, appointment_id, reason="appointment_cancelled")
        audit.record(
            session,
            actor=ctx.actor,
            action="appointment.cancel",
            patient_id=appointment.patient_id,
            subject=appointment_id,
            reason=reason,
        )
        session.refresh(appointment)
        view = appointment_view(appointment, _order_for(session, appointment_id))
        view["refund"] = refund
        return view


def check_in(ctx: ServiceContext, appointment_id: str) -> None:
    with ctx.db.transaction() as session:
        if not _transition(session, appointment_id, (S.CONFIRMED,), S.CHECKED_IN):
            raise Conflict("只有已确认的预约可以签到")
        audit.record(session, actor=ctx.actor, action="appointment.check_in", subject=appointment_id)


def complete(ctx: ServiceContext, appointment_id: str) -> None:
    with ctx.db.transaction() as session:
        if not _transition(session, appointment_id, (S.CHECKED_IN,), S.COMPLETED, finished_at=utcnow()):
            raise Conflict("只有已签到的预约可以完成就诊")
        audit.record(session, actor=ctx.actor, action="appointment.complete", subject=appointment_id)


def mark_no_show(ctx: ServiceContext, appointment_id: str) -> bool:
    """Record a missed visit; the `no_show_limit`-th within the window restricts booking.

    Returns whether the patient is now restricted.
    """
    settings = ctx.settings
    now = utcnow()
    with ctx.db.transaction() as session:
        if not _transition(session, appointment_id, (S.CONFIRMED,), S.NO_SHOW, finished_at=now):
            raise Conflict("只有已确认且未签到的预约可以记为爽约")
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        patient_id = appointment.patient_id
        _lock_patient(session, patient_id)
        misses = session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.patient_id == patient_id,
                Appointment.status == S.NO_SHOW.value,
                Appointment.finished_at >= now - timedelta(days=settings.no_show_window_days),
            )
        )
        restricted = (misses or 0) >= settings.no_show_limit
        if restricted:
            until = now + timedelta(days=settings.restriction_days)
            session.execute(update(Patient).where(Patient.id == patient_id).values(restricted_until=until))
        audit.record(
            session,
            actor=ctx.actor,
            action="appointment.no_show",
            patient_id=patient_id,
            subject=appointment_id,
            detail={"restricted": restricted},
        )
        return restricted
