"""Moving a visit to another slot, its payment going with it (issue 12).

A paid visit moved to another time is not paid again: in one write transaction
the old visit is cancelled, the new place taken, and the old visit's paid
orders are re-pointed at the new visit. What was paid is the credit:
- the same fee: the new visit is confirmed at once, nothing paid or refunded;
- a lower fee: confirmed at once, and only the difference goes back (a refund
  of part of the order, `Refund.cause` = "reschedule:<new visit>");
- a higher fee: the new visit is held for the difference alone (its own small
  order, paid through the same pay page); if the difference is not paid in time
  the hold lapses like any other and the carried fee goes back with it.
An unpaid hold moves as a fresh hold for the whole fee.

Exactly once under concurrency: the patient's row is locked first (as a
booking does), the idempotent answer is looked for after that lock, and the old
visit leaves its state by a conditional UPDATE, so of two moves of one visit
only one happens; the other answers what the first answered (same key) or that
the visit was already moved.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Appointment, AppointmentStatus, Patient, PaymentOrder, new_id, utcnow
from payments.base import PaymentError, PaymentRequest
from payments.router import provider_for
from services import audit
from services.booking import catalogue, slot_cache
from services.booking.hold_caps import check_open_holds
from services.booking.holds import _check_slot, _load_slot, _lock_patient, _take_place, _view
from services.booking.outcomes import BookingOutcome, remember_outcome, replay_outcome
from services.booking.quotas import check_patient_week
from services.booking.transitions import (
    _close_pending_orders,
    _release_time,
    _return_place,
    queue_confirmation,
    transition,
)
from services.context import ServiceContext
from services.errors import Conflict, DuplicateAppointment, InvalidInput, NotFound, Restricted
from services.notifications import reminders
from services.payments.links import make_code
from services.payments.refunds import REFUND_WORKING_DAYS, refundable_fen, request_refund

S = AppointmentStatus
IDEMPOTENCY_SCOPE = "appointments.reschedule"
log = logging.getLogger(__name__)


class NotReschedulable(Conflict):
    code, message = "not_reschedulable", "这个预约已经改约、取消、过期或已就诊，不能再改约"


class TooLateToReschedule(Conflict):
    code, message = "too_late_to_reschedule", "就诊前2小时内不能在线改约，如有需要请致电医院"


@dataclass(frozen=True)
class _Difference:
    """The order for the difference, written in the transaction; the provider is asked after."""

    out_trade_no: str
    order_id: int
    amount_fen: int
    expires_at: datetime
    provider: str
    subject: str


def _fingerprint(appointment_id: str, slot_id: str) -> str:
    return hashlib.sha256(f"move\x00{appointment_id}\x00{slot_id}".encode()).hexdigest()


def reschedule(
    ctx: ServiceContext, appointment_id: str, slot_id: str, idempotency_key: str | None = None
) -> BookingOutcome:
    """Move a held or confirmed visit to `slot_id`; the answer is the new visit's view with
    `rescheduled_from` and `carried_over` ({paid_fen, difference_fen, refund})."""
    fingerprint = _fingerprint(appointment_id, slot_id)
    if idempotency_key:
        with ctx.db.reading() as session:
            replayed = replay_outcome(session, IDEMPOTENCY_SCOPE, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    try:
        with ctx.db.transaction() as session:
            result, difference, clinic_date = _move_in(ctx, session, appointment_id, slot_id, idempotency_key)
            if idempotency_key and not result.replayed:
                remember_outcome(session, IDEMPOTENCY_SCOPE, idempotency_key, fingerprint, result)
    except IntegrityError:
        raise DuplicateAppointment() from None  # the partial unique index: that day is taken
    if result.replayed:
        return result
    assert clinic_date is not None
    slot_cache.listings.invalidate(catalogue.cache_scope(ctx), clinic_date, result.appointment["department"])
    if difference is not None:
        _open_difference(ctx, difference, result.appointment["payment"])
    return result


def _open_difference(ctx: ServiceContext, difference: _Difference, payment: dict[str, Any]) -> None:
    """The pay link works without the provider's URL (the pay page asks the platform when
    tapped), so a slow platform here costs nothing: the move stands, the link is given."""
    code = make_code(ctx.settings.secret_key, difference.order_id, difference.expires_at)
    payment["pay_link"] = f"{ctx.settings.public_base_url.rstrip('/')}/p/{code}"
    try:
        request = PaymentRequest(difference.out_trade_no, difference.amount_fen, difference.subject)
        payment["pay_url"] = provider_for(ctx.payments, difference.provider).create_order(request).pay_url
    except PaymentError as exc:
        log.warning("difference order not opened at the platform yet: %s", exc)


def _move_in(
    ctx: ServiceContext, session: Session, appointment_id: str, slot_id: str, key: str | None
) -> tuple[BookingOutcome, _Difference | None, date | None]:
    now = utcnow()
    old = session.get(Appointment, appointment_id)
    if old is None:
        raise NotFound("没有找到这个预约")
    patient = _lock_patient(session.connection(), old.patient_id)
    if key:  # a move with this key that committed while we waited for the lock
        replayed = replay_outcome(session, IDEMPOTENCY_SCOPE, key, _fingerprint(appointment_id, slot_id))
        if replayed is not None:
            return replayed, None, None
    session.refresh(old)  # its state as it is now, after the lock
    if old.state not in (S.HELD, S.CONFIRMED):
        raise NotReschedulable()
    if old.slot_id == slot_id:
        raise InvalidInput("新选的时段和原来的一样，不用改约")
    cutoff = old.slot.start_at - timedelta(hours=ctx.settings.cancel_cutoff_hours)
    if old.state is S.CONFIRMED and now > cutoff:
        raise TooLateToReschedule(f"就诊前{ctx.settings.cancel_cutoff_hours}小时内不能在线改约，如有需要请致电医院")
    if patient.restricted_until is not None and patient.restricted_until > now:
        raise Restricted(until=patient.restricted_until.isoformat())
    slot = _load_slot(session.connection(), slot_id)
    _check_slot(ctx, slot, patient, now)

    _release_old(ctx, session, old, now)
    check_patient_week(ctx, session, old.patient_id, slot.department_id, slot.clinic_date, now)
    paid = session.scalars(
        select(PaymentOrder)
        .where(PaymentOrder.appointment_id == old.id, PaymentOrder.status == "paid")
        .order_by(PaymentOrder.id)
    ).all()
    credit = sum(refundable_fen(session, order) for order in paid)
    due = slot.fee_fen - credit
    if due > 0:
        check_open_holds(ctx, session, old.patient_id, now)
    _take_place(ctx, session, slot_id, now)

    status = S.HELD if due > 0 else S.CONFIRMED
    hold_expires_at = now + timedelta(minutes=ctx.settings.hold_minutes) if due > 0 else None
    moved_id = new_id("apt")
    session.execute(
        insert(Appointment).values(
            id=moved_id,
            patient_id=old.patient_id,
            slot_id=slot.id,
            department_id=slot.department_id,
            doctor_id=slot.doctor_id,
            clinic_date=slot.clinic_date,
            status=status.value,
            fee_fen=slot.fee_fen,
            channel=old.channel,
            hold_expires_at=hold_expires_at,
            confirmed_at=None if due > 0 else now,
        )
    )
    # What was paid now pays for the new visit: a later cancellation refunds it from there.
    session.execute(
        update(PaymentOrder)
        .where(PaymentOrder.appointment_id == old.id, PaymentOrder.status == "paid")
        .values(appointment_id=moved_id)
    )
    body = _view(moved_id, status.value, old.patient_id, slot, hold_expires_at)
    refund = _refund_difference(session, list(paid), -due, moved_id) if due < 0 else None
    difference: _Difference | None = None
    if due > 0:
        assert hold_expires_at is not None
        provider = paid[-1].provider if paid else ctx.payments.name  # where the fee was paid
        subject = f"挂号费差价-{slot.department_name}"
        difference = _open_difference_row(session, old, moved_id, due, hold_expires_at, provider, subject)
        body["payment"] = {"out_trade_no": difference.out_trade_no, "amount_fen": due, "status": "pending"}
    elif paid:
        body["payment"] = {"out_trade_no": paid[-1].out_trade_no, "amount_fen": paid[-1].amount_fen, "status": "paid"}
    if status is S.CONFIRMED:
        _confirm(ctx, session, moved_id)
    body["rescheduled_from"] = old.id
    body["carried_over"] = {"paid_fen": credit, "difference_fen": due, "refund": refund}
    audit.record(
        ctx,
        session,
        action="appointment.reschedule",
        patient_id=old.patient_id,
        subject=moved_id,
        detail={"from": old.id, "slot_id": slot.id, "carried_fen": credit, "difference_fen": due},
    )
    return BookingOutcome(body), difference, slot.clinic_date


def _release_old(ctx: ServiceContext, session: Session, old: Appointment, now: datetime) -> None:
    """Cancel the old visit, or lose to whoever changed it first (a move, a cancel, expiry)."""
    release_at = _release_time(ctx, now)
    if not transition(
        session,
        old.id,
        (S.HELD, S.CONFIRMED),
        S.CANCELLED,
        cancelled_at=now,
        cancel_reason="rescheduled",
        place_release_at=release_at,
    ):
        raise NotReschedulable()
    if release_at is None:
        _return_place(session, old.slot_id)
    _close_pending_orders(session, old.id, now)


def _refund_difference(
    session: Session, paid: list[PaymentOrder], amount_fen: int, moved_id: str
) -> dict[str, Any] | None:
    """Give back `amount_fen` of what was paid, newest order first (a difference paid on top
    of an earlier move goes back before the original fee is touched)."""
    left, first = amount_fen, None
    for order in reversed(paid):
        if left <= 0:
            break
        part = request_refund(session, order, "rescheduled_cheaper", amount_fen=left, cause=f"reschedule:{moved_id}")
        if part is not None:
            left -= part["amount_fen"]
            first = first or part
    if first is None:
        return None
    return {**first, "amount_fen": amount_fen - left, "working_days": REFUND_WORKING_DAYS}


def _open_difference_row(
    session: Session, old: Appointment, moved_id: str, due: int, expires_at: datetime, provider: str, subject: str
) -> _Difference:
    out_trade_no = new_id("pay")
    order_id = session.execute(
        insert(PaymentOrder)
        .values(
            out_trade_no=out_trade_no,
            kind="registration",
            appointment_id=moved_id,
            patient_id=old.patient_id,
            amount_fen=due,
            provider=provider,
            expires_at=expires_at,
        )
        .returning(PaymentOrder.id)
    ).scalar_one()
    return _Difference(out_trade_no, order_id, due, expires_at, provider, subject)


def _confirm(ctx: ServiceContext, session: Session, moved_id: str) -> None:
    """A move that needs no money is confirmed now: the usual confirmation and reminders."""
    appointment = session.get(Appointment, moved_id)
    assert appointment is not None
    patient = session.get(Patient, appointment.patient_id)
    assert patient is not None
    queue_confirmation(ctx, session, appointment, patient)
    reminders.queue_for_appointment(ctx, session, moved_id)
