"""Refills already handled, for clinicians and pharmacists looking back: what was
decided, by whom, when, and what the patient pays. Filters: outcome, the reviewer
themself, a period; paged. Patients' names are masked as in the queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from models import Patient, PaymentOrder, Prescription, RefillRequest, RefillReview, StaffAccount
from services.booking.calendar import SHANGHAI
from services.clinical.sealed import DIAGNOSIS_CONTEXT
from services.context import ServiceContext
from services.errors import InvalidInput
from services.patients.identity import mask_name
from services.patients.registry import NAME_CONTEXT
from services.staff.accounts import StaffIdentity

PER_PAGE = 30
OUTCOMES = {
    "signed": "医生已签署",
    "declined_by_clinician": "医生拒绝",
    "approved": "药师通过",
    "rejected": "药师不通过",
}


@dataclass(frozen=True)
class HistoryFilters:
    outcome: str = ""  # a key of OUTCOMES, or "" for all
    mine_only: bool = False
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class HistoryRow:
    id: str
    patient: str  # masked
    diagnosis: str
    status: str
    clinician: str
    clinician_decision: str
    decided_at: datetime
    pharmacist: str
    pharmacist_decision: str
    reviewed_at: datetime | None
    fee_fen: int | None


@dataclass(frozen=True)
class HistoryPage:
    rows: list[HistoryRow]
    page: int
    pages: int
    total: int


def _query(staff: StaffIdentity, filters: HistoryFilters) -> Select[RefillReview, RefillRequest]:
    query = select(RefillReview, RefillRequest).join(RefillRequest, RefillRequest.id == RefillReview.refill_id)
    if filters.outcome == "signed":
        query = query.where(RefillReview.clinician_decision == "signed")
    elif filters.outcome == "declined_by_clinician":
        query = query.where(RefillReview.clinician_decision == "declined")
    elif filters.outcome in ("approved", "rejected"):
        query = query.where(RefillReview.pharmacist_decision == filters.outcome)
    elif filters.outcome:
        raise InvalidInput("处理结果应为：" + "、".join(OUTCOMES.values()))
    if filters.mine_only:
        query = query.where((RefillReview.clinician_id == staff.id) | (RefillReview.pharmacist_id == staff.id))
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput("开始日期应早于结束日期")
    if filters.since:
        query = query.where(RefillReview.decided_at >= filters.since)
    if filters.until:
        query = query.where(RefillReview.decided_at < filters.until)
    return query


def history(ctx: ServiceContext, staff: StaffIdentity, filters: HistoryFilters, page: int = 1) -> HistoryPage:
    """Handled refills, the latest decision first."""
    query = _query(staff, filters)
    clinician, pharmacist = aliased(StaffAccount), aliased(StaffAccount)
    with ctx.db.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        fee = (
            select(PaymentOrder.amount_fen)
            .where(PaymentOrder.refill_request_id == RefillRequest.id)
            .order_by(PaymentOrder.created_at.desc())
            .limit(1)
            .scalar_subquery()
        )
        rows = session.execute(
            query.add_columns(
                Patient.name_enc, Prescription.diagnosis_enc, clinician.display_name, pharmacist.display_name, fee
            )
            .join(Patient, Patient.id == RefillRequest.patient_id)
            .join(Prescription, Prescription.id == RefillRequest.prescription_id)
            .join(clinician, clinician.id == RefillReview.clinician_id)
            .outerjoin(pharmacist, pharmacist.id == RefillReview.pharmacist_id)
            .order_by(func.coalesce(RefillReview.reviewed_at, RefillReview.decided_at).desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        ).all()
        return HistoryPage(
            [
                HistoryRow(
                    refill.id,
                    mask_name(ctx.cipher.decrypt(name, NAME_CONTEXT)),
                    ctx.cipher.decrypt(diagnosis, DIAGNOSIS_CONTEXT),
                    refill.status,
                    doctor or "",
                    review.clinician_decision,
                    review.decided_at.astimezone(SHANGHAI),
                    checker or "",
                    review.pharmacist_decision or "",
                    review.reviewed_at.astimezone(SHANGHAI) if review.reviewed_at else None,
                    amount if amount is not None else review.fee_fen,  # no order before the approval
                )
                for review, refill, name, diagnosis, doctor, checker, amount in rows
            ],
            page,
            pages,
            total,
        )
