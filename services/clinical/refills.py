"""Refill requests (慢病复诊续方): an online follow-up on a prescription the
hospital issued at an offline visit, never a first visit.

A request is accepted only for the patient's own chronic, offline-issued
prescription from within `refill_window_days`, with no other request for it
still open, and when the patient's answers carry no red-flag symptom (those
need a doctor in person, or 120, not a refill). A refusal writes nothing.
Payment for the drugs comes after a doctor signs the refill, elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Department, Patient, Prescription, RefillRequest, utcnow
from services import audit
from services.booking.calendar import SHANGHAI, local_today
from services.clinical.sealed import diagnosis_of
from services.clinical.triage import default_engine
from services.context import ServiceContext
from services.errors import Conflict, DomainError, NotFound

ITEMS_CONTEXT = "prescriptions.items"
ANSWERS_CONTEXT = "refill_requests.answers"
# A request is open until a doctor declines it or the drugs are handed over.
CLOSED_STATUSES = ("declined", "dispensed", "cancelled")
REVIEW_WITHIN = timedelta(hours=24)

FIRST_VISIT = "首次就诊需要到医院线下面诊"
NOT_CHRONIC = f"只有慢病复诊可以在线续方，{FIRST_VISIT}"
NOT_OFFLINE = f"续方需要依据您在医院线下就诊时开具的处方，{FIRST_VISIT}"
NOT_FOUND = f"没有找到这位就诊人在本院线下就诊开具的这张处方，{FIRST_VISIT}"


class NotEligible(DomainError):
    code, message = "not_eligible", "这张处方暂时不能在线续方"


class DuplicateRefill(Conflict):
    code, message = "duplicate", "这张处方已经有一个续方申请在处理中，请等待医生审核结果"


class NeedsOfflineVisit(DomainError):
    code = "needs_offline_visit"
    message = "您描述的情况需要医生当面检查，不能在线续方，请尽快到医院就诊；如情况紧急请立即拨打120或到急诊科。"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str | None = None
    code: str | None = None


def too_old_reason(days: int) -> str:
    return f"距上次线下就诊已超过{days}天，请先到医院复诊"


def eligibility(ctx: ServiceContext, prescription: Prescription, today: date) -> Eligibility:
    """The prescription's own rules; whether a request is already open is checked apart."""
    if not prescription.is_chronic:
        return Eligibility(False, NOT_CHRONIC, "not_chronic")
    if prescription.origin != "offline":
        return Eligibility(False, NOT_OFFLINE, "not_offline")
    window = ctx.settings.refill_window_days
    if prescription.issued_on < today - timedelta(days=window):
        return Eligibility(False, too_old_reason(window), "too_old")
    return Eligibility(True)


def _open_refill(session: Session, prescription_id: str) -> RefillRequest | None:
    return session.scalar(
        select(RefillRequest)
        .where(RefillRequest.prescription_id == prescription_id, RefillRequest.status.not_in(CLOSED_STATUSES))
        .limit(1)
    )


def _drugs(ctx: ServiceContext, prescription: Prescription) -> list[dict[str, Any]]:
    items = json.loads(ctx.cipher.decrypt(prescription.items_enc, ITEMS_CONTEXT))
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _require_patient(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id) if len(patient_id) <= 24 else None
    if patient is None:
        raise NotFound("没有找到这位就诊人")
    return patient


# --- listing -------------------------------------------------------------------


def list_prescriptions(ctx: ServiceContext, patient_id: str) -> list[dict[str, Any]]:
    """The patient's chronic prescriptions from offline visits, newest first, each
    with whether a refill can be requested now and, if not, why."""
    today = local_today()
    with ctx.db.reading() as session:
        patient = _require_patient(session, patient_id)
        prescriptions = session.scalars(
            select(Prescription)
            .where(
                Prescription.patient_id == patient.id,
                Prescription.is_chronic.is_(True),
                Prescription.origin == "offline",
            )
            .order_by(Prescription.issued_on.desc(), Prescription.created_at.desc())
        ).all()
        views = []
        for prescription in prescriptions:
            verdict = eligibility(ctx, prescription, today)
            open_refill = _open_refill(session, prescription.id)
            if verdict.eligible and open_refill is not None:
                verdict = Eligibility(False, DuplicateRefill.message, DuplicateRefill.code)
            views.append(
                {
                    "id": prescription.id,
                    "diagnosis": diagnosis_of(ctx.cipher, prescription),
                    "department": prescription_department(session, prescription),
                    "issued_on": prescription.issued_on.isoformat(),
                    "items": _drugs(ctx, prescription),
                    "eligible": verdict.eligible,
                    "reason": verdict.reason,
                    "reason_code": verdict.code,
                    "open_refill_id": open_refill.id if open_refill else None,
                }
            )
        return views


