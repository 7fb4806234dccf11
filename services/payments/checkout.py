"""The pay page's use cases: what is being paid for, and how to pay where the page was opened.

An order keeps the provider it was made with (`PaymentOrder.provider`): the
platform that may take the money is the one notifications are accepted from and
reconciliation asks, so a patient can never pay the same order on two platforms.
The page therefore offers that provider's way for where it is opened, and where
that platform cannot work (an Alipay page inside WeChat, which blocks it) it says
how to get there instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select

from models import Appointment, Patient, PaymentOrder, utcnow
from payments.base import PaymentError, PaymentLink, PaymentRequest, Scene, fen_to_yuan
from services.booking import queries
from services.booking.calendar import SHANGHAI
from services.context import ServiceContext
from services.errors import Conflict, NotFound
from services.notifications.messages import app_channel
from services.patients.identity import mask_name
from services.patients.registry import patient_name
from services.payments.refill_pay import refill_lines

log = logging.getLogger(__name__)
Way = Literal["console", "wap", "qr", "jsapi", "native", "open_in_browser", "open_in_wechat"]
Place = Literal["wechat", "alipay", "phone", "desktop"]
WEEKDAYS = "一二三四五六日"


class HoldLapsed(Conflict):
    code, message = "hold_lapsed", "支付时间已过，号源已释放，请回到对话中重新预约"


@dataclass(frozen=True)
class PayView:
    """What the page shows. `state`: pending | paid | released | refunding | refunded."""

    out_trade_no: str
    kind: str
    state: str
    amount_fen: int
    amount_yuan: str
    seconds_left: int
    provider: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (label, value) rows of what is paid for
    appointment_status: str | None = None


def place_of(user_agent: str) -> Place:
    """Where the page was opened, from the User-Agent the two platforms' in-app browsers send."""
    agent = user_agent.lower()
    if "micromessenger" in agent:
        return "wechat"
    if "alipayclient" in agent:
        return "alipay"
    if any(word in agent for word in ("mobile", "android", "iphone", "ipad")):
        return "phone"
    return "desktop"


def way_for(provider: str, place: Place) -> Way:
    if provider == "console":
        return "console"
    if provider == "wechat":
        return {"wechat": "jsapi", "desktop": "native"}.get(place, "open_in_wechat")  # type: ignore[return-value]
    # Alipay: WeChat's browser refuses Alipay pages, so the patient opens the link elsewhere.
    return {"wechat": "open_in_browser", "desktop": "qr"}.get(place, "wap")  # type: ignore[return-value]


def _state(order: PaymentOrder, appointment: Appointment | None, now: datetime) -> str:
    if order.status == "refunded":
        return "refunded"
    if order.status == "paid":
        if appointment is not None and appointment.status not in ("confirmed", "checked_in", "completed"):
            return "refunding"  # the money came after the hold lapsed; settlement queued its refund
        return "paid"
    if order.status == "closed" or (order.expires_at is not None and order.expires_at <= now):
        return "released"
    return "pending"


def view(ctx: ServiceContext, out_trade_no: str, now: datetime | None = None) -> PayView:
    now = now or utcnow()
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        if order is None:
            raise NotFound("没有找到这笔订单")
        patient = session.get(Patient, order.patient_id)
        appointment = session.get(Appointment, order.appointment_id) if order.appointment_id else None
        lines: list[tuple[str, str]] = []
        if appointment is not None:
            slot = appointment.slot
            start = slot.start_at.astimezone(SHANGHAI)
            lines += [
                ("科室", slot.department.name),
                ("医生", f"{slot.doctor.name} {slot.doctor.title}".strip()),
                ("就诊时间", f"{start:%m月%d日} 星期{WEEKDAYS[start.weekday()]} {start:%H:%M}"),
                ("就诊地点", slot.department.location or ""),
            ]
            carried = session.scalar(  # a moved visit: what was paid before comes off (reschedule)
                select(func.coalesce(func.sum(PaymentOrder.amount_fen), 0)).where(
                    PaymentOrder.appointment_id == appointment.id,
                    PaymentOrder.status == "paid",
                    PaymentOrder.id != order.id,
                )
            )
            if carried:
                fee, paid = fen_to_yuan(appointment.fee_fen), fen_to_yuan(carried)
                lines.append(("说明", f"改约补差价：挂号费{fee}元，已付{paid}元"))
        elif order.refill_request_id is not None:
            lines += refill_lines(ctx, session, order.refill_request_id)  # which drugs, how they come
        else:
            lines.append(("项目", "续方药费"))
        if patient is not None:
            lines.append(("就诊人", mask_name(patient_name(ctx.cipher, patient))))
        state = _state(order, appointment, now)
        left = 0
        if state == "pending" and order.expires_at is not None:
            left = max(0, int((order.expires_at - now).total_seconds()))
        return PayView(
            out_trade_no=order.out_trade_no,
            kind=order.kind,
            state=state,
            amount_fen=order.amount_fen,
            amount_yuan=fen_to_yuan(order.amount_fen),
            seconds_left=left,
            provider=order.provider,
            lines=[(label, value) for label, value in lines if value],
            appointment_status=appointment.status if appointment else None,
        )


