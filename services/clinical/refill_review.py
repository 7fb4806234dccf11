"""The console's side of refills: a clinician signs or declines a submitted
request, a pharmacist then reviews what was signed. Each decision is one
transaction with its audit entry and the message that tells the patient.

Signing creates the online prescription (origin "online", the same drugs, the
doctor of record of the prior prescription; `refill_reviews` names the staff
member who signed and keeps the fee). Only the pharmacist's approval makes the
payment order and sends the pay link (services.clinical.refill_fee), so a
rejection simply closes the request: nothing was paid, nothing is refunded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import Patient, PaymentOrder, Prescription, RefillRequest, RefillReview, utcnow
from payments.base import fen_to_yuan
from services import audit
from services.booking.calendar import SHANGHAI, local_today
from services.clinical import refill_fee
from services.clinical.refill_details import drugs_total, label_answers, prescription_items, signed_details
from services.clinical.refills import ITEMS_CONTEXT, prescription_department, read_answers
from services.clinical.sealed import DIAGNOSIS_CONTEXT, diagnosis_of
from services.context import ServiceContext
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.notifications import messages
from services.patients.identity import mask_id_number, mask_name, mask_phone
from services.patients.registry import ID_CONTEXT, NAME_CONTEXT, patient_birth_date, patient_name, patient_phone
from services.payments.refunds import request_refund
from services.staff.accounts import StaffIdentity

CLINICIAN_QUEUE = ("submitted",)
# "paid": refills paid before the pharmacist reviewed them, from before the fee waited for the
# approval; they are still reviewed, and a rejection refunds them.
PHARMACIST_QUEUE = ("signed", "paid")


class Forbidden(DomainError):
    code, message = "forbidden", "您的角色不能进行这项操作"


def _require(staff: StaffIdentity, role: str) -> None:
    if role not in staff.roles:
        raise Forbidden()


@dataclass(frozen=True)
class RefillRow:
    id: str
    status: str
    patient: str  # masked name
    diagnosis: str
    created_at: datetime
    fulfilment: str


def queue(ctx: ServiceContext, staff: StaffIdentity) -> list[RefillRow]:
    """Submitted requests for clinicians; signed, not yet reviewed ones for pharmacists."""
    query = (
        select(RefillRequest, Patient.name_enc, Prescription.diagnosis_enc)
        .join(Patient, Patient.id == RefillRequest.patient_id)
        .join(Prescription, Prescription.id == RefillRequest.prescription_id)
        .outerjoin(RefillReview, RefillReview.refill_id == RefillRequest.id)
        .order_by(RefillRequest.created_at)
        .limit(200)
    )
    if "clinician" in staff.roles:
        query = query.where(RefillRequest.status.in_(CLINICIAN_QUEUE))
    elif "pharmacist" in staff.roles:
        query = query.where(RefillRequest.status.in_(PHARMACIST_QUEUE), RefillReview.pharmacist_decision.is_(None))
    else:
        raise Forbidden()
    with ctx.db.reading() as session:
        return [
            RefillRow(
                r.id,
                r.status,
                mask_name(ctx.cipher.decrypt(name, NAME_CONTEXT)),
                ctx.cipher.decrypt(diagnosis, DIAGNOSIS_CONTEXT),
                r.created_at.astimezone(SHANGHAI),
                r.fulfilment,
            )
            for r, name, diagnosis in session.execute(query).all()
        ]


def _refill(session: Session, refill_id: str) -> RefillRequest:
    refill = session.get(RefillRequest, refill_id) if len(refill_id) <= 24 else None
    if refill is None:
        raise NotFound("没有找到这个续方申请")
    return refill


def _items(ctx: ServiceContext, prescription: Prescription) -> list[dict[str, Any]]:
    return prescription_items(ctx, prescription)


def _age(birth: date) -> int:
    today = local_today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def view(ctx: ServiceContext, staff: StaffIdentity, refill_id: str, why: str) -> dict[str, Any]:
    """What the reviewer needs and no more: the patient (ID and phone masked), the prior
    prescription, the answers, decrypted; the view itself goes to the audit log with `why`."""
    if not ({"clinician", "pharmacist"} & staff.roles):
        raise Forbidden()
    why = (why or "").strip()
    if len(why) < 2:
        raise InvalidInput("查看患者信息前请填写查看原因")
    with ctx.db.transaction() as session:
        refill = _refill(session, refill_id)
        patient = session.get(Patient, refill.patient_id)
        prior = session.get(Prescription, refill.prescription_id)
        assert patient is not None and prior is not None
        review = session.get(RefillReview, refill.id)
        signed = session.get(Prescription, review.prescription_id) if review and review.prescription_id else None
        audit.record(
            ctx,
            session,
            action="refill.view",
            patient_id=patient.id,
            subject=refill.id,
            reason=why[:200],
        )
        return {
            "id": refill.id,
            "status": refill.status,
            "fulfilment": refill.fulfilment,
            "created_at": refill.created_at.astimezone(SHANGHAI),
            "decision_reason": refill.decision_reason,
            "patient": {
                "name": patient_name(ctx.cipher, patient),
                "sex": "男" if patient.sex == "male" else "女",
                "age": _age(patient_birth_date(ctx.cipher, patient)),
                "id_number": mask_id_number(ctx.cipher.decrypt(patient.id_number_enc, ID_CONTEXT)),
                "phone": mask_phone(patient_phone(ctx.cipher, patient)),
            },
            "prior": {
                "id": prior.id,
                "diagnosis": diagnosis_of(ctx.cipher, prior),
                "department": prescription_department(session, prior),
                "issued_on": prior.issued_on.isoformat(),
                "items": _items(ctx, prior),
            },
            "answers": label_answers(read_answers(ctx, refill)),
            "priced": _priced(ctx, prior),
            "drugs_fen": drugs_total(_items(ctx, prior)),
            "signed_prescription_id": signed.id if signed else None,
            "signed": signed_details(ctx, session, review, signed),
            "review": review,
        }


def _priced(ctx: ServiceContext, prescription: Prescription) -> bool:
    items = _items(ctx, prescription)
    return bool(items) and all(isinstance(item.get("price_fen"), int) and item["price_fen"] > 0 for item in items)


def sign(ctx: ServiceContext, staff: StaffIdentity, refill_id: str, amount_fen: int | None = None) -> dict[str, Any]:
    """Sign a submitted refill: the online prescription and the fee, the patient told that
    the pharmacist checks it next. No payment order yet: that waits for the approval.

    `amount_fen` is the drugs' price when the prior prescription's items carry none."""
    _require(staff, "clinician")
    if amount_fen is not None and amount_fen <= 0:
        raise InvalidInput("药费应大于0")
    now = utcnow()
    with ctx.db.transaction() as session:
        refill = _refill(session, refill_id)
        prior = session.get(Prescription, refill.prescription_id)
        assert prior is not None
        fee = amount_fen if amount_fen is not None else drugs_total(_items(ctx, prior))
        if fee is None:
            raise InvalidInput("这张处方的药品还没有定价，请填写药费")
        _move(session, refill.id, CLINICIAN_QUEUE, "signed", now)
        online = Prescription(
            patient_id=refill.patient_id,
            doctor_id=prior.doctor_id,
            department_id=prior.department_id,
            diagnosis_enc=ctx.cipher.encrypt(diagnosis_of(ctx.cipher, prior), DIAGNOSIS_CONTEXT),
            is_chronic=prior.is_chronic,
            issued_on=local_today(),
            origin="online",
            items_enc=ctx.cipher.encrypt(json.dumps(_items(ctx, prior), ensure_ascii=False), ITEMS_CONTEXT),
        )
        session.add(online)
        session.flush()
        session.add(
            RefillReview(
                refill_id=refill.id,
                clinician_id=staff.id,
                clinician_decision="signed",
                decided_at=now,
                prescription_id=online.id,
                fee_fen=fee,
            )
        )
        audit.record(
            ctx,
            session,
            action="refill.sign",
            patient_id=refill.patient_id,
            subject=refill.id,
            detail={"prescription_id": online.id},
        )
        _tell(
            ctx,
            session,
            refill,
            "refill_decision",
            f"医生已通过您的{diagnosis_of(ctx.cipher, prior)}续方申请，药费{fen_to_yuan(fee)}元。"
            "药师审核处方后，我们会把付款链接发给您，现在还不用付款。",
        )
        return {"prescription_id": online.id, "fee_fen": fee}


def decline(ctx: ServiceContext, staff: StaffIdentity, refill_id: str, reason: str) -> None:
    _require(staff, "clinician")
    reason = _reason(reason)
    now = utcnow()
    with ctx.db.transaction() as session:
        refill = _refill(session, refill_id)
        _move(session, refill.id, CLINICIAN_QUEUE, "declined", now, reason)
        session.add(
            RefillReview(refill_id=refill.id, clinician_id=staff.id, clinician_decision="declined", decided_at=now)
        )
        audit.record(
            ctx,
            session,
            action="refill.decline",
            patient_id=refill.patient_id,
            subject=refill.id,
            reason=reason,
        )
        what = _diagnosis(ctx, session, refill)
        _tell(
            ctx,
            session,
            refill,
            "refill_decision",
            f"很抱歉，医生未通过您的{what}续方申请：{reason}。请到医院门诊复诊，如有不适请及时就医。",
        )


def pharmacist_review(ctx: ServiceContext, staff: StaffIdentity, refill_id: str, approve: bool, note: str = "") -> None:
    """Approve (signed → reviewed, then the order and the pay link) or reject (→ declined:
    nothing was charged). A refill paid before its review (see PHARMACIST_QUEUE) stays paid
    when approved and is refunded when rejected."""
    _require(staff, "pharmacist")
    note = _reason(note) if not approve else note.strip()[:200]
    now = utcnow()
    with ctx.db.transaction() as session:
        refill = _refill(session, refill_id)
        review = session.get(RefillReview, refill.id)
        if review is None or review.clinician_decision != "signed" or review.pharmacist_decision is not None:
            raise Conflict("这个续方不在待药师审核状态")
        if review.clinician_id == staff.id:  # four eyes: one account holding both roles is still one person
            raise Forbidden("不能审核自己签署的续方，请由另一位药师审核")
        if refill.status not in PHARMACIST_QUEUE:
            raise Conflict("这个续方不在待药师审核状态")
        was = refill.status
        if approve and was == "signed":
            _move(session, refill.id, ("signed",), "reviewed", None)
        elif not approve:
            _move(session, refill.id, PHARMACIST_QUEUE, "declined", None, f"药师审核未通过：{note}")
            _withdraw_payment(session, refill.id, paid=was == "paid")
        review.pharmacist_id, review.pharmacist_note, review.reviewed_at = staff.id, note or None, now
        review.pharmacist_decision = "approved" if approve else "rejected"
        audit.record(
            ctx,
            session,
            action="refill.pharmacy_approve" if approve else "refill.pharmacy_reject",
            patient_id=refill.patient_id,
            subject=refill.id,
            reason=note or None,
        )
        if not approve:
            money = "已支付的药费将原路退回。" if was == "paid" else "您不用付任何费用。"
            text = f"很抱歉，药师审核未通过您的续方处方：{note}。{money}请到医院门诊复诊，如有不适请及时就医。"
            _tell(ctx, session, refill, refill_fee.KIND, text)
        elif was == "paid":
            _tell(ctx, session, refill, refill_fee.KIND, "药师已审核通过您的续方处方。我们会尽快为您安排取药或配送。")
    if approve and was == "signed":
        refill_fee.offer(ctx, refill_id)  # the order and the pay link, now that both have said yes


def _withdraw_payment(session: Session, refill_id: str, paid: bool) -> None:
    orders = session.scalars(
        select(PaymentOrder).where(
            PaymentOrder.refill_request_id == refill_id, PaymentOrder.status.in_(("pending", "paid"))
        )
    ).all()
    for order in orders:
        if order.status == "paid":
            request_refund(session, order, reason="pharmacist_rejected")
        else:  # paying it later now finds the refill declined, and the money goes back
            order.status = "closed"


def _move(
    session: Session,
    refill_id: str,
    source: tuple[str, ...],
    target: str,
    at: datetime | None,
    reason: str | None = None,
) -> None:
    values: dict[str, Any] = {"status": target}
    if at is not None:
        values["decided_at"] = at
    if reason is not None:
        values["decision_reason"] = reason[:200]
    moved = rows_changed(
        session,
        update(RefillRequest).where(RefillRequest.id == refill_id, RefillRequest.status.in_(source)).values(**values),
    )
    if moved != 1:
        raise Conflict("这个续方已经被处理过了，请刷新页面")
    session.expire_all()


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput("请填写原因，患者会收到这条说明")
    return reason[:150]


def _diagnosis(ctx: ServiceContext, session: Session, refill: RefillRequest) -> str:
    prescription = session.get(Prescription, refill.prescription_id)
    return diagnosis_of(ctx.cipher, prescription) if prescription else "慢病"


def _tell(ctx: ServiceContext, session: Session, refill: RefillRequest, kind: str, text: str) -> None:
    patient = session.get(Patient, refill.patient_id)
    assert patient is not None
    messages.to_patient(
        ctx,
        session,
        patient,
        kind=kind,
        dedupe_key=f"{kind}:{refill.id}",
        text=messages.signature(ctx) + text,
    )
