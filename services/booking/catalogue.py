"""Reading the hospital's catalogue: departments and open slots."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Department, Schedule, Slot, utcnow
from services.booking import slot_cache
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.errors import NotFound


def list_departments(ctx: ServiceContext) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        departments = session.scalars(select(Department).order_by(Department.id)).all()
        return [
            {"code": d.code, "name": d.name, "location": d.location, "description": d.description} for d in departments
        ]


def department_by_code(session: Any, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound("没有这个科室，请从科室列表中选择", field="department")
    return department


def open_slots(ctx: ServiceContext, department_code: str, day: date) -> list[dict[str, Any]]:
    """Released, future slots of a department on a day, including the sold-out ones
    (so the bot can say "已约满" and offer another doctor rather than stay silent)."""
    now = utcnow()
    with ctx.db.reading() as session:
        department = department_by_code(session, department_code)
        slots = session.scalars(
            select(Slot)
            .join(Schedule, Schedule.id == Slot.schedule_id)
            .options(joinedload(Slot.doctor))
            .where(
                Slot.department_id == department.id,
                Slot.clinic_date == day,
                Slot.released_at <= now,
                Slot.start_at > now,
                Schedule.status == "open",
            )
            .order_by(Slot.start_at, Slot.doctor_id)
        ).all()
        return [slot_view(slot, department.code) for slot in slots]


def cached_open_slots(ctx: ServiceContext, department_code: str, day: date) -> slot_cache.Listing:
    """`open_slots` through the short-lived cache, with an ETag (services/booking/slot_cache.py)."""
    return slot_cache.listings.get(
        cache_scope(ctx), department_code, day, lambda: open_slots(ctx, department_code, day)
    )


def cache_scope(ctx: ServiceContext) -> str:
    return slot_cache.url_scope(ctx.db.engine.url)  # the same string as slot_cache.scope_of for its sessions


def slot_view(slot: Slot, department_code: str) -> dict[str, Any]:
    return {
        "id": slot.id,
        "department": department_code,
        "doctor": {"id": slot.doctor.id, "name": slot.doctor.name, "title": slot.doctor.title},
        "date": slot.clinic_date.isoformat(),
        "start": slot.start_at.astimezone(SHANGHAI).isoformat(),
        "end": slot.end_at.astimezone(SHANGHAI).isoformat(),
        "fee_fen": slot.fee_fen,
        "capacity": slot.capacity,
        "remaining": slot.remaining,
    }
