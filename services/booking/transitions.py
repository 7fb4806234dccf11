"""State changes after booking: confirm when paid, cancel, expire unpaid holds,
check in, complete; and the confirmation message.

Every state change is a conditional UPDATE on the expected current state
(`transition`), so a payment and an expiry racing for the same hold cannot both
win; whoever changed no row lost and leaves everything as the winner left it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import Appointment, AppointmentStatus, Patient, PaymentOrder, Slot, utcnow
from services import audit
from services.booking import slot_cache
from services.booking.calendar import SHANGHAI
from services.booking.queries import appointment_view, order_for
from services.context import ServiceContext
from services.errors import Conflict, NotCancellable, NotFound, TooLateToCancel
from services.notifications import messages
from services.patients.registry import patient_name
from services.payments.refunds import refund_if_paid

S = AppointmentStatus


def transition(
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
    clinic_date = session.execute(
        update(Slot).where(Slot.id == slot_id).values(remaining=Slot.remaining + 1).returning(Slot.clinic_date)
    ).scalar_one_or_none()
    if clinic_date is not None:  # the day's cached listings show the place again (slot_cache)
        slot_cache.listings.invalidate(slot_cache.scope_of(session), clinic_date)


def _close_pending_orders(session: Session, appointment_id: str, now: datetime) -> None:
    session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.appointment_id == appointment_id, PaymentOrder.status == "pending")
        .values(status="closed", closed_at=now)
    )


def expire_holds_of_slot(ctx: ServiceContext, session: Session, slot_id: str, now: datetime) -> int:
    stale = session.scalars(
        select(Appointment.id).where(
            Appointment.slot_id == slot_id, Appointment.status == S.HELD.value, Appointment.hold_expires_at <= now
        )
    ).all()
    return sum(expire_one(ctx, session, appointment_id, slot_id, now) for appointment_id in stale)


def expire_one(ctx: ServiceContext, session: Session, appointment_id: str, slot_id: str, now: datetime) -> int:
    """Expire one lapsed hold and give its place back. The hold lapsed by time, so the
    entry's actor is the system; its request id is of whatever came across it (a booking
    request, the expiry task)."""
    if not transition(session, appointment_id, (S.HELD,), S.EXPIRED, cancelled_at=now, cancel_reason="hold_expired"):
        return 0
    _return_place(session, slot_id)
    _close_pending_orders(session, appointment_id, now)
    # A visit moved from a paid one waits for the difference with the old fee on it: when the
    # difference never comes, that fee goes back too (nothing is kept for a visit not held).
    refund_if_paid(session, appointment_id, reason="hold_expired")
    audit.record(ctx, session, actor="system", action="appointment.expire", subject=appointment_id)
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
            expired += expire_one(ctx, session, appointment_id, slot_id, now)
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
            expire_one(ctx, session, appointment_id, appointment.slot_id, now)
        return False
    session.refresh(appointment)
    patient = session.get(Patient, appointment.patient_id)
    assert patient is not None
    queue_confirmation(ctx, session, appointment, patient)
    audit.record(ctx, session, action="appointment.confirm", patient_id=patient.id, subject=appointment_id)
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
        release_at = _release_time(ctx, now)
        if not transition(
            session,
            appointment_id,
            (S.HELD, S.CONFIRMED),
            S.CANCELLED,
            cancelled_at=now,
            cancel_reason=reason,
            place_release_at=release_at,
        ):
            raise NotCancellable()
        if release_at is None:
            _return_place(session, appointment.slot_id)
        _close_pending_orders(session, appointment_id, now)
        refund = refund_if_paid(session, appointment_id, reason="appointment_cancelled")
        audit.record(
            ctx,
            session,
            action="appointment.cancel",
            patient_id=appointment.patient_id,
            subject=appointment_id,
            reason=reason,
        )
        session.refresh(appointment)
        view = appointment_view(appointment, order_for(session, appointment_id))
        view["refund"] = refund
        return view


def _release_time(ctx: ServiceContext, now: datetime) -> datetime | None:
    """When a cancelled place goes back: a random moment in the configured window, drawn
    from the system's CSPRNG so a scalper cannot predict it; None (at once) for a 0 window."""
    low, high = ctx.settings.release_delay_seconds_min, ctx.settings.release_delay_seconds_max
    if high <= 0:
        return None
    return now + timedelta(seconds=low + secrets.randbelow(high - low + 1))


def release_cancelled_places(ctx: ServiceContext, now: datetime | None = None, batch: int = 500) -> int:
    """Beat's sweep: return the places of cancellations whose release time has come. Each is
    returned once, by a conditional UPDATE that clears the time, however many sweeps run."""
    now = now or utcnow()
    with ctx.db.reading() as session:
        due = session.execute(
            select(Appointment.id, Appointment.slot_id).where(Appointment.place_release_at <= now).limit(batch)
        ).all()
    released = 0
    for appointment_id, slot_id in due:
        with ctx.db.transaction() as session:
            claimed = rows_changed(
                session,
                update(Appointment)
                .where(Appointment.id == appointment_id, Appointment.place_release_at.is_not(None))
                .values(place_release_at=None),
            )
            if claimed == 1:
                _return_place(session, slot_id)
                released += 1
    return released


def check_in(ctx: ServiceContext, appointment_id: str) -> None:
    with ctx.db.transaction() as session:
        if not transition(session, appointment_id, (S.CONFIRMED,), S.CHECKED_IN):
            raise Conflict("只有已确认的预约可以签到")
        audit.record(ctx, session, action="appointment.check_in", subject=appointment_id)


def complete(ctx: ServiceContext, appointment_id: str) -> None:
    with ctx.db.transaction() as session:
        if not transition(session, appointment_id, (S.CHECKED_IN,), S.COMPLETED, finished_at=utcnow()):
            raise Conflict("只有已签到的预约可以完成就诊")
        audit.record(ctx, session, action="appointment.complete", subject=appointment_id)


def confirmation_text(
    ctx: ServiceContext,
    *,
    patient_name: str,
    start_at: datetime,
    department_name: str,
    doctor_name: str,
    location: str,
) -> str:
    """The booking's confirmation, from plain values (the booking's hot path has rows, not objects)."""
    start = start_at.astimezone(SHANGHAI)
    return (
        f"【{ctx.settings.hospital_name}】{patient_name[:1]}**，您已预约成功："
        f"{start:%m月%d日 %H:%M} {department_name} {doctor_name}医生。"
        f"请提前15分钟到{location}签到。"
        f"如需取消，最晚请在就诊前{ctx.settings.cancel_cutoff_hours}小时操作。"
    )


def queue_confirmation(ctx: ServiceContext, session: Session, appointment: Appointment, patient: Patient) -> None:
    slot = appointment.slot
    text = confirmation_text(
        ctx,
        patient_name=patient_name(ctx.cipher, patient),
        start_at=slot.start_at,
        department_name=slot.department.name,
        doctor_name=slot.doctor.name,
        location=slot.department.location,
    )
    # In the chat it was booked from (else the patient's app channel, else SMS); the
    # reminders follow from the beat sweep (services.reminders.schedule_upcoming).
    messages.to_patient(
        ctx,
        session,
        patient,
        kind="booking_confirmed",
        dedupe_key=f"booking_confirmed:{appointment.id}",
        text=text,
        channel=appointment.channel,
    )
