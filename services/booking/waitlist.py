"""The waitlist: a patient who found a department full asks to be told when
places appear (cancellations, returned holds, a newly released day).

A sweep looks for waiting entries whose department (and day, if they named
one) has a bookable place now, queues one message per entry and marks it
notified with a conditional UPDATE, so each entry is announced once. The
message invites booking; it does not hold a place (first come, first served).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from db import rows_changed
from models import Department, Patient, Schedule, Slot, WaitlistEntry, utcnow
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.errors import Conflict, NotFound
from services.notifications import messages


def join(ctx: ServiceContext, patient_id: str, department_code: str, clinic_date: date | None = None) -> str:
    try:
        with ctx.db.transaction() as session:
            if session.get(Patient, patient_id) is None:
                raise NotFound("没有找到这位就诊人")
            department = session.scalar(select(Department).where(Department.code == department_code))
            if department is None:
                raise NotFound("没有找到这个科室")
            entry = WaitlistEntry(patient_id=patient_id, department_id=department.id, clinic_date=clinic_date)
            session.add(entry)
            session.flush()
            return entry.id
    except IntegrityError:
        raise Conflict("您已经在这个科室的候补名单里了，有号时我们会通知您") from None


def leave(ctx: ServiceContext, entry_id: str) -> bool:
    with ctx.db.transaction() as session:
        return (
            rows_changed(
                session,
                update(WaitlistEntry)
                .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "waiting")
                .values(status="cancelled"),
            )
            == 1
        )


def _open_slot(session, entry: WaitlistEntry, now: datetime) -> Slot | None:  # type: ignore[no-untyped-def]
    query = (
        select(Slot)
        .join(Schedule, Schedule.id == Slot.schedule_id)
        .where(
            Slot.department_id == entry.department_id,
            Slot.remaining > 0,
            Slot.released_at <= now,
            Slot.start_at > now,
            Schedule.status == "open",
        )
        .order_by(Slot.start_at)
        .limit(1)
    )
    if entry.clinic_date is not None:
        query = query.where(Slot.clinic_date == entry.clinic_date)
    return session.scalar(query)


def notify_released(ctx: ServiceContext, now: datetime | None = None, batch: int = 200) -> int:
    now = now or utcnow()
    with ctx.db.reading() as session:
        ids = session.scalars(
            select(WaitlistEntry.id)
            .where(WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.created_at)
            .limit(batch)
        ).all()
    told = 0
    for entry_id in ids:
        with ctx.db.transaction() as session:
            entry = session.get(WaitlistEntry, entry_id)
            if entry is None or entry.status != "waiting":
                continue
            if entry.clinic_date is not None and entry.clinic_date < now.astimezone(SHANGHAI).date():
                entry.status = "cancelled"  # the day passed without a place
                continue
            slot = _open_slot(session, entry, now)
            if slot is None:
                continue
            if (
                rows_changed(
                    session,
                    update(WaitlistEntry)
                    .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "waiting")
                    .values(status="notified", notified_at=now),
                )
                != 1
            ):
                continue
            patient = session.get(Patient, entry.patient_id)
            assert patient is not None
            start = slot.start_at.astimezone(SHANGHAI)
            text = (
                f"{messages.signature(ctx)}好消息：您候补的{slot.department.name}有号了"
                f"（最早{start:%m月%d日 %H:%M}，{slot.doctor.name}医生）。号源有限，先到先得，"
                "请尽快在对话中发送“预约挂号”完成预约。"
            )
            told += messages.to_patient(
                ctx, session, patient, kind="waitlist_open", dedupe_key=f"waitlist_open:{entry.id}", text=text
            )
    return told
