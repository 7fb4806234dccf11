"""Small builders for hospital data, straight into the database."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from models import Department, Doctor, Schedule, Slot, utcnow
from services.booking.calendar import local_datetime
from services.context import ServiceContext
from services.patients.identity import id_check_char
from services.patients.registry import register_patient

_serial = itertools.count(1)


def valid_id_number(birth: str = "19800101", region: str = "110105", sequence: int | None = None) -> str:
    seq = sequence if sequence is not None else next(_serial) % 1000
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def make_patient(ctx: ServiceContext, name: str = "测试", phone: str = "13800000000", **kwargs: object) -> str:
    view, _ = register_patient(ctx, name=name, id_number=valid_id_number(), phone=phone, **kwargs)  # type: ignore[arg-type]
    return view.id


def make_department(ctx: ServiceContext, code: str = "cardiology", name: str = "心血管内科") -> int:
    with ctx.db.transaction() as session:
        department = Department(code=code, name=name, location="门诊楼3层")
        session.add(department)
        session.flush()
        return department.id


def make_doctor(ctx: ServiceContext, department_id: int, fee_fen: int = 3000, name: str = "王医生") -> str:
    with ctx.db.transaction() as session:
        doctor = Doctor(department_id=department_id, name=name, title="副主任医师", fee_fen=fee_fen)
        session.add(doctor)
        session.flush()
        return doctor.id


def make_slot(
    ctx: ServiceContext,
    doctor_id: str,
    day: date,
    capacity: int = 3,
    at: time = time(9, 0),
    released_at: datetime | None = None,
    fee_fen: int | None = None,
) -> str:
    with ctx.db.transaction() as session:
        doctor = session.get(Doctor, doctor_id)
        assert doctor is not None
        schedule = session.query(Schedule).filter_by(doctor_id=doctor_id, clinic_date=day, period="am").one_or_none()
        if schedule is None:
            schedule = Schedule(doctor_id=doctor_id, clinic_date=day, period="am")
            session.add(schedule)
            session.flush()
        start = local_datetime(day, at)
        slot = Slot(
            schedule_id=schedule.id,
            doctor_id=doctor_id,
            department_id=doctor.department_id,
            clinic_date=day,
            start_at=start,
            end_at=start + timedelta(minutes=30),
            capacity=capacity,
            remaining=capacity,
            fee_fen=doctor.fee_fen if fee_fen is None else fee_fen,
            released_at=released_at or utcnow() - timedelta(days=1),
        )
        session.add(slot)
        session.flush()
        return slot.id
