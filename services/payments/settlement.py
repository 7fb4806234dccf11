"""Settling payments: the one place where money arriving changes state.

A platform may deliver the same notification many times, concurrently, out of
order and after the hold expired. Three things make that safe:
- the ledger's unique event key (`paid:<out_trade_no>`) lets only the first
  delivery through: later ones stop at the INSERT and answer "duplicate";
- the order moves only along `ORDER_TRANSITIONS`, each step a conditional
  UPDATE on the states it may come from (a close never undoes a payment,
  nothing leaves `refunded`);
- everything a payment causes (confirmation, reminders, a refund for a lapsed
  hold, the refill's next step) is written in that same transaction.
Reconciliation asks the platform about orders whose notification never came
and feeds the answer through the same path.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import rows_changed
from models import LedgerEntry, Patient, PaymentOrder, Prescription, RefillRequest, utcnow
from payments.base import PaymentError, PaymentNotification, PaymentRequest, TradeQuery
from payments.router import provider_for
from services import audit
from services.booking import transitions
from services.context import ServiceContext
from services.errors import Conflict, InvalidInput, NotFound
from services.payments.refunds import request_refund

log = logging.getLogger(__name__)
REFILL_PAYABLE = ("reviewed",)  # the doctor signed and the pharmacist approved: only then is it charged
# A payment is accepted from "signed" too: orders made at signing, before the fee waited for the
# pharmacist, may still be paid; the pharmacist reviews those after (refill_review.PHARMACIST_QUEUE).
REFILL_SETTLES_FROM = ("signed", "reviewed")
ITEMS_CONTEXT = "prescriptions.items"


class AmountMismatch(InvalidInput):
    code, message = "amount_mismatch", "支付金额与订单不一致"


class NotificationMismatch(InvalidInput):
    code, message = "notification_mismatch", "支付通知与订单不符"


class NotPayable(Conflict):
    code, message = "not_payable", "这个续方还不能支付，请等医生和药师审核通过"


@dataclass(frozen=True)
class Settlement:
    out_trade_no: str
    outcome: str  # confirmed | refunding | duplicate | closed | ignored


# --- money arriving ----------------------------------------------------------------


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
            return _apply_paid(ctx, session, order, provider_trade_no, now)
    except IntegrityError:
        return Settlement(out_trade_no, "duplicate")


def _apply_paid(
    ctx: ServiceContext, session: Session, order: PaymentOrder, provider_trade_no: str, now: datetime
) -> Settlement:
    was_pending = order.status == "pending"
    moved = rows_changed(
        session,
        update(PaymentOrder)
        .where(PaymentOrder.id == order.id, PaymentOrder.status.in_(("pending", "closed")))
        .values(status="paid", paid_at=now, provider_trade_no=provider_trade_no),
    )
    audit.record(ctx, session, action="payment.paid", patient_id=order.patient_id, subject=order.out_trade_no)
    session.refresh(order)
    if moved != 1:
        # Already refunded (the money came and went before this event was seen): record only.
        return Settlement(order.out_trade_no, "duplicate")
    if order.appointment_id is not None:
        if was_pending and transitions.confirm_paid(ctx, session, order.appointment_id, now):
            from services.notifications import reminders

            reminders.queue_for_appointment(ctx, session, order.appointment_id)
            return Settlement(order.out_trade_no, "confirmed")
    elif order.refill_request_id is not None:
        if _refill_paid(ctx, session, order, now):
            return Settlement(order.out_trade_no, "confirmed")
    else:
        return Settlement(order.out_trade_no, "confirmed")
    # Money for a hold that lapsed or was cancelled, or a refill no longer wanted, goes back.
    request_refund(session, order, reason="late_payment")
    return Settlement(order.out_trade_no, "refunding")


def _refill_paid(ctx: ServiceContext, session: Session, order: PaymentOrder, now: datetime) -> bool:
    refill_id = order.refill_request_id
    moved = rows_changed(
        session,
        update(RefillRequest)
        .where(RefillRequest.id == refill_id, RefillRequest.status.in_(REFILL_SETTLES_FROM))
        .values(status="paid"),
    )
    if moved != 1:
        return False
    refill = session.get(RefillRequest, refill_id)
    patient = session.get(Patient, order.patient_id)
    assert refill is not None and patient is not None
    from services.clinical import followups

    followups.queue_refill_paid(ctx, session, refill, patient)
    return True


def handle_notification(ctx: ServiceContext, provider: str, note: PaymentNotification) -> Settlement:
    """A verified platform notification, checked against our order, then applied."""
    if note.event == "ignored":
        return Settlement(note.out_trade_no, "ignored")
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == note.out_trade_no))
        if order is None:
            raise NotFound("没有找到这笔订单")
        if order.provider != provider:
            raise NotificationMismatch(field="provider")
        if note.amount_fen != order.amount_fen:
            raise AmountMismatch(expected=order.amount_fen, got=note.amount_fen)
    if note.event == "closed":
        return close_from_platform(ctx, note.out_trade_no)
    return settle_payment(ctx, note.out_trade_no, note.amount_fen, note.provider_trade_no)


def close_from_platform(ctx: ServiceContext, out_trade_no: str) -> Settlement:
    """The platform closed the trade. Only an unpaid order follows; a paid or refunded one stays."""
    now = utcnow()
    with ctx.db.transaction() as session:
        moved = rows_changed(
            session,
            update(PaymentOrder)
            .where(PaymentOrder.out_trade_no == out_trade_no, PaymentOrder.status == "pending")
            .values(status="closed", closed_at=now, provider_closed_at=now),
        )
        if moved:
            audit.record(ctx, session, action="payment.closed", subject=out_trade_no)
    return Settlement(out_trade_no, "closed" if moved else "ignored")


def settle_platform_refund(ctx: ServiceContext, out_trade_no: str, provider_trade_no: str) -> Settlement:
    """The platform says the money came and already went back (e.g. refunded by staff in the
    merchant console before any notification reached us): record both, end `refunded`."""
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        if order is None:
            raise NotFound("没有找到这笔订单")
        amount = order.amount_fen
    settle_payment(ctx, out_trade_no, amount, provider_trade_no)
    try:
        with ctx.db.transaction() as session:
            order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
            assert order is not None
            session.add(
                LedgerEntry(event_key=f"refund-platform:{out_trade_no}", payment_order_id=order.id, amount_fen=-amount)
            )
            session.flush()
            session.execute(
                update(PaymentOrder)
                .where(PaymentOrder.id == order.id, PaymentOrder.status == "paid")
                .values(status="refunded")
            )
            # A refund we had queued for it must not pay out a second time.
            from models import Refund

            session.execute(
                update(Refund)
                .where(Refund.payment_order_id == order.id, Refund.status == "pending")
                .values(status="succeeded", settled_at=utcnow())
            )
    except IntegrityError:
        return Settlement(out_trade_no, "duplicate")
    return Settlement(out_trade_no, "refunded")


# --- reconciliation ---------------------------------------------------------------


def orders_to_reconcile(ctx: ServiceContext, now: datetime | None = None, batch: int = 200) -> list[int]:
    """Open orders old enough that their notification should have come, and closed
    orders the platform has not been told about yet."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=ctx.settings.reconcile_after_minutes)
    with ctx.db.reading() as session:
        return list(
            session.scalars(
                select(PaymentOrder.id)
                .where(
                    PaymentOrder.provider != "console",
                    or_(
                        (PaymentOrder.status == "pending") & (PaymentOrder.created_at <= cutoff),
                        (PaymentOrder.status == "closed") & PaymentOrder.provider_closed_at.is_(None),
                    ),
                    or_(PaymentOrder.queried_at.is_(None), PaymentOrder.queried_at <= cutoff),
                )
                .order_by(PaymentOrder.id)
                .limit(batch)
            )
        )


