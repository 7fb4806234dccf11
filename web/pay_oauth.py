"""WeChat web authorisation on the pay page: the openid a JSAPI payment needs, for a
page opened inside WeChat by someone WeChat has not introduced to us yet.

`/p/<code>` inside WeChat, for a WeChat order, with no openid at hand, sends the
browser to WeChat's authorize endpoint (snsapi_base: no question asked) with a
`state` that is also kept in a short-lived signed HttpOnly cookie; WeChat sends it
back to `/p/<code>/oauth?code=…&state=…`. Only a state equal to the cookie's, for
the same pay code, is accepted (a link forged to attach someone else's openid to
this browser fails: it carries no cookie of ours), the cookie is then spent, the
code exchanged for the openid by wechatpy's OAuth client, and the openid kept in
a signed cookie for this pay code only.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse

from integrations.channels.wechat_oauth import OAuthFailed, WeChatOAuthConfig, WeChatWebAuth
from services.hospital_facts import hospital_phone

log = logging.getLogger(__name__)
STATE_COOKIE, OPENID_COOKIE = "pay_wx_state", "pay_wx_openid"
STATE_SECONDS, OPENID_SECONDS = 600, 1800
STALE = "这个页面已过期，或不是从“去支付”打开的。请回到对话中重新点击“去支付”。"
WECHAT_DOWN = "暂时无法连接微信，请稍后再试，或拨打医院电话。"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SETTINGS"].secret_key, salt=f"pay-wechat-{purpose}")


def web_auth() -> WeChatWebAuth | None:
    """The OAuth client when the official account's secret is configured, else None."""
    settings = current_app.config["SETTINGS"]
    app_id = settings.wechat_pay_app_id or settings.wechat_app_id
    if not (app_id and settings.wechat_app_secret):
        return None
    return WeChatWebAuth(
        WeChatOAuthConfig(
            app_id=app_id,
            secret=settings.wechat_app_secret,
            authorize_base_url=settings.wechat_oauth_authorize_url,
            api_base_url=settings.wechat_oauth_api_base_url,
        )
    )


def openid_in_cookie(code: str) -> str | None:
    """The openid this browser was given for this pay code, if any."""
    raw = request.cookies.get(OPENID_COOKIE)
    if not raw:
        return None
    try:
        kept = _serializer("openid").loads(raw, max_age=OPENID_SECONDS)
    except BadSignature:
        return None
    if not isinstance(kept, dict) or kept.get("code") != code or not kept.get("openid"):
        return None
    return str(kept["openid"])


def _callback_url(code: str) -> str:
    base = current_app.config["SETTINGS"].public_base_url.rstrip("/")
    return base + url_for("pay_page.wechat_oauth", code=code)


def send_to_wechat(code: str, auth: WeChatWebAuth) -> WerkzeugResponse:
    """Off to WeChat's authorize endpoint; the state goes along and into our cookie."""
    state = secrets.token_urlsafe(16)
    response = redirect(auth.authorize_url(_callback_url(code), state), code=302)
    response.set_cookie(
        STATE_COOKIE,
        _serializer("state").dumps({"code": code, "state": state}),
        max_age=STATE_SECONDS,
        path="/p/",
        httponly=True,
        samesite="Lax",  # WeChat's redirect back is a top-level GET: the cookie comes along
        secure=request.is_secure,
    )
    return response


def _refused(message: str, status: int) -> tuple[str, int]:
    phone = hospital_phone(current_app.config["SETTINGS"].hospital_facts_file)
    return render_template("pay_refused.html", message=message, hospital_phone=phone), status


def back_from_wechat(code: str) -> Any:
    """WeChat's redirect: state checked against our cookie, the code exchanged once."""
    auth = web_auth()
    if auth is None:
        return _refused(STALE, 404)
    try:
        kept = _serializer("state").loads(request.cookies.get(STATE_COOKIE, ""), max_age=STATE_SECONDS)
    except BadSignature:
        kept = None
    state, wechat_code = request.args.get("state", ""), request.args.get("code", "")
    if (
        not isinstance(kept, dict)
        or kept.get("code") != code
        or not state
        or not hmac.compare_digest(str(kept.get("state", "")), state)
        or not wechat_code
    ):
        return _refused(STALE, 400)
    try:
        openid = auth.openid_for(wechat_code, _callback_url(code))
    except OAuthFailed as exc:
        log.warning("WeChat web authorisation failed", extra={"error": str(exc)})
        return _refused(WECHAT_DOWN, 502)
    response = redirect(url_for("pay_page.pay_page", code=code), code=303)
    response.delete_cookie(STATE_COOKIE, path="/p/")  # one state, one use
    response.set_cookie(
        OPENID_COOKIE,
        _serializer("openid").dumps({"code": code, "openid": openid}),
        max_age=OPENID_SECONDS,
        path="/p/",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