def prescription_department(session: Session, prescription: Prescription) -> str | None:
    department = session.get(Department, prescription.department_id)
    return department.name if department else None


# --- requesting ----------------------------------------------------------------


def red_flags_in(answers: dict[str, str]) -> list[str]:
    """Labels of red-flag rules that fire on any answer (deduplicated, in order)."""
    engine = default_engine()
    labels: dict[str, None] = {}
    for text in answers.values():
        for hit in engine.red_flags(text):
            labels.setdefault(hit.label)
    return list(labels)


def _next_steps(fulfilment: str) -> str:
    collect = "到医院门诊药房取药" if fulfilment == "pickup" else "药品将配送到您登记的地址"
    return (
        f"续方申请已提交，医生会在{int(REVIEW_WITHIN.total_seconds() // 3600)}小时内审核。"
        f"医生和药师审核通过后我们会通知您支付药费，支付后{collect}。"
        "如用药期间出现不适，请及时到医院就诊。"
    )


def request_refill(
    ctx: ServiceContext,
    *,
    patient_id: str,
    prescription_id: str,
    answers: dict[str, str] | None = None,
    fulfilment: str = "pickup",
) -> dict[str, Any]:
    """Submit a refill for a doctor to review; `NotEligible` or `DuplicateRefill`, with the reason, when not allowed."""
    answers = {key: value for key, value in (answers or {}).items() if value and value.strip()}
    flags = red_flags_in(answers)
    if flags:
        raise NeedsOfflineVisit(red_flags=flags)
    with ctx.db.transaction() as session:
        patient = _require_patient(session, patient_id)
        # Lock the prescription's row, so two requests for it cannot both see none open.
        prescription = session.scalar(select(Prescription).where(Prescription.id == prescription_id).with_for_update())
        if prescription is None or prescription.patient_id != patient.id:
            raise NotEligible(NOT_FOUND)
        verdict = eligibility(ctx, prescription, local_today())
        if not verdict.eligible:
            raise NotEligible(verdict.reason, reason_code=verdict.code)
        if _open_refill(session, prescription.id) is not None:
            raise DuplicateRefill()
        now = utcnow()
        refill = RefillRequest(
            patient_id=patient.id,
            prescription_id=prescription.id,
            status="submitted",
            answers_enc=ctx.cipher.encrypt(json.dumps(answers, ensure_ascii=False), ANSWERS_CONTEXT)
            if answers
            else None,
            fulfilment=fulfilment,
            created_at=now,
        )
        session.add(refill)
        session.flush()
        audit.record(
            ctx,
            session,
            action="refill.request",
            patient_id=patient.id,
            subject=refill.id,
            detail={"prescription_id": prescription.id, "fulfilment": fulfilment, "answered": sorted(answers)},
        )
        return refill_view(refill, now)


def refill_view(refill: RefillRequest, created: datetime) -> dict[str, Any]:
    return {
        "id": refill.id,
        "status": refill.status,
        "patient_id": refill.patient_id,
        "prescription_id": refill.prescription_id,
        "fulfilment": refill.fulfilment,
        "created_at": created.astimezone(SHANGHAI).isoformat(),
        "expected_by": (created + REVIEW_WITHIN).astimezone(SHANGHAI).isoformat(),
        "next_steps": _next_steps(refill.fulfilment),
    }


def read_answers(ctx: ServiceContext, refill: RefillRequest) -> dict[str, str]:
    """For the reviewing doctor: the patient's answers, decrypted."""
    if not refill.answers_enc:
        return {}
    data = json.loads(ctx.cipher.decrypt(refill.answers_enc, ANSWERS_CONTEXT))
    return {str(key): str(value) for key, value in data.items()}
