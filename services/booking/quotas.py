"""Who may book: a restriction after repeated no-shows, one appointment per
department and day, and the weekly quota.

A patient's own bookings are serialised by updating their row first
(`lock_patient`: a row lock on PostgreSQL, the write lock on SQLite), because the
weekly quota is a "count, then insert" across rows that would race under READ
COMMITTED. One appointment per patient, department and day is also a partial
unique index, which catches what slips past the check.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Label, ScalarSelect, bindparam, cast, func, literal_column, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import ACTIVE, OCCUPYING, Appointment, AppointmentStatus, Patient, Slot, utcnow
from services import audit
from services.booking.calendar import iso_week_bounds
from services.booking.transitions import expire_one, transition
from services.context import ServiceContext
from services.errors import Conflict, DuplicateAppointment, NotFound, QuotaExceeded

S = AppointmentStatus
_OCCUPYING_VALUES = [s.value for s in OCCUPYING]
_ACTIVE_VALUES = frozenset(s.value for s in ACTIVE)


def one_of(column: ColumnElement[str] | InstrumentedAttribute[str], values: Iterable[str]) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` written into the statement: a list of bound values is an
    "expanding" parameter, which makes SQLAlchemy render the SQL afresh on every execution."""
    return column.in_([literal_column(f"'{value}'") for value in sorted(values)])


# The patient's week, built once (it runs in every booking's transaction).
_WEEK = select(
    Appointment.id,
    Appointment.slot_id,
    Appointment.department_id,
    Appointment.clinic_date,
    Appointment.status,
    Appointment.hold_expires_at,
).where(
    Appointment.patient_id == bindparam("patient_id"),
    Appointment.clinic_date.between(bindparam("monday"), bindparam("sunday")),
    one_of(Appointment.status, _OCCUPYING_VALUES),
)


def _lapsed() -> ColumnElement[bool]:
    """A hold past its deadline at `now`: it no longer counts (`check_patient_week` expires it)."""
    return (
        (Appointment.status == S.HELD.value)
        & Appointment.hold_expires_at.is_not(None)
        & (Appointment.hold_expires_at <= bindparam("now"))
    )


def week_columns(dialect: str) -> list[Label[int]]:
    """The patient's week as counts, scalar subqueries correlated to `Slot` for the booking's one
    read (services/booking/holds.py): `week_lapsed` (holds past their deadline: when not 0 the
    caller takes `check_patient_week`, which expires them first), `week_same_day` (live bookings
    in the slot's department that day) and `week_active` (live ones against the weekly quota).
    The slot's ISO week is computed by the database (`dialect`: sqlite or postgresql)."""
    if dialect == "sqlite":  # dates are ISO text: Monday on or before, Sunday on or after
        monday: ColumnElement[Any] = func.date(Slot.clinic_date, "-6 days", "weekday 1")
        sunday: ColumnElement[Any] = func.date(Slot.clinic_date, "weekday 0")
    else:
        monday = cast(func.date_trunc("week", Slot.clinic_date), Date)
        sunday = monday + literal_column("6")
    patient = Appointment.patient_id == bindparam("patient_id")
    in_week = Appointment.clinic_date.between(monday, sunday)

    def count(*where: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count(Appointment.id)).where(patient, *where).scalar_subquery()

    return [
        count(in_week, _lapsed()).label("week_lapsed"),
        count(
            Appointment.department_id == Slot.department_id,
            Appointment.clinic_date == Slot.clinic_date,
            one_of(Appointment.status, _OCCUPYING_VALUES),
            ~_lapsed(),
        ).label("week_same_day"),
        count(in_week, one_of(Appointment.status, _ACTIVE_VALUES), ~_lapsed()).label("week_active"),
    ]


def check_week_counts(ctx: ServiceContext, same_day: int, active: int) -> None:
    """`check_patient_week`'s two rules from `week_columns`' counts (no lapsed hold in the week)."""
    if same_day:
        raise DuplicateAppointment()
    if active >= ctx.settings.weekly_appointment_quota:
        raise QuotaExceeded(limit=ctx.settings.weekly_appointment_quota)


def lock_patient(session: Session, patient_id: str) -> datetime | None:
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


def check_patient_week(
    ctx: ServiceContext, session: Session, patient_id: str, department_id: int, clinic_date: date, now: datetime
) -> None:
    """One read of the patient's week decides both the one-per-day and the weekly rules.

    Holds past their deadline are expired here first: they no longer count,
    even before the expiry task has run.
    """
    monday, sunday = iso_week_bounds(clinic_date)
    week = session.connection().execute(_WEEK, {"patient_id": patient_id, "monday": monday, "sunday": sunday}).all()
    live = []
    for row in week:
        if row.status == S.HELD.value and row.hold_expires_at is not None and row.hold_expires_at <= now:
            expire_one(ctx, session, row.id, row.slot_id, now)
        else:
            live.append(row)
    if any(r.department_id == department_id and r.clinic_date == clinic_date for r in live):
        raise DuplicateAppointment()
    if sum(1 for r in live if r.status in _ACTIVE_VALUES) >= ctx.settings.weekly_appointment_quota:
        raise QuotaExceeded(limit=ctx.settings.weekly_appointment_quota)


def mark_no_show(ctx: ServiceContext, appointment_id: str) -> bool:
    """Record a missed visit; the `no_show_limit`-th within the window restricts booking.

    Returns whether the patient is now restricted.
    """
    settings = ctx.settings
    now = utcnow()
    with ctx.db.transaction() as session:
        if not transition(session, appointment_id, (S.CONFIRMED,), S.NO_SHOW, finished_at=now):
            raise Conflict("只有已确认且未签到的预约可以记为爽约")
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        patient_id = appointment.patient_id
        lock_patient(session, patient_id)
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
            ctx,
            session,
            action="appointment.no_show",
            patient_id=patient_id,
            subject=appointment_id,
            detail={"restricted": restricted},
        )
        return restricted
