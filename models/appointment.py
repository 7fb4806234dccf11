"""Appointments and their state machine; idempotency records for retried requests."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, new_id, utcnow
from models.hospital import Slot


class AppointmentStatus(enum.StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = AppointmentStatus
TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.HELD: frozenset({S.CONFIRMED, S.CANCELLED, S.EXPIRED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.NO_SHOW, S.CANCELLED}),
    S.CHECKED_IN: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}
# States that count as "the patient's appointment that day" (one per department).
OCCUPYING = frozenset({S.HELD, S.CONFIRMED, S.CHECKED_IN, S.COMPLETED})
# States that used up a place in the slot: a missed visit does not give it back.
PLACE_TAKING = OCCUPYING | {S.NO_SHOW}
# States that count against the weekly quota (not yet happened).
ACTIVE = frozenset({S.HELD, S.CONFIRMED})
_OCCUPYING_SQL = "status IN ('held', 'confirmed', 'checked_in', 'completed')"


class IllegalTransition(Exception):
    def __init__(self, current: AppointmentStatus, wanted: AppointmentStatus) -> None:
        super().__init__(f"appointment cannot go from {current} to {wanted}")
        self.current, self.wanted = current, wanted


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        # One appointment per patient, department and day: the database enforces it.
        Index(
            "uq_appointments_patient_department_day",
            "patient_id",
            "department_id",
            "clinic_date",
            unique=True,
            sqlite_where=text(_OCCUPYING_SQL),
            postgresql_where=text(_OCCUPYING_SQL),
        ),
        Index("ix_appointments_patient_week", "patient_id", "clinic_date"),
        Index("ix_appointments_status_hold", "status", "hold_expires_at"),
        Index("ix_appointments_place_release", "place_release_at"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("apt"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    clinic_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.HELD.value)
    fee_fen: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12), default="api")
    hold_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # A cancelled place goes back to the pool at this (randomised) time, not at once: the
    # scalper who cancels cannot re-grab it on cue. None once returned (or never delayed).
    place_release_at: Mapped[datetime | None]

    slot: Mapped[Slot] = relationship()

    @property
    def state(self) -> AppointmentStatus:
        return AppointmentStatus(self.status)

    def move_to(self, wanted: AppointmentStatus, at: datetime) -> None:
        """Apply one transition of the state machine, or raise IllegalTransition."""
        if wanted not in TRANSITIONS[self.state]:
            raise IllegalTransition(self.state, wanted)
        self.status = wanted.value
        if wanted is S.CONFIRMED:
            self.confirmed_at = at
            self.hold_expires_at = None
        elif wanted in (S.CANCELLED, S.EXPIRED):
            self.cancelled_at = at
        elif wanted in (S.COMPLETED, S.NO_SHOW):
            self.finished_at = at


class IdempotencyRecord(Base):
    """The answer given to a request with an Idempotency-Key, to give it again."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