def reconcile_order(ctx: ServiceContext, order_id: int) -> str:
    """Ask the platform about one order and settle what it says. Safe to repeat."""
    with ctx.db.reading() as session:
        order = session.get(PaymentOrder, order_id)
        if order is None:
            return "missing"
        out_trade_no, provider_name, status = order.out_trade_no, order.provider, order.status
    provider = provider_for(ctx.payments, provider_name)
    answer: TradeQuery = provider.query(out_trade_no)
    with ctx.db.transaction() as session:
        session.execute(update(PaymentOrder).where(PaymentOrder.id == order_id).values(queried_at=utcnow()))
    if answer.state == "paid":
        if answer.amount_fen is not None:
            return settle_payment(ctx, out_trade_no, answer.amount_fen, answer.provider_trade_no or "").outcome
        return "unknown"
    if answer.state == "refunded":
        return settle_platform_refund(ctx, out_trade_no, answer.provider_trade_no or "").outcome
    if status == "closed" and answer.state in ("pending", "closed"):
        try:
            provider.close(out_trade_no)
        except PaymentError as exc:
            log.warning("closing the order at the platform failed", extra={"order": out_trade_no, "error": str(exc)})
            return "close_failed"
        with ctx.db.transaction() as session:
            session.execute(update(PaymentOrder).where(PaymentOrder.id == order_id).values(provider_closed_at=utcnow()))
        return "closed"
    return answer.state


