"""Settling payments: the one place where money arriving changes state.

A platform may deliver the same notification many times, concurrently, and
after the hold expired. The ledger's unique event key makes the first delivery
the only one that counts; the order's conditional UPDATE decides what happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from models import LedgerEntry, PaymentOrder, utcnow
from services import audit, booking
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.refunds import request_refund


class AmountMismatch(InvalidInput):
    code, message = "amount_mismatch", "支付金额与订单不一致"


@dataclass(frozen=True)
class Settlement:
    out_trade_no: str
    outcome: str  # confirmed | refunding | duplicate


def settle_payment(ctx: ServiceContext, out_trade_no: str, amount_fen: int, provider_trade_no: str) -> Settlement:
    now = utcnow()
    try:
        with ctx.db.transaction() as session:
            order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
            if order is None:
                raise NotFound("没有找到这笔订单")
            if order.amount_fen != amount_fen:
                raise AmountMismatch(expected=order.amount_fen, got=amount_fen)
            session.add(LedgerEntry(event_key=f"paid:{out_trade_no}", payment_order_id=order.id, amount_fen=amount_fen))
            session.flush()  # a second delivery stops here on the unique event key
            was_open = order.status == "pending"
            session.execute(
                update(PaymentOrder)
                .where(PaymentOrder.id == order.id)
                .values(status="paid", paid_at=now, provider_trade_no=provider_trade_no)
            )
            audit.record(
                session, actor=ctx.actor, action="payment.paid", patient_id=order.patient_id, subject=out_trade_no
            )
            if order.appointment_id and was_open and booking.confirm_paid(ctx, session, order.appointment_id, now):
                return Settlement(out_trade_no, "confirmed")
            if order.appointment_id is None and order.kind != "registration":
                return Settlement(out_trade_no, "confirmed")
            # Money for a hold that already expired or was cancelled goes back.
            session.refresh(order)
            request_refund(session, order, reason="late_payment")
            return Settlement(out_trade_no, "refunding")
    except IntegrityError:
        return Settlement(out_trade_no, "duplicate")


def order_summary(ctx: ServiceContext, out_trade_no: str) -> dict[str, Any]:
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        if order is None:
            raise NotFound("没有找到这笔订单")
        if order.status not in ("pending", "paid", "closed", "refunded"):
            raise Conflict()
        return {
            "out_trade_no": order.out_trade_no,
            "amount_fen": order.amount_fen,
            "status": order.status,
            "kind": order.kind,
        }
