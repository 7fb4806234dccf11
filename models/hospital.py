"""The hospital's catalogue: departments, doctors, their sessions and bookable slots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, new_id


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    location: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    doctors: Mapped[list[Doctor]] = relationship(back_populates="department")


class Doctor(Base):
    __tablename__ = "doctors"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("doc"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(20))  # 主任医师, 副主任医师, 主治医师
    specialty: Mapped[str] = mapped_column(String(200), default="")
    fee_fen: Mapped[int] = mapped_column(Integer)

    department: Mapped[Department] = relationship(back_populates="doctors")


class Schedule(Base):
    """A doctor's half-day clinic session (出诊), split into bookable slots."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("doctor_id", "clinic_date", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    clinic_date: Mapped[date] = mapped_column(Date)
    period: Mapped[str] = mapped_column(String(2))  # "am" | "pm"
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | stopped (停诊)


class Slot(Base):
    """A time segment (分时段) of a session with a fixed number of places.

    `remaining` is decremented only by a conditional UPDATE that changes exactly
    one row, and the CHECK constraints make the database refuse an oversell even
    if the application code were wrong.
    """

    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        CheckConstraint("remaining <= capacity", name="remaining_within_capacity"),
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
        Index("ix_slots_department_date", "department_id", "clinic_date"),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=lambda: new_id("slt"))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"), index=True)
    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    clinic_date: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    fee_fen: Mapped[int] = mapped_column(Integer)
    released_at: Mapped[datetime]  # 放号时间: bookable from this moment on

    doctor: Mapped[Doctor] = relationship()
    department: Mapped[Department] = relationship()
