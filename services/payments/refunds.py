"""Refunds: recorded in the transaction that decides them, executed by a task.

Deciding (this transaction) and paying out (a network call) are split so a
cancelled appointment is never left half-cancelled because a platform was slow.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from db import rows_changed
from models import Appointment, LedgerEntry, Patient, PaymentOrder, Refund, utcnow
from payments.base import RefundRejected, RefundRequest, fen_to_yuan
from payments.router import provider_for
from services import audit
from services.context import ServiceContext
from services.notifications import messages

# What the patient is told when a refund is decided: the platforms return money to
# where it came from within this many working days (the FAQ says 1-7).
REFUND_WORKING_DAYS = 7
PLATFORM_NAMES = {"wechat": "微信", "alipay": "支付宝"}


def refund_if_paid(session: Session, appointment_id: str, reason: str) -> dict[str, Any] | None:
    """Give back everything paid for a visit: a visit moved from a paid one may hold two
    paid orders (the fee carried over and the difference paid on top), each refunded
    for what is left on it. None when nothing was paid (or all of it went back already)."""
    orders = session.scalars(
        select(PaymentOrder)
        .where(PaymentOrder.appointment_id == appointment_id, PaymentOrder.status == "paid")
        .order_by(PaymentOrder.id)
    ).all()
    decided = [r for r in (request_refund(session, order, reason) for order in orders) if r is not None]
    if not decided:
        return None
    return {**decided[0], "amount_fen": sum(r["amount_fen"] for r in decided)}


def refundable_fen(session: Session, order: PaymentOrder) -> int:
    """What of an order has not been decided to go back yet (refunds in parts add up)."""
    taken = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
            Refund.payment_order_id == order.id, Refund.status != "failed"
        )
    )
    return order.amount_fen - int(taken or 0)


def request_refund(
    session: Session, order: PaymentOrder, reason: str, amount_fen: int | None = None, cause: str = "full"
) -> dict[str, Any] | None:
    """Decide a refund once per (order, cause): "full" gives back what is left of the order,
    another cause at most `amount_fen` of it. Asking again answers the same refund."""
    existing = session.scalar(select(Refund).where(Refund.payment_order_id == order.id, Refund.cause == cause))
    if existing is None:
        left = refundable_fen(session, order)
        amount = left if amount_fen is None else min(amount_fen, left)
        if amount <= 0:
            return None
        existing = Refund(payment_order_id=order.id, amount_fen=amount, reason=reason, cause=cause)
        session.add(existing)
        session.flush()
    return {
        "out_refund_no": existing.out_refund_no,
        "amount_fen": existing.amount_fen,
        "status": existing.status,
        "working_days": REFUND_WORKING_DAYS,
    }


def process_refund(ctx: ServiceContext, refund_id: int) -> str:
    """Pay one pending refund out through the provider; idempotent by refund status."""
    with ctx.db.reading() as session:
        refund = session.get(Refund, refund_id)
        if refund is None or refund.status != "pending":
            return refund.status if refund else "missing"
        order = session.get(PaymentOrder, refund.payment_order_id)
        assert order is not None
        request = RefundRequest(order.out_trade_no, refund.out_refund_no, refund.amount_fen, refund.reason)
        provider_name = order.provider
    try:
        provider_for(ctx.payments, provider_name).refund(request)
    except RefundRejected:
        return "pending"
    now = utcnow()
    with ctx.db.transaction() as session:
        settled = rows_changed(
            session,
            update(Refund)
            .where(Refund.id == refund_id, Refund.status == "pending")
            .values(status="succeeded", settled_at=now),
        )
        if settled == 1:
            if _all_returned(session, order.id, order.amount_fen):  # a part leaves the order paid
                session.execute(update(PaymentOrder).where(PaymentOrder.id == order.id).values(status="refunded"))
            session.add(
                LedgerEntry(
                    event_key=f"refund:{request.out_refund_no}",
                    payment_order_id=order.id,
                    amount_fen=-request.amount_fen,
                )
            )
            audit.record(
                ctx,
                session,
                actor="system",
                action="payment.refund",
                patient_id=order.patient_id,
                subject=order.out_trade_no,
            )
            _tell_patient(ctx, session, order, request)
    return "succeeded"


def _all_returned(session: Session, order_id: int, amount_fen: int) -> bool:
    returned = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
            Refund.payment_order_id == order_id, Refund.status == "succeeded"
        )
    )
    return int(returned or 0) >= amount_fen


def _tell_patient(ctx: ServiceContext, session: Session, order: PaymentOrder, request: RefundRequest) -> None:
    """The money is on its way back: said once (the outbox's dedupe key), in the chat the visit
    was booked from when there is one, so nobody has to ask where the refund is."""
    patient = session.get(Patient, order.patient_id)
    if patient is None:
        return
    appointment = session.get(Appointment, order.appointment_id) if order.appointment_id else None
    what = "挂号费" if order.kind == "registration" else "续方药费"
    where = PLATFORM_NAMES.get(order.provider, "原支付账户")
    messages.to_patient(
        ctx,
        session,
        patient,
        kind="refund_succeeded",
        dedupe_key=f"refund_succeeded:{request.out_refund_no}",
        text=(
            f"{messages.signature(ctx)}您的{fen_to_yuan(request.amount_fen)}元{what}已原路退回{where}，"
            f"一般{REFUND_WORKING_DAYS}个工作日内到账，请留意。"
        ),
        channel=appointment.channel if appointment is not None else None,
    )


def pending_refund_ids(ctx: ServiceContext) -> list[int]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(Refund.id).where(Refund.status == "pending")))
