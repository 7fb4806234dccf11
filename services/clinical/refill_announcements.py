"""The patient hears the refill decisions: the doctor's (signed: the pharmacist checks next;
declined: why), and for an approved refill the pay link (services/clinical/refill_fee.py).

Apart from services/clinical/followups.py because the pay link goes through the payment
settlement, which itself tells followups when a refill is paid: one module doing both
would be an import circle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import Prescription, RefillRequest, RefillReview, utcnow
from services.clinical import followups, refill_fee
from services.clinical.followups import SWEEP_WINDOW
from services.clinical.sealed import diagnosis_of
from services.context import ServiceContext
from services.notifications import messages


def announce_refill_decisions(ctx: ServiceContext, now: datetime | None = None) -> int:
    """The doctor's decision (signed: the pharmacist checks next; declined: why), and for an
    approved refill the pay link whose order could not be made at the approval."""
    now = now or utcnow()
    with ctx.db.reading() as session:
        ids = session.scalars(
            select(RefillRequest.id).where(
                RefillRequest.status.in_(("signed", "declined")),
                RefillRequest.decided_at >= now - SWEEP_WINDOW,
            )
        ).all()
        approved = session.scalars(
            select(RefillRequest.id)
            .join(RefillReview, RefillReview.refill_id == RefillRequest.id)
            .where(RefillRequest.status == "reviewed", RefillReview.reviewed_at >= now - SWEEP_WINDOW)
        ).all()
        untold = [refill_id for refill_id in approved if not refill_fee.already_told(session, refill_id)]
    added = 0
    for refill_id in ids:
        with ctx.db.transaction() as session:
            refill = session.get(RefillRequest, refill_id)
            assert refill is not None
            prescription = session.get(Prescription, refill.prescription_id)
            what = diagnosis_of(ctx.cipher, prescription) if prescription else "慢病"
            if refill.status == "declined":
                reason = f"：{refill.decision_reason}" if refill.decision_reason else ""
                text = (
                    f"{messages.signature(ctx)}很抱歉，医生未通过您的{what}续方申请{reason}。"
                    "请到医院门诊复诊，如有不适请及时就医。"
                )
            else:
                text = (
                    f"{messages.signature(ctx)}医生已通过您的{what}续方申请。"
                    "药师审核处方后，我们会把付款链接发给您，现在还不用付款。"
                )
            added += messages.to_patient(
                ctx,
                session,
                followups.patient_of(session, refill.patient_id),
                kind="refill_decision",
                dedupe_key=f"refill_decision:{refill.id}",
                text=text,
            )
    return added + sum(refill_fee.offer(ctx, refill_id) for refill_id in untold)