# --- refills ----------------------------------------------------------------------


def _refill_amount(ctx: ServiceContext, session: Session, refill: RefillRequest) -> int:
    """The drugs' price as the pharmacy priced them on the prescription (`price_fen` per item)."""
    prescription = session.get(Prescription, refill.prescription_id)
    assert prescription is not None
    items = json.loads(ctx.cipher.decrypt(prescription.items_enc, ITEMS_CONTEXT))
    total = 0
    for item in items if isinstance(items, list) else []:
        price, quantity = item.get("price_fen"), item.get("quantity", 1)
        if not isinstance(price, int) or not isinstance(quantity, int) or price < 0 or quantity < 1:
            raise InvalidInput("续方药费尚未核定，请稍后再试")
        total += price * quantity
    if total <= 0:
        raise InvalidInput("续方药费尚未核定，请稍后再试")
    return total


def create_refill_payment(
    ctx: ServiceContext, refill_id: str, amount_fen: int | None = None, scene: str | None = None
) -> dict[str, Any]:
    """The payment order for a refill the doctor signed and the pharmacist approved; the same
    order again if asked twice.

    `amount_fen` is what the pharmacy charges; without it the prescription items'
    `price_fen × quantity` are summed.
    """
    with ctx.db.transaction() as session:
        # Updating the refill first serialises two requests for the same refill.
        locked = rows_changed(
            session,
            update(RefillRequest).where(RefillRequest.id == refill_id).values(attempts=RefillRequest.attempts + 0),
        )
        refill = session.get(RefillRequest, refill_id) if locked else None
        if refill is None:
            raise NotFound("没有找到这个续方申请")
        existing = session.scalar(
            select(PaymentOrder).where(
                PaymentOrder.refill_request_id == refill_id, PaymentOrder.status.in_(("pending", "paid"))
            )
        )
        if existing is not None and existing.status == "paid":
            raise Conflict("这个续方已经支付过了")
        if refill.status not in REFILL_PAYABLE:
            raise NotPayable()
        amount = amount_fen if amount_fen is not None else _refill_amount(ctx, session, refill)
        if amount <= 0:
            raise InvalidInput("续方药费有误")
        order = existing or PaymentOrder(
            kind="refill",
            refill_request_id=refill.id,
            patient_id=refill.patient_id,
            amount_fen=amount,
            provider=ctx.payments.name,
        )
        if existing is None:
            session.add(order)
            session.flush()
            audit.record(ctx, session, action="refill.payment", patient_id=refill.patient_id, subject=refill.id)
        link = ctx.payments.create_order(
            PaymentRequest(order.out_trade_no, order.amount_fen, "续方药费", scene=scene)  # type: ignore[arg-type]
        )
        return {
            "refill_id": refill.id,
            "out_trade_no": order.out_trade_no,
            "amount_fen": order.amount_fen,
            "pay_url": link.pay_url,
            "qr_code": link.qr_code,
        }


# --- reading ----------------------------------------------------------------------


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
