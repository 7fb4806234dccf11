"""Booking a place: hold a slot for a patient until the fee is paid (or confirm at
once when it is free), idempotently.

Correctness under a flash crowd rests on the database, not on Python:
- a slot's place is taken by `UPDATE … SET remaining = remaining - 1 WHERE
  remaining > 0`, which counts only when exactly one row changed, under a
  `CHECK (remaining >= 0)`;
- one appointment per patient, department and day is a partial unique index;
- the patient's row is updated first, serialising their bookings (see `quotas`).

Speed at the 08:00 peak (issue 14) rests on keeping the locking transaction
short and cheap: rows, not ORM objects, and statements built once and run on a plain
Core connection, no ORM session (the patient's lock returns what the checks and a free
place's message need; one joined read of the slot; the week; both hold caps in one
read; on PostgreSQL the lock and that read are one statement, `_lock_and_load_statement`); the
writes go through `place_writes` (one statement on PostgreSQL). Nothing
in it waits on the network: the payment order's row is written inside (so a hold
never lacks its order), but the provider is asked for the pay URL only after the
commit. When the provider fails, the hold is released at once; if even that fails,
the hold-expiry task returns the place when the hold lapses, as for any unpaid hold.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, bindparam, case, delete, select, true, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from db import ConnectionUnit
from frozen_sql import FrozenStatement
from models import (
    AccountPatient,
    Appointment,
    AppointmentStatus,
    ChannelIdentity,
    Department,
    Doctor,
    IdempotencyRecord,
    Patient,
    Schedule,
    Slot,
    new_id,
    utcnow,
)
from payments.base import PaymentError, PaymentRequest
from services.booking import catalogue, hold_caps, place_writes, slot_cache
from services.booking.calendar import SHANGHAI
from services.booking.eligibility import check_fits
from services.booking.hold_caps import refuse_over_caps
from services.booking.outcomes import BookingOutcome, remember_outcome, replay_outcome
from services.booking.outcomes import fingerprint as _fingerprint
from services.booking.quotas import check_patient_week, check_week_counts, one_of, week_columns
from services.booking.transitions import confirmation_text, expire_holds_of_slot, expire_one
from services.context import ServiceContext
from services.errors import (
    DomainError,
    DuplicateAppointment,
    NotFound,
    NotReleased,
    Restricted,
    SlotUnavailable,
    SoldOut,
)
from services.notifications import messages, outbox
from services.patients.identities import channel_of_account, opened
from services.patients.registry import NAME_CONTEXT, PHONE_CONTEXT, birth_date_of
from services.payments.links import make_code

S = AppointmentStatus
IDEMPOTENCY_SCOPE = "appointments.create"
log = logging.getLogger(__name__)


class PaymentUnavailable(DomainError):
    code, message = "payment_unavailable", "支付通道暂时繁忙，号源已为您保留释放，请稍后重新预约"


@dataclass(frozen=True)
class _PendingOrder:
    """A hold's order row, written in the transaction; the provider is asked after the commit."""

    out_trade_no: str
    amount_fen: int
    subject: str
    appointment_id: str
    slot_id: str
    order_id: int
    expires_at: datetime


def _replayed(ctx: ServiceContext, key: str, fingerprint: str) -> BookingOutcome | None:
    with ctx.db.reading() as session:
        replayed = replay_outcome(session, IDEMPOTENCY_SCOPE, key, fingerprint)
    if replayed is None:
        return None
    payment = replayed.appointment.get("payment")
    if isinstance(payment, dict) and "pay_url" not in payment and replayed.appointment.get("status") == S.HELD.value:
        # The stored answer predates the provider's URL; asking again for the same
        # out_trade_no gives the same order, never a second charge.
        subject = f"挂号费-{replayed.appointment.get('department_name', '')}"
        try:
            link = ctx.payments.create_order(PaymentRequest(payment["out_trade_no"], payment["amount_fen"], subject))
        except PaymentError as exc:
            raise PaymentUnavailable() from exc
        payment["pay_url"] = link.pay_url
    return replayed


