"""Visit reminders and what a patient's SMS reply to one does.

Reminders are outbox rows with `not_before` (the evening before at 18:00 and
2 hours before, Shanghai time), queued when the appointment is confirmed and
by a sweep that catches every confirmed appointment (free bookings confirm
without a payment). Their dedupe keys name the appointment, so queueing twice
is harmless; the delivery step asks `still_wanted` first, so a cancelled
appointment gets no reminder however early it was queued.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Appointment, AppointmentStatus, OutboxMessage, Patient, utcnow
from services import audit
from services.booking import transitions
from services.booking.calendar import SHANGHAI, local_datetime
from services.context import ServiceContext
from services.errors import DomainError
from services.hospital_facts import hospital_phone
from services.notifications import messages
from services.notifications.outbox import RECIPIENT_CONTEXT
from services.patients.identity import InvalidIdentity, normalize_phone

KINDS = ("reminder_eve", "reminder_soon")
S = AppointmentStatus
CONFIRM_WORDS = ("1", "确认", "确定", "是", "好")
CANCEL_WORDS = ("2", "取消", "退号")


def reminder_times(ctx: ServiceContext, start: datetime) -> dict[str, datetime]:
    eve = local_datetime(
        (start.astimezone(SHANGHAI) - timedelta(days=1)).date(), time(ctx.settings.reminder_evening_hour)
    )
    soon = start - timedelta(hours=ctx.settings.reminder_hours_before)
    return {"reminder_eve": eve, "reminder_soon": soon}


def _text(ctx: ServiceContext, kind: str, appointment: Appointment, sms: bool) -> str:
    slot = appointment.slot
    start = slot.start_at.astimezone(SHANGHAI)
    when = f"明天{start:%H:%M}" if kind == "reminder_eve" else f"今天{start:%H:%M}"
    reply = "回复1确认就诊，回复2取消预约。" if sms else ""
    return (
        f"{messages.signature(ctx)}温馨提醒：您{when}在{slot.department.name}（{slot.doctor.name}医生）有预约，"
        f"请带好身份证，提前15分钟到{slot.department.location or '门诊'}签到。{reply}祝您早日康复！"
    )


def queue_for_appointment(
    ctx: ServiceContext, session: Session, appointment_id: str, now: datetime | None = None
) -> int:
    """Queue the reminders still ahead of a confirmed appointment; returns how many were new."""
    now = now or utcnow()
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.state is not S.CONFIRMED:
        return 0
    patient = session.get(Patient, appointment.patient_id)
    assert patient is not None
    added = 0
    channel = messages.app_channel(session, ctx.cipher, patient.id)
    for kind, at in reminder_times(ctx, appointment.slot.start_at).items():
        if at <= now:
            continue  # booked after that moment: the confirmation told them already
        added += messages.to_patient(
            ctx,
            session,
            patient,
            kind=kind,
            dedupe_key=f"{kind}:{appointment.id}",
            text=_text(ctx, kind, appointment, sms=channel is None),
            not_before=at,
        )
    return added


def schedule_upcoming(ctx: ServiceContext, now: datetime | None = None, days: int = 3) -> int:
    """The sweep: every confirmed appointment in the next days has its reminders queued."""
    now = now or utcnow()
    with ctx.db.reading() as session:
        ids = session.scalars(
            select(Appointment.id).where(
                Appointment.status == S.CONFIRMED.value,
                Appointment.clinic_date >= now.astimezone(SHANGHAI).date(),
                Appointment.clinic_date <= (now + timedelta(days=days)).astimezone(SHANGHAI).date(),
            )
        ).all()
    added = 0
    for appointment_id in ids:
        with ctx.db.transaction() as session:
            added += queue_for_appointment(ctx, session, appointment_id, now)
    return added


def still_wanted(session: Session, subject: str) -> bool:
    """Send a reminder only for an appointment that is still going to happen."""
    appointment = session.get(Appointment, subject)
    return appointment is not None and appointment.state is S.CONFIRMED


# --- replies ---------------------------------------------------------------------


def _last_reminder(ctx: ServiceContext, session: Session, phone: str) -> OutboxMessage | None:
    return session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient_hash == ctx.cipher.blind_index(phone, RECIPIENT_CONTEXT),
            OutboxMessage.kind.in_(KINDS),
            OutboxMessage.status == "sent",
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


REPLY_WINDOW = timedelta(hours=48)


def expects_reply(ctx: ServiceContext, phone: str, text: str) -> bool:
    """Is this SMS an answer to a reminder ("1 确认 / 2 取消") rather than a chat with the bot?

    Only a bare choice counts, and only within two days of a reminder to that number.
    """
    answer = re.sub(r"\s+", "", text or "")
    if answer not in CONFIRM_WORDS + CANCEL_WORDS:
        return False
    try:
        digits = normalize_phone(phone)
    except InvalidIdentity:
        return False
    with ctx.db.reading() as session:
        reminder = _last_reminder(ctx, session, digits)
    return bool(reminder and reminder.sent_at and reminder.sent_at >= utcnow() - REPLY_WINDOW)


def handle_sms_reply(ctx: ServiceContext, phone: str, text: str) -> str:
    """Act on "1" (confirm) or "2" (cancel) sent back to a reminder; return the reply to send."""
    name, hospital = ctx.settings.hospital_name, hospital_phone(ctx.settings.hospital_facts_file)
    try:
        digits = normalize_phone(phone)
    except InvalidIdentity:
        return f"【{name}】无法识别您的号码，如需帮助请致电{hospital}。"
    answer = re.sub(r"\s+", "", text or "")
    with ctx.db.reading() as session:
        reminder = _last_reminder(ctx, session, digits)
        appointment_id = reminder.dedupe_key.split(":")[1] if reminder else None
        appointment = session.get(Appointment, appointment_id) if appointment_id else None
        status = appointment.state if appointment else None
    if appointment is None or appointment_id is None:
        return f"【{name}】没有找到需要确认的预约。如需帮助请致电{hospital}。"
    if answer in CONFIRM_WORDS:
        if status is not S.CONFIRMED:
            return f"【{name}】这个预约已经取消或已就诊，无需确认。"
        with ctx.db.transaction() as session:
            audit.record(
                ctx, session, actor="patient:sms", action="appointment.attendance_confirmed", subject=appointment_id
            )
        return f"【{name}】已确认，我们会按时等您就诊。请带好身份证，提前15分钟签到。"
    if answer in CANCEL_WORDS:
        if status is S.CANCELLED:
            return f"【{name}】这个预约已经取消了。"
        try:
            view = transitions.cancel(ctx.acting_as("patient:sms"), appointment_id, reason="sms_reply")
        except DomainError as exc:
            return f"【{name}】{exc.message}，如需帮助请致电{hospital}。"
        refund = "挂号费将原路退回，请留意到账。" if view.get("refund") else ""
        return f"【{name}】您的预约已取消。{refund}如需重新预约，可随时联系我们。"
    return f"【{name}】请回复1确认就诊，或回复2取消预约。"
