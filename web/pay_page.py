"""The pay page at `/p/<code>`: the one link every channel sends for 去支付.

The page says what is paid for and offers the way to pay that works where it
was opened (User-Agent): WeChat JSAPI inside WeChat, Alipay WAP inside Alipay
or a phone browser, a QR code on a desktop, the console button in development.
It then polls `/p/<code>/status` until the order settles. A forged or expired
code gets a page saying so in Chinese, never the order.
"""

from __future__ import annotations

import io
import logging
import secrets
from datetime import timedelta
from typing import Any

import segno
from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from payments.base import PaymentError
from services.context import ServiceContext
from services.errors import DomainError
from services.hospital_facts import hospital_phone
from services.payments import checkout, links
from services.payments import settlement as payments
from web import pay_oauth
from web.error_status import status_for

bp = Blueprint("pay_page", __name__, url_prefix="/p")
log = logging.getLogger(__name__)
STATUS_GRACE = timedelta(hours=2)  # a page left open past the hold still learns how it ended
PAY_FAILED = "暂时无法连接支付平台，请稍后再试，或拨打医院电话"


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx.acting_as("patient:pay-page")


def _order(code: str, grace: timedelta = timedelta(0)) -> str:
    return links.resolve(_ctx(), code, grace=grace)


def _refused(exc: DomainError) -> tuple[str, int]:
    phone = hospital_phone(current_app.config["SETTINGS"].hospital_facts_file)
    return render_template("pay_refused.html", message=exc.message, hospital_phone=phone), status_for(exc)


@bp.get("/<code>")
def pay_page(code: str) -> Any:
    try:
        out_trade_no = _order(code)
    except (links.LinkInvalid, links.LinkExpired) as exc:
        return _refused(exc)
    ctx = _ctx()
    view = checkout.view(ctx, out_trade_no)
    place = checkout.place_of(request.headers.get("User-Agent", ""))
    settings = current_app.config["SETTINGS"]
    way = checkout.way_for(view.provider, place)
    if way == "jsapi" and view.state == "pending" and not _openid_known(code, out_trade_no):
        auth = pay_oauth.web_auth()
        if auth is not None:  # WeChat tells us who is paying (snsapi_base), then back here
            return pay_oauth.send_to_wechat(code, auth)
    return render_template(
        "pay.html",
        code=code,
        view=view,
        place=place,
        way=way,
        hospital_name=settings.hospital_name,
        hospital_phone=hospital_phone(settings.hospital_facts_file),
    )


def _openid_known(code: str, out_trade_no: str) -> bool:
    return bool(pay_oauth.openid_in_cookie(code) or checkout.order_openid(_ctx(), out_trade_no))


@bp.get("/<code>/oauth")
def wechat_oauth(code: str) -> Any:
    """WeChat's web authorisation comes back here (see web/pay_oauth.py)."""
    try:
        _order(code)
    except (links.LinkInvalid, links.LinkExpired) as exc:
        return _refused(exc)
    return pay_oauth.back_from_wechat(code)


@bp.get("/<code>/status")
def status(code: str) -> Response:
    """The order now; with `check=1` (back from the platform) the platform is asked first."""
    out_trade_no = _order(code, STATUS_GRACE)
    ctx = _ctx()
    if request.args.get("check") == "1":
        try:
            checkout.ask_platform(ctx, out_trade_no)
        except PaymentError as exc:
            log.warning("asking the platform failed", extra={"error": str(exc)})
    view = checkout.view(ctx, out_trade_no)
    return jsonify({"state": view.state, "seconds_left": view.seconds_left})


@bp.get("/<code>/go")
def go(code: str) -> Any:
    """Alipay WAP: the signed cashier URL is made at the tap, so it is always fresh."""
    out_trade_no = _order(code)
    if checkout.view(_ctx(), out_trade_no).provider != "alipay":
        abort(404)  # only an Alipay order has a WAP cashier to go to
    try:
        link = checkout.start(_ctx(), out_trade_no, "wap", return_url=url_for(".pay_page", code=code, _external=True))
    except PaymentError:
        return render_template("pay_refused.html", message=PAY_FAILED, hospital_phone=""), 503
    return redirect(link.pay_url, code=303)


@bp.get("/<code>/qr.svg")
def qr(code: str) -> Response:
    """The order's QR code (Alipay precreate / WeChat Native) to scan with a phone."""
    out_trade_no = _order(code)
    view = checkout.view(_ctx(), out_trade_no)
    if view.provider not in ("alipay", "wechat"):
        abort(404)
    way: checkout.Way = "native" if view.provider == "wechat" else "qr"
    try:
        link = checkout.start(_ctx(), out_trade_no, way)
    except PaymentError:
        abort(503)
    out = io.BytesIO()
    segno.make(link.qr_code or link.pay_url, error="m").save(out, kind="svg", scale=6, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.post("/<code>/jsapi")
def jsapi(code: str) -> Any:
    """The parameters WeixinJSBridge's getBrandWCPayRequest takes, signed for this order."""
    out_trade_no = _order(code)
    if checkout.view(_ctx(), out_trade_no).provider != "wechat":
        abort(404)
    try:
        link = checkout.start(_ctx(), out_trade_no, "jsapi", payer_id=pay_oauth.openid_in_cookie(code))
    except PaymentError:
        return jsonify({"error": "payment_unavailable", "message": PAY_FAILED}), 503
    if not link.js_params:
        return jsonify({"error": "no_openid", "message": "请在关注医院公众号后，从公众号对话中打开这个链接"}), 409
    return jsonify({"js_params": link.js_params})


@bp.post("/<code>/console")
def console_pay(code: str) -> Response:
    """Development only: the console provider's money arrives when the button is pressed."""
    ctx = _ctx()
    if ctx.settings.payment_provider_mode != "console" or ctx.settings.is_production:
        abort(404)
    out_trade_no = _order(code)
    view = checkout.view(ctx, out_trade_no)
    if view.provider != "console":
        abort(404)
    settled = payments.settle_payment(
        ctx.acting_as("payments:console"),
        out_trade_no,
        view.amount_fen,
        provider_trade_no=f"console-{secrets.token_hex(6)}",
    )
    return jsonify({"outcome": settled.outcome})
