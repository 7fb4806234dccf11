"""Short pay links (`/p/<code>`): what a text message can carry instead of an order number.

A code is the order's internal row id, the moment it stops working and a
truncated HMAC over both, in lowercase base36 (about 17 characters, safe to
type from an SMS). Nothing is stored: the same order always gets the same code,
a changed character fails the signature, and a code stops working when the
hold it pays for lapses (refill orders, which have no hold, after a day).
The out_trade_no never appears in it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from models import PaymentOrder, utcnow
from services.context import ServiceContext
from services.errors import DomainError

EXPIRY_DIGITS = 6  # minutes since the epoch in base36: 6 digits last well past 2100
MAC_DIGITS = 10  # ~51 bits of HMAC-SHA256
UNHELD_LIFETIME = timedelta(days=1)
_CODE = re.compile(rf"[0-9a-z]{{{EXPIRY_DIGITS + MAC_DIGITS + 1},40}}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class LinkInvalid(DomainError):
    code, message = "pay_link_invalid", "这个支付链接无效，请回到对话中重新点击“去支付”"


class LinkExpired(DomainError):
    code = "pay_link_expired"
    message = (
        "这个支付链接已过期。如果还没有支付，号源已经释放，请回到对话中重新预约；"
        "如果已经支付，请在对话中发送“我的预约”查看"
    )


def _base36(number: int, width: int = 0) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
    return out.rjust(width, "0") or "0"


def _mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"paylink:{body}".encode(), hashlib.sha256).digest()
    return _base36(int.from_bytes(digest[:8], "big"), 13)[-MAC_DIGITS:]


def link_expiry(order: PaymentOrder) -> datetime:
    """When the link stops working: with the hold, or a day after a refill order was made."""
    stamp = order.expires_at or (order.created_at + UNHELD_LIFETIME)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def make_code(secret: str, order_id: int, expires_at: datetime) -> str:
    minutes = -(-int(expires_at.timestamp()) // 60)  # rounded up: never shorter than the hold
    body = _base36(order_id) + _base36(minutes, EXPIRY_DIGITS)
    return body + _mac(secret, body)


def read_code(secret: str, code: str, now: datetime, grace: timedelta = timedelta(0)) -> int:
    """The order id a code names; LinkInvalid when forged or malformed, LinkExpired when late.

    `grace` lets a page already open keep asking how its payment ended after the hold lapsed."""
    if not _CODE.fullmatch(code):
        raise LinkInvalid()
    body, mac = code[:-MAC_DIGITS], code[-MAC_DIGITS:]
    if not hmac.compare_digest(_mac(secret, body), mac):
        raise LinkInvalid()
    order_id, minutes = int(body[:-EXPIRY_DIGITS], 36), int(body[-EXPIRY_DIGITS:], 36)
    if now.timestamp() >= minutes * 60 + grace.total_seconds():
        raise LinkExpired()
    return order_id


def pay_path(ctx: ServiceContext, out_trade_no: str) -> str | None:
    """`/p/<code>` for an order, or None when there is no such order."""
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        if order is None:
            return None
        return f"/p/{make_code(ctx.settings.secret_key, order.id, link_expiry(order))}"


def pay_link(ctx: ServiceContext, out_trade_no: str) -> str | None:
    path = pay_path(ctx, out_trade_no)
    return f"{ctx.settings.public_base_url.rstrip('/')}{path}" if path else None


def resolve(ctx: ServiceContext, code: str, now: datetime | None = None, grace: timedelta = timedelta(0)) -> str:
    """The out_trade_no behind a code that is genuine and unexpired."""
    order_id = read_code(ctx.settings.secret_key, code, now or utcnow(), grace)
    with ctx.db.reading() as session:
        order = session.get(PaymentOrder, order_id)
        if order is None:
            raise LinkInvalid()
        return order.out_trade_no


def with_pay_link(ctx: ServiceContext, appointment: dict[str, Any]) -> dict[str, Any]:
    """An appointment view with `payment.pay_link` when its hold is waiting for the fee:
    what the bot puts behind 去支付 (the platform's own URL stays `pay_url`)."""
    payment = appointment.get("payment")
    waiting = isinstance(payment, dict) and payment.get("status", "pending") == "pending"
    if appointment.get("status") == "held" and waiting and isinstance(payment, dict) and "pay_link" not in payment:
        link = pay_link(ctx, str(payment.get("out_trade_no", "")))
        if link:
            payment["pay_link"] = link
    return appointment
