"""A refill's fee is asked for only once the pharmacist has approved (issue 12): then the
payment order is made and the patient told with the pay link. Nothing is charged before
both the doctor and the pharmacist have said yes, so a rejection never has money to return.

The approval commits first (making the order may need the platform: WeChat Native asks
it for a code). If the order cannot be made then, the minute's sweep
(refill_announcements.announce_refill_decisions) calls `offer` again until the patient is told.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, Patient, Prescription, RefillRequest, RefillReview
from payments.base import PaymentError, fen_to_yuan
from services.clinical.sealed import diagnosis_of
from services.context import ServiceContext
from services.notifications import messages
from services.payments import refill_pay
from services.payments import settlement as payments

log = logging.getLogger(__name__)
KIND = "refill_pharmacy"  # the pharmacist's decision, as the patient is told it


def told_key(refill_id: str) -> str:
    return f"{KIND}:{refill_id}"


def already_told(session: Session, refill_id: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == told_key(refill_id))) is not None


def offer(ctx: ServiceContext, refill_id: str) -> bool:
    """Make (or find) the approved refill's order and tell the patient with its link, once.
    False when the platform could not make the order now: the sweep tries again."""
    with ctx.db.reading() as session:
        review = session.get(RefillReview, refill_id)
        fee = review.fee_fen if review is not None else None
    try:
        payment = payments.create_refill_payment(ctx, refill_id, amount_fen=fee)
    except PaymentError as exc:
        log.warning("refill %s: no payment order yet (%s), the sweep tries again", refill_id, exc.code or exc)
        return False
    link = refill_pay.refill_pay_link(ctx, refill_id)
    with ctx.db.transaction() as session:
        refill = session.get(RefillRequest, refill_id)
        assert refill is not None
        patient = session.get(Patient, refill.patient_id)
        prior = session.get(Prescription, refill.prescription_id)
        assert patient is not None
        what = diagnosis_of(ctx.cipher, prior) if prior else "慢病"
        return messages.to_patient(
            ctx,
            session,
            patient,
            kind=KIND,
            dedupe_key=told_key(refill_id),
            text=f"{messages.signature(ctx)}药师已审核通过您的{what}续方处方，药费{fen_to_yuan(payment['amount_fen'])}元。"
            f"请点链接付款：{link} （24小时内有效，也可以在对话中发送“支付续方”），付款后即可安排取药或配送。",
        )
