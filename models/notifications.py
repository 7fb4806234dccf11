"""What notifications leave behind: waitlist places, follow-up answers, and the
tasks a nurse picks up when an answer is worrying."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, new_id, utcnow


class WaitlistEntry(Base):
    """A patient waiting for places in a department (on a day, or any day)."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        # One open wish per patient, department and day; "any day" is stored as NULL and
        # kept unique by the partial index on the open ones.
        Index(
            "uq_waitlist_open",
            "patient_id",
            "department_id",
            "clinic_date",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
        Index("ix_waitlist_department_status", "department_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("wl"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    clinic_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # waiting | notified | cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]


class QuestionnaireResponse(Base):
    """The follow-up questionnaire after a visit: one answer set per appointment."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (UniqueConstraint("appointment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id"))
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    answers_enc: Mapped[str] = mapped_column(Text)  # encrypted JSON {question: answer}
    worrying: Mapped[int] = mapped_column(Integer, default=0)  # how many answers a nurse should see
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NurseTask(Base):
    """Work for a nurse: call a patient back. One task per cause (unique `source`)."""

    __tablename__ = "nurse_tasks"
    __table_args__ = (UniqueConstraint("source"), Index("ix_nurse_tasks_status", "status", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(80))  # e.g. "followup:apt_…"
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))  # no personal data: which answers worried us
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
