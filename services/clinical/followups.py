"""Messages after the fact: results ready, the refill decision and its pickup or
delivery, and the follow-up questionnaire 3 days after a visit (a worrying
answer opens a task for a nurse).

Each is found by a sweep over the state that causes it and queued under a
dedupe key naming that cause, so the sweep can run any number of times. The
messages never carry results or diagnoses: they say where to look, after
verification.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Appointment,
    AppointmentStatus,
    LabReport,
    NurseTask,
    Patient,
    QuestionnaireResponse,
    RefillRequest,
    utcnow,
)
from services import audit
from services.clinical.refills import red_flags_in
from services.clinical.sealed import title_of
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.notifications import messages

ANSWERS_CONTEXT = "questionnaire_responses.answers"
SWEEP_WINDOW = timedelta(days=7)  # older causes are not announced any more
WORSE = re.compile(r"^(c|C|3)$|更不舒服|加重|更严重|更差|没有好转|越来越")
QUESTION = "您现在感觉怎么样？请回复：A 好多了 B 差不多 C 更不舒服了；如有新的不适也请直接告诉我们。"


def patient_of(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    assert patient is not None
    return patient


# --- results ----------------------------------------------------------------------


def announce_results(ctx: ServiceContext, now: datetime | None = None) -> int:
    now = now or utcnow()
    with ctx.db.reading() as session:
        ids = session.scalars(
            select(LabReport.id).where(LabReport.status == "final", LabReport.reported_at >= now - SWEEP_WINDOW)
        ).all()
    added = 0
    for report_id in ids:
        with ctx.db.transaction() as session:
            report = session.get(LabReport, report_id)
            assert report is not None
            text = (
                f"{messages.signature(ctx)}您的{title_of(ctx.cipher, report)}报告已出。为保护隐私，"
                "请在对话中发送“查报告”，通过短信验证码后查看。如有疑问请咨询医生。"
            )
            added += messages.to_patient(
                ctx,
                session,
                patient_of(session, report.patient_id),
                kind="results_ready",
                dedupe_key=f"results_ready:{report.id}",
                text=text,
            )
    return added


# --- refills ----------------------------------------------------------------------


def queue_refill_paid(ctx: ServiceContext, session: Session, refill: RefillRequest, patient: Patient) -> None:
    """Pickup or delivery, told in the transaction that records the payment."""
    if refill.fulfilment == "delivery":
        how = "药品将在1-2个工作日内配送到您登记的地址，发货后会再通知您。"
    else:
        how = "请于工作日8:00-17:00凭就诊人身份证到门诊药房取药。"
    messages.to_patient(
        ctx,
        session,
        patient,
        kind="refill_paid",
        dedupe_key=f"refill_paid:{refill.id}",
        text=f"{messages.signature(ctx)}续方药费已支付成功。{how}用药期间如有不适请及时就诊。",
    )


# --- the follow-up questionnaire ---------------------------------------------------


def send_questionnaires(ctx: ServiceContext, now: datetime | None = None) -> int:
    """Ask how they are, `followup_after_days` after a completed visit."""
    now = now or utcnow()
    due = now - timedelta(days=ctx.settings.followup_after_days)
    with ctx.db.reading() as session:
        ids = session.scalars(
            select(Appointment.id).where(
                Appointment.status == AppointmentStatus.COMPLETED.value,
                Appointment.finished_at <= due,
                Appointment.finished_at >= due - SWEEP_WINDOW,
            )
        ).all()
    added = 0
    for appointment_id in ids:
        with ctx.db.transaction() as session:
            appointment = session.get(Appointment, appointment_id)
            assert appointment is not None
            days, department = ctx.settings.followup_after_days, appointment.slot.department.name
            text = f"{messages.signature(ctx)}您好，您{days}天前在{department}就诊，{QUESTION}"
            added += messages.to_patient(
                ctx,
                session,
                patient_of(session, appointment.patient_id),
                kind="followup",
                dedupe_key=f"followup:{appointment.id}",
                text=text,
            )
    return added


def worrying_answers(answers: dict[str, str]) -> list[str]:
    """Which answers a nurse should see: feeling worse, or any red-flag symptom."""
    worried = [question for question, answer in answers.items() if WORSE.search(answer.strip())]
    flags = red_flags_in(answers)
    return worried + [f"red_flag:{label}" for label in flags]


def record_answers(ctx: ServiceContext, appointment_id: str, answers: dict[str, str]) -> dict[str, object]:
    """Keep the answers (encrypted); open one nurse task if any is worrying. Once per visit."""
    answers = {str(k): str(v)[:500] for k, v in answers.items() if str(v).strip()}
    if not answers:
        raise InvalidInput("请填写问卷后再提交")
    worried = worrying_answers(answers)
    try:
        with ctx.db.transaction() as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is None:
                raise NotFound("没有找到这次就诊")
            session.add(
                QuestionnaireResponse(
                    appointment_id=appointment.id,
                    patient_id=appointment.patient_id,
                    answers_enc=ctx.cipher.encrypt(json.dumps(answers, ensure_ascii=False), ANSWERS_CONTEXT),
                    worrying=len(worried),
                )
            )
            if worried:
                session.add(
                    NurseTask(
                        source=f"followup:{appointment.id}",
                        patient_id=appointment.patient_id,
                        reason=("随访问卷提示需要关注：" + "、".join(worried))[:200],
                    )
                )
            session.flush()
            audit.record(
                ctx,
                session,
                action="followup.answered",
                patient_id=appointment.patient_id,
                subject=appointment.id,
                detail={"worrying": len(worried)},
            )
    except IntegrityError:
        raise Conflict("这次就诊的随访问卷已经提交过了") from None
    return {"recorded": True, "nurse_task": bool(worried)}
