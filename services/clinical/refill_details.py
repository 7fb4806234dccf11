"""What a refill reviewer reads beyond the request itself: the patient's answers
under Chinese labels, the drugs with their price, and for the pharmacist who
signed, when, what was signed and the fee the patient is charged (the order itself
waits for the pharmacist's approval)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import PaymentOrder, Prescription, RefillReview, StaffAccount
from services.booking.calendar import SHANGHAI
from services.clinical.refills import ITEMS_CONTEXT
from services.context import ServiceContext


def prescription_items(ctx: ServiceContext, prescription: Prescription) -> list[dict[str, Any]]:
    items = json.loads(ctx.cipher.decrypt(prescription.items_enc, ITEMS_CONTEXT))
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


# The keys the bot and the API store answers under, as a reviewer reads them.
ANSWER_LABELS = {
    "question": "患者想问医生的话",
    "recent": "近况",
    "symptoms": "目前症状",
    "side_effects": "用药后的不适",
    "adherence": "按时服药情况",
    "blood_pressure": "最近的血压",
    "blood_sugar": "最近的血糖",
    "allergies": "过敏史",
    "pregnant": "是否怀孕",
}


def label_answers(answers: dict[str, str]) -> list[tuple[str, str]]:
    """(Chinese label, answer): a key without a label is shown as "其他（key）", never bare."""
    return [
        (ANSWER_LABELS.get(key, key if _is_chinese(key) else f"其他（{key}）"), value) for key, value in answers.items()
    ]


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def drugs_total(items: list[dict[str, Any]]) -> int | None:
    """The drugs' price in fen, or None when any item has no price yet."""
    total = 0
    for item in items:
        price, quantity = item.get("price_fen"), item.get("quantity", 1)
        if not isinstance(price, int) or price <= 0 or not isinstance(quantity, int) or quantity < 1:
            return None
        total += price * quantity
    return total or None


def signed_details(
    ctx: ServiceContext, session: Session, review: RefillReview | None, signed: Prescription | None
) -> dict[str, Any] | None:
    """What the pharmacist checks: who signed and when, the signed drugs, the fee charged."""
    if review is None or review.clinician_decision != "signed" or signed is None:
        return None
    clinician = session.get(StaffAccount, review.clinician_id)
    pharmacist = session.get(StaffAccount, review.pharmacist_id) if review.pharmacist_id else None
    order = session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.refill_request_id == review.refill_id)
        .order_by(PaymentOrder.created_at.desc())
        .limit(1)
    )
    return {
        "clinician": clinician.display_name if clinician else review.clinician_id,
        "signed_at": review.decided_at.astimezone(SHANGHAI),
        "items": prescription_items(ctx, signed),
        "fee_fen": order.amount_fen if order else review.fee_fen,  # no order before the approval
        "payment_status": order.status if order else None,
        "pharmacist": pharmacist.display_name if pharmacist else None,
    }