def wechat_openid(ctx: ServiceContext, patient_id: str) -> str | None:
    """The openid JSAPI needs: the patient's own WeChat identity with this hospital's account."""
    with ctx.db.reading() as session:
        found = app_channel(session, ctx.cipher, patient_id)
    return found[1] if found and found[0] == "wechat" else None


def order_openid(ctx: ServiceContext, out_trade_no: str) -> str | None:
    """The WeChat openid the order's patient is known by here, if any."""
    with ctx.db.reading() as session:
        patient_id = session.scalar(select(PaymentOrder.patient_id).where(PaymentOrder.out_trade_no == out_trade_no))
    return wechat_openid(ctx, patient_id) if patient_id else None


def start(
    ctx: ServiceContext, out_trade_no: str, way: Way, return_url: str | None = None, payer_id: str | None = None
) -> PaymentLink:
    """Hand the order to its platform in the scene `way` names; the page sends the patient on.

    `payer_id`: the openid WeChat's web authorisation gave for whoever has the page open
    (they pay, perhaps for a parent); else the patient's own WeChat identity."""
    current = view(ctx, out_trade_no)
    if current.state == "released":
        raise HoldLapsed()
    if current.state != "pending":
        raise Conflict("这笔订单已经支付过了")
    scene: Scene = {"console": "console", "wap": "wap", "qr": "qr", "jsapi": "jsapi"}.get(way, "native")  # type: ignore[assignment]
    payer = None
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        assert order is not None
        patient_id, expires_at = order.patient_id, order.expires_at
    if scene == "jsapi":
        payer = payer_id or wechat_openid(ctx, patient_id)
        if payer is None:
            scene = "native"
    subject = "挂号费" if current.kind == "registration" else "续方药费"
    from payments.router import provider_for

    provider = provider_for(ctx.payments, current.provider)
    return provider.create_order(
        PaymentRequest(
            out_trade_no,
            current.amount_fen,
            subject,
            scene=scene,
            payer_id=payer,
            expires_at=expires_at,
            return_url=return_url,
        )
    )


def ask_platform(ctx: ServiceContext, out_trade_no: str) -> None:
    """Back from the cashier before the notification: ask the platform, settle what it says
    (the same path reconciliation takes; safe to repeat)."""
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        if order is None or order.status != "pending" or order.provider == "console":
            return
        order_id = order.id
    from services.payments.settlement import reconcile_order

    reconcile_order(ctx, order_id)


def check_appointment(ctx: ServiceContext, appointment_id: str) -> dict[str, Any]:
    """On 我付过了 the platform is asked about a held visit's open order before the bot
    answers, so a payment whose notification is late confirms the visit now. A platform
    that does not answer leaves the visit as it was (the notification or reconciliation
    settles it later); the patient is then shown the link and the time left."""
    current = queries.get_appointment(ctx, appointment_id)
    payment = current.get("payment") or {}
    if current["status"] == "held" and payment.get("status") == "pending":
        try:
            ask_platform(ctx, str(payment["out_trade_no"]))
        except PaymentError as exc:
            log.warning("asking the platform failed", extra={"appointment": appointment_id, "error": str(exc)})
        current = queries.get_appointment(ctx, appointment_id)
    return current