def book(
    ctx: ServiceContext,
    *,
    patient_id: str,
    slot_id: str,
    idempotency_key: str | None = None,
    channel: str = "api",
) -> BookingOutcome:
    """Hold a place in a slot for a patient (or confirm at once when free of charge)."""
    fingerprint = _fingerprint(patient_id, slot_id) if idempotency_key else ""  # only a key's answer needs it
    if idempotency_key:
        replayed = _replayed(ctx, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    try:
        # A plain connection, no ORM session on the hot path; a refusal commits (nothing of it
        # needs undoing), so psycopg keeps its prepared statements (`connection_transaction`).
        with ctx.db.connection_transaction(commit_on=(DomainError,)) as unit:
            result, order, clinic_date = _book_in(ctx, unit, patient_id, slot_id, channel)
            if idempotency_key:
                remember_outcome(unit.connection, IDEMPOTENCY_SCOPE, idempotency_key, fingerprint, result)
    except IntegrityError:
        # The same key raced us and won: answer what it answered.
        if idempotency_key:
            replayed = _replayed(ctx, idempotency_key, fingerprint)
            if replayed is not None:
                return replayed
        # Otherwise the partial unique index caught a second booking for the day.
        raise DuplicateAppointment() from None
    slot_cache.listings.invalidate(catalogue.cache_scope(ctx), clinic_date, result.appointment["department"])
    if order is not None:
        _open_order(ctx, order, result.appointment["payment"], idempotency_key)
    return result


def _open_order(ctx: ServiceContext, order: _PendingOrder, payment: dict[str, Any], key: str | None) -> None:
    """Ask the provider where to pay, after the commit; on failure give the place back."""
    try:
        link = ctx.payments.create_order(PaymentRequest(order.out_trade_no, order.amount_fen, order.subject))
    except PaymentError as exc:
        log.warning("payment order failed, releasing hold %s: %s", order.appointment_id, exc)
        _release_failed_hold(ctx, order, key)
        raise PaymentUnavailable() from exc
    payment["pay_url"] = link.pay_url
    # The short /p/ link from the row id in hand: the edge need not look the order up again.
    code = make_code(ctx.settings.secret_key, order.order_id, order.expires_at)
    payment["pay_link"] = f"{ctx.settings.public_base_url.rstrip('/')}/p/{code}"


def _release_failed_hold(ctx: ServiceContext, order: _PendingOrder, key: str | None) -> None:
    """Expire the hold now (and forget its idempotent answer, so a retry books afresh).
    If the database fails too, the hold lapses at its deadline like any unpaid one."""
    try:
        with ctx.db.transaction() as session:
            expire_one(ctx, session, order.appointment_id, order.slot_id, utcnow())
            if key:
                session.execute(
                    delete(IdempotencyRecord).where(
                        IdempotencyRecord.scope == IDEMPOTENCY_SCOPE, IdempotencyRecord.key == key
                    )
                )
    except SQLAlchemyError:
        log.exception("could not release hold %s; the expiry task will", order.appointment_id)


# The hot path's statements, built once: building a statement costs far more than running
# it (about 0.1 ms each on SQLite), and SQLAlchemy's compiled cache serves the rest.
_PATIENT_COLUMNS = (
    Patient.restricted_until,
    Patient.sex,
    Patient.birth_date_enc,
    Patient.phone_hash,
    Patient.name_enc,
    Patient.phone_enc,
)
_LOCK_PATIENT = (
    update(Patient)
    .where(Patient.id == bindparam("patient_id"))
    .values(booking_seq=Patient.booking_seq + 1)
    .returning(*_PATIENT_COLUMNS)
)


_SLOT_COLUMNS = (
    Slot.id,
    Slot.department_id,
    Slot.doctor_id,
    Slot.clinic_date,
    Slot.start_at,
    Slot.released_at,
    Slot.fee_fen,
    Schedule.status.label("session_status"),
    Department.code.label("department_code"),
    Department.name.label("department_name"),
    Department.location.label("department_location"),
    Doctor.name.label("doctor_name"),
    Doctor.title.label("doctor_title"),
)


def _joined_slot(*extra: Any) -> Select[*tuple[Any, ...]]:
    return (
        select(*_SLOT_COLUMNS, *extra)
        .join(Schedule, Schedule.id == Slot.schedule_id)
        .join(Department, Department.id == Slot.department_id)
        .join(Doctor, Doctor.id == Slot.doctor_id)
        .where(Slot.id == bindparam("slot_id"))
    )


def _load_slot_statement(dialect: str, phone_hash: Any = None) -> Select[*tuple[Any, ...]]:
    """The slot, its session's status, department and doctor, and the checks' figures (the
    patient's week, the hold caps' counts for a paid place, the app channel a free place's
    message goes to) as scalar subqueries: one read after the patient's lock, not four.
    `phone_hash`: a column to count the phone's holds by, instead of the parameter."""
    paid = Slot.fee_fen > 0
    return _joined_slot(
        *week_columns(dialect),
        # CASE: the counts run for a paid place only, the channel for a free one only.
        case((paid, hold_caps.on_phone_count(phone_hash))).label("holds_on_phone"),
        case((paid, hold_caps.busiest_account_count())).label("holds_busiest"),
        case((~paid, _APP_CHANNEL.with_only_columns(ChannelIdentity.channel).scalar_subquery())).label("app_channel"),
        case((~paid, _APP_CHANNEL.with_only_columns(ChannelIdentity.external_enc).scalar_subquery())).label(
            "app_channel_enc"
        ),
    )


# A free place's message goes to the patient's app channel (wechat first, the patient's own
# account first) when it has one, as `messages.app_channel` chooses it; read from the patient's
# accounts (`ix_account_patients_patient`), not from every app identity (`channel_of_account`).
_APP_CHANNEL = (
    select(ChannelIdentity.channel, ChannelIdentity.external_enc)
    .join(AccountPatient, AccountPatient.account_id == ChannelIdentity.account_id)
    .where(AccountPatient.patient_id == bindparam("patient_id"), one_of(channel_of_account(), messages.APP_CHANNELS))
    .order_by(
        case((AccountPatient.relation == "self", 0), else_=1),
        case((ChannelIdentity.channel == "wechat", 0), else_=1),
        ChannelIdentity.id,
    )
    .limit(1)
)
_LOAD_SLOT = _joined_slot()
_LOAD_SLOT_CHECKED = {dialect: _load_slot_statement(dialect) for dialect in ("sqlite", "postgresql")}


def _lock_and_load_statement() -> Select[*tuple[Any, ...]]:
    """PostgreSQL: the patient's lock (a data-modifying CTE) and the checked read in one
    statement, one round trip instead of two (issue 14). The row carries both the patient's
    columns and the slot's (no name is in both).

    Why it stays correct: under READ COMMITTED the whole statement reads one snapshot, taken
    before the lock is waited for. If another booking of this patient commits while we wait,
    its appointment is not in our counts. `booking_seq` tells: every patient lock adds one to
    it, the lock returns the row as committed (`booking_seq`), the plain read the snapshot's
    (`seen_seq`); unless `booking_seq == seen_seq + 1` the caller reads again, now under the
    lock, with a fresh snapshot (`_lock_and_load`)."""
    locked = (
        update(Patient)
        .where(Patient.id == bindparam("patient_id"))
        .values(booking_seq=Patient.booking_seq + 1)
        .returning(*_PATIENT_COLUMNS, Patient.booking_seq)
        .cte("locked")
    )
    seen = select(Patient.booking_seq).where(Patient.id == bindparam("patient_id")).scalar_subquery()
    checked = _load_slot_statement("postgresql", phone_hash=locked.c.phone_hash)
    return checked.add_columns(*locked.c, seen.label("seen_seq")).join(locked, true())


_LOCK_AND_LOAD = _lock_and_load_statement()
# Run on the DBAPI cursor, compiled once (`frozen_sql`): SQLAlchemy's execute costs more than these reads.
_FROZEN_LOCK_PATIENT = FrozenStatement(_LOCK_PATIENT)
_FROZEN_LOCK_AND_LOAD = FrozenStatement(_LOCK_AND_LOAD)
_FROZEN_CHECKED = {dialect: FrozenStatement(statement) for dialect, statement in _LOAD_SLOT_CHECKED.items()}
_TAKE_PLACE = (
    update(Slot).where(Slot.id == bindparam("slot_id"), Slot.remaining > 0).values(remaining=Slot.remaining - 1)
)


def _lock_patient(connection: Connection, patient_id: str) -> Any:
    """Serialise this patient's bookings (see `quotas`), returning what the checks need
    (and what a free place's confirmation message needs: no second read of the patient)."""
    row = _FROZEN_LOCK_PATIENT.execute(connection, {"patient_id": patient_id}).one_or_none()
    if row is None:
        raise NotFound("没有找到这位就诊人，请先添加就诊人")
    return row


def _load_slot(connection: Connection, slot_id: str) -> Any:
    """The slot, its session's status, department and doctor: one joined read of plain columns."""
    row = connection.execute(_LOAD_SLOT, {"slot_id": slot_id}).one_or_none()
    if row is None:
        raise NotFound("没有找到这个号源，请重新选择时段")
    return row


def _lock_and_load(connection: Connection, slot_id: str, patient_id: str, now: datetime) -> tuple[Any, Any]:
    """The patient's lock, then the slot with the checks' figures: `(patient, slot)` rows.

    One statement on PostgreSQL (`_lock_and_load_statement`), read again when a booking of the
    same patient committed while the lock was awaited; two on SQLite, whose `BEGIN IMMEDIATE`
    has already serialised every writer (its RETURNING cannot sit in a CTE)."""
    if connection.dialect.name == "postgresql":
        params = {"slot_id": slot_id, "patient_id": patient_id, "now": now}
        row = _FROZEN_LOCK_AND_LOAD.execute(connection, params).one_or_none()
        if row is not None and row.booking_seq == row.seen_seq + 1:
            return row, row
        if row is not None:  # raced: read the slot again, under the lock, in a new snapshot
            return row, _load_slot_checked(connection, slot_id, patient_id, row.phone_hash, now)
        # No row: no such patient or no such slot; the two statements say which.
    patient = _lock_patient(connection, patient_id)
    return patient, _load_slot_checked(connection, slot_id, patient_id, patient.phone_hash, now)


def _load_slot_checked(
    connection: Connection, slot_id: str, patient_id: str, phone_hash: str | None, now: datetime
) -> Any:
    """`_load_slot` with the figures the booking's checks need (`_load_slot_statement`), in one read."""
    params = {"slot_id": slot_id, "patient_id": patient_id, "phone_hash": phone_hash, "now": now}
    row = _FROZEN_CHECKED[connection.dialect.name].execute(connection, params).one_or_none()
    if row is None:
        raise NotFound("没有找到这个号源，请重新选择时段")
    return row


def _take_place(ctx: ServiceContext, session: Session, slot_id: str, now: datetime) -> None:
    """Decrement `remaining` atomically; free expired holds on this slot once if full."""
    for attempt in range(2):
        taken = session.connection().execute(_TAKE_PLACE, {"slot_id": slot_id}).rowcount
        if taken == 1:
            return
        if attempt == 0 and not expire_holds_of_slot(ctx, session, slot_id, now):
            break
    raise SoldOut()


_LAPSED_HOLD = FrozenStatement(
    select(Appointment.id)
    .where(
        Appointment.slot_id == bindparam("slot_id"),
        Appointment.status == S.HELD.value,
        Appointment.hold_expires_at <= bindparam("now"),
    )
    .limit(1)
)


def _free_lapsed(ctx: ServiceContext, unit: ConnectionUnit, slot_id: str, now: datetime) -> int:
    """A full slot's lapsed holds expired, their places given back (`expire_holds_of_slot`).
    One frozen read first: a sold-out refusal with no lapsed hold on the slot, the usual
    case at the 08:00 release, then needs no ORM session (its creation, an ORM select,
    its flush and close cost about as much as the rest of the refusal)."""
    if _LAPSED_HOLD.execute(unit.connection, {"slot_id": slot_id, "now": now}).one_or_none() is None:
        return 0
    return expire_holds_of_slot(ctx, unit.session, slot_id, now)


def _check_slot(ctx: ServiceContext, slot: Row[Any], patient: Row[Any], now: datetime) -> None:
    check_fits(
        slot.department_code,
        slot.department_name,
        sex=patient.sex,
        birth_date=birth_date_of(ctx.cipher, patient.birth_date_enc),  # sealed at rest, opened for the age rule
        clinic_date=slot.clinic_date,
    )
    if slot.released_at > now:
        raise NotReleased(released_at=slot.released_at.astimezone(SHANGHAI).isoformat())
    if slot.start_at <= now or slot.session_status != "open":
        raise SlotUnavailable()


def _view(
    appointment_id: str, status: str, patient_id: str, slot: Row[Any], hold_expires_at: datetime | None
) -> dict[str, Any]:
    """The same view as `queries.appointment_view`, built from the rows in hand."""
    return {
        "id": appointment_id,
        "status": status,
        "patient_id": patient_id,
        "slot_id": slot.id,
        "department": slot.department_code,
        "department_name": slot.department_name,
        "doctor": {"id": slot.doctor_id, "name": slot.doctor_name, "title": slot.doctor_title},
        "start": slot.start_at.astimezone(SHANGHAI).isoformat(),
        "fee_fen": slot.fee_fen,
        "hold_expires_at": hold_expires_at.isoformat() if hold_expires_at else None,
    }


def _book_in(
    ctx: ServiceContext, unit: ConnectionUnit, patient_id: str, slot_id: str, channel: str
) -> tuple[BookingOutcome, _PendingOrder | None, date]:
    """The booking's transaction on `unit.connection`; the ORM session (`unit.session`) only on
    the rare branches that expire lapsed holds."""
    now = utcnow()
    connection = unit.connection
    patient, slot = _lock_and_load(connection, slot_id, patient_id, now)
    if patient.restricted_until is not None and patient.restricted_until > now:
        raise Restricted(until=patient.restricted_until.isoformat())
    _check_slot(ctx, slot, patient, now)
    if slot.week_lapsed:  # holds past their deadline: expired first, then the week read again
        check_patient_week(ctx, unit.session, patient_id, slot.department_id, slot.clinic_date, now)
    else:
        check_week_counts(ctx, slot.week_same_day, slot.week_active)
    if slot.fee_fen and patient.phone_hash is not None:  # a free place is confirmed at once: no hold to cap
        refuse_over_caps(ctx, slot.holds_on_phone, slot.holds_busiest)  # lapsed holds are not open: not counted

    free = slot.fee_fen == 0
    status = S.CONFIRMED if free else S.HELD
    hold_expires_at = None if free else now + timedelta(minutes=ctx.settings.hold_minutes)
    appointment_id = new_id("apt")
    body = _view(appointment_id, status.value, patient_id, slot, hold_expires_at)
    rows = place_writes.Rows(
        appointment={
            "id": appointment_id,
            "patient_id": patient_id,
            "slot_id": slot.id,
            "department_id": slot.department_id,
            "doctor_id": slot.doctor_id,
            "clinic_date": slot.clinic_date,
            "status": status.value,
            "fee_fen": slot.fee_fen,
            "channel": channel,
            "hold_expires_at": hold_expires_at,
            "created_at": now,
            "confirmed_at": now if free else None,
        },
        # The audit entry commits (or vanishes) with the booking, as `audit.record` writes it.
        audit={
            "at": now,
            "actor": ctx.actor,
            "action": "appointment.create",
            "patient_id": patient_id,
            "subject": appointment_id,
            "reason": None,
            "request_id": ctx.request_id,
            "detail": json.dumps({"slot_id": slot.id, "status": status.value}, ensure_ascii=False),
        },
    )
    out_trade_no = new_id("pay")
    if free:  # confirmed at once: its message goes in with it (the outbox)
        rows = replace(rows, message=_confirmation(ctx, connection, appointment_id, channel, patient_id, patient, slot))
    else:
        assert hold_expires_at is not None
        order_row = {
            "out_trade_no": out_trade_no,
            "kind": "registration",
            "appointment_id": appointment_id,
            "patient_id": patient_id,
            "amount_fen": slot.fee_fen,
            "provider": ctx.payments.name,
            "expires_at": hold_expires_at,
            "status": "pending",
            "created_at": now,
        }
        rows = replace(rows, order=order_row)
    order_id = place_writes.write(connection, slot_id, rows, free_expired=lambda: _free_lapsed(ctx, unit, slot_id, now))
    order: _PendingOrder | None = None
    if not free:
        assert hold_expires_at is not None and order_id is not None
        subject = f"挂号费-{slot.department_name}"
        order = _PendingOrder(out_trade_no, slot.fee_fen, subject, appointment_id, slot.id, order_id, hold_expires_at)
        body["payment"] = {"out_trade_no": out_trade_no, "amount_fen": slot.fee_fen}
    return BookingOutcome(body), order, slot.clinic_date


def _confirmation(
    ctx: ServiceContext,
    connection: Connection,
    appointment_id: str,
    channel: str,
    patient_id: str,
    patient: Row[Any],
    slot: Row[Any],
) -> dict[str, Any]:
    """A free place's confirmation message, sealed, from the rows in hand (no objects loaded)."""
    text = confirmation_text(
        ctx,
        patient_name=ctx.cipher.decrypt(patient.name_enc, NAME_CONTEXT),
        start_at=slot.start_at,
        department_name=slot.department_name,
        doctor_name=slot.doctor_name,
        location=slot.department_location,
    )
    to_channel, recipient = _recipient(ctx, connection, patient_id, patient.phone_enc, channel, slot)
    return outbox.message_row(
        ctx.cipher,
        dedupe_key=f"booking_confirmed:{appointment_id}",
        channel=to_channel,
        kind="booking_confirmed",
        recipient=recipient,
        text=text,
        patient_id=patient_id,
    )


def _recipient(
    ctx: ServiceContext, connection: Connection, patient_id: str, phone_enc: str, channel: str, slot: Row[Any]
) -> tuple[str, str]:
    """`messages.recipient_of`, with the app channel already read with the slot: the channel
    booked from when the patient is reachable there, else their app channel, else SMS."""
    if channel in (*messages.APP_CHANNELS, "web"):
        found = messages.identity_on(connection, ctx.cipher, patient_id, channel)
        if found:
            return channel, found
    if channel != "sms" and slot.app_channel is not None:
        return slot.app_channel, opened(ctx.cipher, slot.app_channel_enc)
    return "sms", ctx.cipher.decrypt(phone_enc, PHONE_CONTEXT)
