"""The console payment provider's "pay now" page (development and test only).

It stands where Alipay's or WeChat's cashier would: the patient sees the amount,
taps pay, and the same settlement path as a verified platform notification runs.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, render_template

from services.context import ServiceContext
from services.payments import settlement as payments
from web.context import service_context

bp = Blueprint("console_pay", __name__, url_prefix="/payments/console")


def _ctx() -> ServiceContext:
    ctx: ServiceContext = service_context()
    if ctx.settings.payment_provider_mode != "console" or ctx.settings.is_production:
        abort(404)
    return ctx.acting_as("payments:console")


@bp.get("/<out_trade_no>")
def pay_page(out_trade_no: str) -> Any:
    order = payments.order_summary(_ctx(), out_trade_no)
    return render_template("console_pay.html", order=order, done=None)


@bp.post("/<out_trade_no>")
def pay(out_trade_no: str) -> Any:
    ctx = _ctx()
    order = payments.order_summary(ctx, out_trade_no)
    settlement = payments.settle_payment(
        ctx, out_trade_no, order["amount_fen"], provider_trade_no=f"console-{secrets.token_hex(6)}"
    )
    return render_template("console_pay.html", order=order, done=settlement.outcome)
