"""Reading appointments: the view the API and the bot show, a patient's list, one appointment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Appointment, Patient, PaymentOrder
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.errors import NotFound


def appointment_view(appointment: Appointment, order: PaymentOrder | None) -> dict[str, Any]:
    slot = appointment.slot
    view: dict[str, Any] = {
        "id": appointment.id,
        "status": appointment.status,
        "patient_id": appointment.patient_id,
        "slot_id": appointment.slot_id,
        "department": slot.department.code,
        "department_name": slot.department.name,
        "doctor": {"id": slot.doctor.id, "name": slot.doctor.name, "title": slot.doctor.title},
        "start": slot.start_at.astimezone(SHANGHAI).isoformat(),
        "fee_fen": appointment.fee_fen,
        "hold_expires_at": appointment.hold_expires_at.isoformat() if appointment.hold_expires_at else None,
    }
    if appointment.status == "expired":
        # The hold lapsed and its place went back: the list says so, and offers to book
        # the same doctor again while a place is left (issue 12).
        view["place_left"] = slot.remaining > 0
    if order is not None:
        view["payment"] = {
            "out_trade_no": order.out_trade_no,
            "amount_fen": order.amount_fen,
            "status": order.status,
        }
    return view


def order_for(session: Session, appointment_id: str) -> PaymentOrder | None:
    """The latest payment order of an appointment (a retried payment makes a new one)."""
    return session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.appointment_id == appointment_id)
        .order_by(PaymentOrder.id.desc())
        .limit(1)
    )


def list_appointments(ctx: ServiceContext, patient_id: str) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        if session.get(Patient, patient_id) is None:
            raise NotFound("没有找到这位就诊人")
        appointments = session.scalars(
            select(Appointment).where(Appointment.patient_id == patient_id).order_by(Appointment.created_at.desc())
        ).all()
        return [appointment_view(a, order_for(session, a.id)) for a in appointments]


def get_appointment(ctx: ServiceContext, appointment_id: str) -> dict[str, Any]:
    with ctx.db.reading() as session:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise NotFound("没有找到这个预约")
        return appointment_view(appointment, order_for(session, appointment.id))
