"""Refill fees through the pay page (issue 12): an approved refill's order gets the same
short `/p/<code>` link as a booking, and the page says which drugs are being paid for.

The order itself is made when the pharmacist approves what the doctor signed
(services.clinical.refill_fee); this module only finds the refills waiting for their
money, or still for the pharmacist, and names what they are. A refill
has no hold to lapse, so its link is good for `UNHELD_LIFETIME` from the moment it is
given out: a patient who asks again the next day gets a fresh link to the same order.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import PaymentOrder, Prescription, RefillRequest, RefillReview, utcnow
from services.context import ServiceContext
from services.errors import NotFound
from services.payments.links import UNHELD_LIFETIME, make_code
from services.payments.settlement import ITEMS_CONTEXT, REFILL_PAYABLE

FULFILMENT = {"pickup": "到医院药房取药", "delivery": "送药上门"}


def drug_names(ctx: ServiceContext, session: Session, refill: RefillRequest) -> str:
    """The drugs of the refill as the prescription names them ("苯磺酸氨氯地平片 ×2")."""
    prescription = session.get(Prescription, refill.prescription_id)
    if prescription is None:
        return ""
    items = json.loads(ctx.cipher.decrypt(prescription.items_enc, ITEMS_CONTEXT))
    names = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("drug"):
            quantity = item.get("quantity")
            names.append(f"{item['drug']} ×{quantity}" if isinstance(quantity, int) and quantity > 1 else item["drug"])
    return "、".join(names)


def refill_lines(ctx: ServiceContext, session: Session, refill_id: str) -> list[tuple[str, str]]:
    """What the pay page shows for a refill order, before the patient's masked name."""
    refill = session.get(RefillRequest, refill_id)
    if refill is None:
        return [("项目", "续方药费")]
    return [
        ("项目", "慢病续方药费"),
        ("药品", drug_names(ctx, session, refill)),
        ("取药方式", FULFILMENT.get(refill.fulfilment, "")),
    ]


def link_for(ctx: ServiceContext, order_id: int, now: datetime | None = None) -> str:
    code = make_code(ctx.settings.secret_key, order_id, (now or utcnow()) + UNHELD_LIFETIME)
    return f"{ctx.settings.public_base_url.rstrip('/')}/p/{code}"


def payable_refills(ctx: ServiceContext, patient_id: str) -> list[dict[str, Any]]:
    """What the bot answers to 支付续方: each approved refill whose fee is open, with its pay
    link (behind 去支付), and each signed one still waiting for the pharmacist
    (`waiting_for: "pharmacist"`, no link: nothing can be paid before the approval)."""
    now = utcnow()
    with ctx.db.reading() as session:
        payable = session.execute(
            select(RefillRequest, PaymentOrder)
            .join(PaymentOrder, PaymentOrder.refill_request_id == RefillRequest.id)
            .where(
                RefillRequest.patient_id == patient_id,
                RefillRequest.status.in_(REFILL_PAYABLE),
                PaymentOrder.status == "pending",
            )
            .order_by(RefillRequest.created_at)
        ).all()
        waiting = session.execute(
            select(RefillRequest, RefillReview.fee_fen)
            .join(RefillReview, RefillReview.refill_id == RefillRequest.id)
            .where(RefillRequest.patient_id == patient_id, RefillRequest.status == "signed")
            .order_by(RefillRequest.created_at)
        ).all()
        return [
            {
                "refill_id": refill.id,
                "status": refill.status,
                "amount_fen": order.amount_fen,
                "drugs": drug_names(ctx, session, refill),
                "pay_link": link_for(ctx, order.id, now),
                "waiting_for": None,
            }
            for refill, order in payable
        ] + [
            {
                "refill_id": refill.id,
                "status": refill.status,
                "amount_fen": fee,
                "drugs": drug_names(ctx, session, refill),
                "pay_link": None,
                "waiting_for": "pharmacist",
            }
            for refill, fee in waiting
        ]


def refill_pay_link(ctx: ServiceContext, refill_id: str) -> str:
    """The pay link of one refill's open order; NotFound when nothing is waiting to be paid."""
    with ctx.db.reading() as session:
        order_id = session.scalar(
            select(PaymentOrder.id).where(PaymentOrder.refill_request_id == refill_id, PaymentOrder.status == "pending")
        )
    if order_id is None:
        raise NotFound("这个续方没有待支付的药费")
    return link_for(ctx, order_id)
