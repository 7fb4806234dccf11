"""Caps on unpaid holds open at once, per account and per phone (issue 11).

A scalper (黄牛) holds a popular place for a patient it controls, cancels or
lets it lapse when a buyer appears, and grabs it again; several 就诊人 on one
account or one phone multiply the loop. A paid place needs a hold first, so
capping the holds open at once, across every patient an account manages and
every patient registered with the same phone, caps the loop at the source.
The caps are settings (MAX_OPEN_HOLDS_PER_ACCOUNT, MAX_OPEN_HOLDS_PER_PHONE).

Checked inside the booking transaction after the patient's row lock, so one
patient cannot race past it; two different patients of one account booking in
the same instant can, at worst, end one hold over the cap.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, Select, bindparam, func, select
from sqlalchemy.orm import Session

from models import AccountPatient, Appointment, AppointmentStatus, Patient
from services.context import ServiceContext
from services.errors import DomainError


class HoldLimitReached(DomainError):
    code = "hold_limit"


def _open_holds() -> ColumnElement[bool]:
    """Holds open at `now`. The status is compared as `status || ''` so that no planner takes
    the (status, hold_expires_at) index for it: that walks every open hold in the hospital
    (hundreds at the 08:00 release, about 120 us on SQLite with 322 of them) to find the
    phone's or the account's few, where starting from the patients (by `phone_hash`, by
    account) and their appointments (by `patient_id`) reads a handful of rows (5 us)."""
    held = Appointment.status.concat("") == AppointmentStatus.HELD.value
    return held & (Appointment.hold_expires_at > bindparam("now"))


def on_phone_count(phone_hash: ColumnElement[str | None] | None = None) -> ScalarSelect[int]:
    """The holds open on the phone at `now`: a scalar subquery, for a caller's read. The phone's
    hash is the `phone_hash` parameter, or `phone_hash` when given (a column of the caller's
    statement: the booking's lock-and-read on PostgreSQL takes it from the patient's lock)."""
    return (
        select(func.count(Appointment.id))
        .join(Patient, Patient.id == Appointment.patient_id)
        .where(Patient.phone_hash == (bindparam("phone_hash") if phone_hash is None else phone_hash), _open_holds())
        .scalar_subquery()
    )


def busiest_account_count() -> ScalarSelect[int]:
    """The holds open at `now` on the busiest account managing `patient_id`: a scalar subquery."""
    accounts = select(AccountPatient.account_id).where(AccountPatient.patient_id == bindparam("patient_id"))
    return (
        select(func.count(Appointment.id))
        .join(AccountPatient, AccountPatient.patient_id == Appointment.patient_id)
        .where(AccountPatient.account_id.in_(accounts), _open_holds())
        .group_by(AccountPatient.account_id)
        .order_by(func.count(Appointment.id).desc())
        .limit(1)
        .scalar_subquery()
    )


def _counts() -> Select[int, int]:
    """Both counts in one statement, built once: the holds open on the phone, and on the
    busiest account managing the patient."""
    return select(on_phone_count().label("on_phone"), busiest_account_count().label("busiest"))


_COUNTS = _counts()
_PHONE_HASH = select(Patient.phone_hash).where(Patient.id == bindparam("patient_id"))


def check_open_holds(
    ctx: ServiceContext, session: Session, patient_id: str, now: datetime, phone_hash: str | None = None
) -> None:
    """Refuse a new hold when the patient's phone or any account managing them is at its cap.
    `phone_hash`: the patient's, when the caller read it already (the booking's row lock)."""
    connection = session.connection()
    if phone_hash is None:
        phone_hash = connection.execute(_PHONE_HASH, {"patient_id": patient_id}).scalar_one_or_none()
        if phone_hash is None:
            return  # the booking itself reports the unknown patient
    counts = connection.execute(_COUNTS, {"phone_hash": phone_hash, "patient_id": patient_id, "now": now}).one()
    refuse_over_caps(ctx, counts.on_phone, counts.busiest)


def refuse_over_caps(ctx: ServiceContext, on_phone: int | None, busiest: int | None) -> None:
    """HoldLimitReached when the holds open on the phone or the busiest account are at a cap."""
    settings = ctx.settings
    if (on_phone or 0) >= settings.max_open_holds_per_phone:
        raise HoldLimitReached(
            f"这个手机号下已有{settings.max_open_holds_per_phone}个待支付的预约，请先支付或取消后再预约"
        )
    if (busiest or 0) >= settings.max_open_holds_per_account:
        raise HoldLimitReached(
            f"您的账号下已有{settings.max_open_holds_per_account}个待支付的预约，请先支付或取消后再预约"
        )
