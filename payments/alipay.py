"""Alipay (支付宝) through the official `alipay-sdk-python`.

The SDK builds and RSA2-signs every request (`page_execute(…, "GET")` gives the
signed gateway URL). Two things it does not do, which live here:
- verifying notifications: RSA2 (SHA256withRSA) over the non-empty parameters
  except `sign` and `sign_type`, sorted by name, joined as `k=v&k=v`;
- sending API calls: its own HTTP helper drops the port of `server_url`, so a
  gateway on a non-default port (the local fake in tests, a proxy) is
  unreachable. `_request` posts the SDK-signed parameters itself and verifies
  the signature of the response with the Alipay public key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import requests
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.request.AlipayTradeCloseRequest import AlipayTradeCloseRequest
from alipay.aop.api.request.AlipayTradePagePayRequest import AlipayTradePagePayRequest
from alipay.aop.api.request.AlipayTradePrecreateRequest import AlipayTradePrecreateRequest
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest
from alipay.aop.api.request.AlipayTradeRefundRequest import AlipayTradeRefundRequest
from alipay.aop.api.request.AlipayTradeWapPayRequest import AlipayTradeWapPayRequest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from payments.base import (
    NotificationRejected,
    PaymentError,
    PaymentLink,
    PaymentNotification,
    PaymentProvider,
    PaymentRequest,
    RefundRejected,
    RefundRequest,
    TradeQuery,
    TradeState,
    fen_to_yuan,
    fresh,
    yuan_to_fen,
)
from payments.keys import load_private_key, load_public_key, pkcs1_pem

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUCCESS_BODY = "success"  # the exact body Alipay expects; anything else means "send it again"
FAILURE_BODY = "fail"
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")
_QUERY_STATES: dict[str, TradeState] = {
    "WAIT_BUYER_PAY": "pending",
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "TRADE_CLOSED": "closed",
}
_RETRYABLE = ("ACQ.SYSTEM_ERROR", "isp.unknow-error", "aop.ACQ.SYSTEM_ERROR")


# --- signatures ------------------------------------------------------------------


def sign_content(params: Mapping[str, str]) -> str:
    """The string Alipay signs: non-empty parameters except sign/sign_type, sorted, `k=v` joined by `&`."""
    keys = sorted(key for key, value in params.items() if value and key not in ("sign", "sign_type"))
    return "&".join(f"{key}={params[key]}" for key in keys)


def rsa2_sign(private_key: RSAPrivateKey, content: str) -> str:
    return base64.b64encode(private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(public_key: RSAPublicKey, content: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_params(public_key: RSAPublicKey, params: Mapping[str, str]) -> bool:
    """Verify a notification's (or a return URL's) parameters as Alipay signs them."""
    if params.get("sign_type", "RSA2") != "RSA2" or not params.get("sign"):
        return False
    return rsa2_verify(public_key, sign_content(params), params["sign"])


def signed_response_part(text: str, method: str) -> tuple[str, str | None]:
    """The exact `…_response` JSON text Alipay signed, and the signature beside it."""
    key = f'"{method.replace(".", "_")}_response"'
    start = text.find(key)
    if start < 0:
        key = '"error_response"'
        start = text.find(key)
    if start < 0:
        raise PaymentError("unexpected Alipay response shape", code="bad_response")
    brace = text.index("{", start + len(key))
    _, end = json.JSONDecoder().raw_decode(text, brace)
    signature = json.loads(text).get("sign")
    return text[brace:end], signature if isinstance(signature, str) else None


# --- the provider ------------------------------------------------------------------


class AlipayProvider(PaymentProvider):
    name = "alipay"

    def __init__(
        self,
        *,
        app_id: str,
        app_private_key: str,
        alipay_public_key: str,
        gateway_url: str,
        notify_url: str,
        return_url: str | None = None,
        seller_id: str = "",
        default_scene: str = "wap",
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.app_id = app_id
        self.seller_id = seller_id
        self._private_key = load_private_key(app_private_key)
        self._public_key = load_public_key(alipay_public_key)
        self._notify_url = notify_url
        self._return_url = return_url
        self._default_scene = default_scene
        self._timeout = timeout
        self._http = session or requests.Session()
        config = AlipayClientConfig()
        config.app_id = app_id
        config.sign_type = "RSA2"
        config.app_private_key = pkcs1_pem(self._private_key)
        config.server_url = gateway_url
        self._gateway = gateway_url.split("?", 1)[0]
        self._client = DefaultAlipayClient(config)

    # -- creating orders

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        scene = request.scene or self._default_scene
        biz: dict[str, Any] = {
            "out_trade_no": request.out_trade_no,
            "total_amount": fen_to_yuan(request.amount_fen),
            "subject": request.subject,
        }
        if request.expires_at is not None:
            biz["time_expire"] = request.expires_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        if scene == "qr":
            response = self._call(AlipayTradePrecreateRequest(), "alipay.trade.precreate", biz)
            qr = str(response.get("qr_code", ""))
            if not qr:
                raise PaymentError("precreate returned no qr_code", code="bad_response")
            return PaymentLink(pay_url=qr, qr_code=qr)
        page: AlipayTradeWapPayRequest | AlipayTradePagePayRequest
        if scene == "page":
            page = AlipayTradePagePayRequest()
            biz["product_code"] = "FAST_INSTANT_TRADE_PAY"
        else:
            page = AlipayTradeWapPayRequest()
            biz["product_code"] = "QUICK_WAP_WAY"
        return PaymentLink(pay_url=self._signed_url(page, biz, request.return_url))

    # -- asking and changing

    def query(self, out_trade_no: str) -> TradeQuery:
        response = self._call(AlipayTradeQueryRequest(), "alipay.trade.query", {"out_trade_no": out_trade_no})
        if response.get("code") != "10000":
            if response.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return TradeQuery(out_trade_no, "pending")  # the patient never opened the cashier
            return TradeQuery(out_trade_no, "unknown")
        state = _QUERY_STATES.get(str(response.get("trade_status")), "unknown")
        amount = response.get("total_amount")
        return TradeQuery(
            out_trade_no,
            state,
            amount_fen=yuan_to_fen(str(amount)) if amount else None,
            provider_trade_no=str(response.get("trade_no") or "") or None,
        )

    def refund(self, request: RefundRequest) -> str:
        biz = {
            "out_trade_no": request.out_trade_no,
            "refund_amount": fen_to_yuan(request.amount_fen),
            "out_request_no": request.out_refund_no,  # Alipay dedupes on it: a retried refund pays once
            "refund_reason": request.reason[:64],
        }
        response = self._call(AlipayTradeRefundRequest(), "alipay.trade.refund", biz)
        if response.get("code") != "10000":
            raise RefundRejected(f"{response.get('sub_code')}: {response.get('sub_msg')}")
        return str(response.get("trade_no") or request.out_refund_no)

    def close(self, out_trade_no: str) -> None:
        response = self._call(AlipayTradeCloseRequest(), "alipay.trade.close", {"out_trade_no": out_trade_no})
        # Not created at Alipay yet, or already finished: nothing to close either way.
        if response.get("code") != "10000" and response.get("sub_code") not in (
            "ACQ.TRADE_NOT_EXIST",
            "ACQ.TRADE_STATUS_ERROR",
        ):
            raise PaymentError(f"close failed: {response.get('sub_code')}", code=str(response.get("sub_code")))

    # -- notifications

    def parse_notification(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotification:
        try:
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise NotificationRejected("malformed body") from None
        if not verify_params(self._public_key, params):
            raise NotificationRejected("bad signature")
        try:
            sent_at = datetime.strptime(params.get("notify_time", ""), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        except ValueError:
            raise NotificationRejected("no notify_time") from None
        if not fresh(sent_at, now):
            raise NotificationRejected("stale notify_time")
        if params.get("app_id") != self.app_id:
            raise NotificationRejected("app_id is not ours")
        if self.seller_id and params.get("seller_id") != self.seller_id:
            raise NotificationRejected("seller_id is not ours")
        status = params.get("trade_status", "")
        if status in PAID_STATES:
            event = "paid"
        elif status == "TRADE_CLOSED":
            event = "closed"
        else:
            event = "ignored"  # e.g. WAIT_BUYER_PAY: genuine, acknowledged, changes nothing
        try:
            amount = yuan_to_fen(params.get("total_amount", ""))
        except ValueError:
            raise NotificationRejected("bad total_amount") from None
        return PaymentNotification(
            provider=self.name,
            event=event,  # type: ignore[arg-type]
            out_trade_no=params.get("out_trade_no", ""),
            amount_fen=amount,
            provider_trade_no=params.get("trade_no", ""),
            app_id=params["app_id"],
            merchant_id=params.get("seller_id", ""),
            sent_at=sent_at,
        )

    # -- the wire

    def _prepare(self, request: Any, biz: dict[str, Any], return_url: str | None = None) -> Any:
        request.biz_content = biz
        request.notify_url = self._notify_url
        back = return_url or self._return_url  # the order's own pay page first: it shows the outcome
        if back and hasattr(request, "return_url"):
            request.return_url = back
        return request

    def _signed_url(self, request: Any, biz: dict[str, Any], return_url: str | None = None) -> str:
        return str(self._client.page_execute(self._prepare(request, biz, return_url), http_method="GET"))

    def _call(self, request: Any, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        url = self._signed_url(request, biz)
        return self._request(method, dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)))

    def _request(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        """The one choke point for Alipay API calls: post, verify the answer's signature, parse."""
        try:
            response = self._http.post(self._gateway, data=params, timeout=self._timeout)
        except requests.RequestException as exc:
            raise PaymentError(f"{method}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise PaymentError(f"{method}: HTTP {response.status_code}", retryable=response.status_code >= 500)
        text = response.content.decode("utf-8")
        try:
            content, signature = signed_response_part(text, method)
            data = json.loads(content)
        except ValueError:
            raise PaymentError(f"{method}: unreadable response", code="bad_response") from None
        if signature is None:
            if data.get("code") == "10000":
                raise PaymentError(f"{method}: unsigned success", code="unsigned", retryable=False)
        elif not rsa2_verify(self._public_key, content, signature):
            raise PaymentError(f"{method}: response signature invalid", code="bad_signature", retryable=False)
        if data.get("sub_code") in _RETRYABLE:
            raise PaymentError(f"{method}: {data.get('sub_code')}", code=str(data.get("sub_code")))
        return dict(data)
