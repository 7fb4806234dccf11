"""WeChat Pay API v3 (微信支付) through `wechatpayv3`: JSAPI (inside WeChat) and
Native (a QR code for the web page).

The SDK signs requests with the merchant key and verifies answers with the
WeChat Pay platform public key (public-key mode: `public_key` + `public_key_id`,
so starting a process never downloads certificates). Notifications are
verified here, not by the SDK, because the SDK does not refuse stale
timestamps: `Wechatpay-Serial` must name our platform key, the RSA-SHA256
signature over "timestamp\\nnonce\\nbody\\n" must hold, the timestamp must be
within 5 minutes, and the `resource` is AES-256-GCM decrypted with the APIv3 key.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import WeChatPay, WeChatPayType

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
    fresh,
)
from payments.keys import load_private_key, load_public_key, public_pem

SUCCESS_JSON = {"code": "SUCCESS", "message": "成功"}
FAILURE_JSON = {"code": "FAIL", "message": "失败"}
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
_QUERY_STATES: dict[str, TradeState] = {
    "SUCCESS": "paid",
    "REFUND": "refunded",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "PAYERROR": "pending",
    "CLOSED": "closed",
    "REVOKED": "closed",
}


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
    return value or ""


def decrypt_resource(apiv3_key: str, resource: Mapping[str, Any]) -> dict[str, Any]:
    """AEAD_AES_256_GCM with the APIv3 key; the nonce and associated data come in clear."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise NotificationRejected("unsupported resource algorithm")
    try:
        plain = AESGCM(apiv3_key.encode()).decrypt(
            str(resource["nonce"]).encode(),
            base64.b64decode(str(resource["ciphertext"])),
            str(resource.get("associated_data") or "").encode(),
        )
        data = json.loads(plain)
    except (InvalidTag, KeyError, ValueError):
        raise NotificationRejected("resource does not decrypt") from None
    if not isinstance(data, dict):
        raise NotificationRejected("resource is not an object")
    return data


class WeChatPayProvider(PaymentProvider):
    name = "wechat"

    def __init__(
        self,
        *,
        app_id: str,
        mch_id: str,
        merchant_private_key: str,
        merchant_serial_no: str,
        apiv3_key: str,
        platform_public_key: str,
        platform_public_key_id: str,
        notify_url: str,
        gateway_url: str = "https://api.mch.weixin.qq.com",
        default_scene: str = "native",
        timeout: float = 10.0,
    ) -> None:
        if len(apiv3_key.encode()) != 32:
            raise ValueError("the WeChat Pay APIv3 key is 32 bytes")
        self.app_id = app_id
        self.mch_id = mch_id
        self._apiv3_key = apiv3_key
        self._platform_key = load_public_key(platform_public_key)
        self._platform_key_id = platform_public_key_id
        self._default_scene = default_scene
        self._client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=mch_id,
            private_key=_pem_private(merchant_private_key),
            cert_serial_no=merchant_serial_no,
            appid=app_id,
            apiv3_key=apiv3_key,
            notify_url=notify_url,
            timeout=(3, timeout),
            public_key=public_pem(self._platform_key),
            public_key_id=platform_public_key_id,
        )
        # The SDK has no public knob for its gateway; tests and proxies need one.
        self._client._core._gate_way = gateway_url.rstrip("/")

    # -- creating orders

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        scene = request.scene or self._default_scene
        extra: dict[str, Any] = {}
        if request.expires_at is not None:
            extra["time_expire"] = request.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        if scene == "jsapi":
            if not request.payer_id:
                raise PaymentError("JSAPI needs the payer's openid", code="no_payer", retryable=False)
            data = self._request(
                "pay",
                description=request.subject,
                out_trade_no=request.out_trade_no,
                amount={"total": request.amount_fen, "currency": "CNY"},
                payer={"openid": request.payer_id},
                pay_type=WeChatPayType.JSAPI,
                **extra,
            )
            prepay_id = str(data.get("prepay_id", ""))
            if not prepay_id:
                raise PaymentError("no prepay_id", code="bad_response")
            return PaymentLink(pay_url=f"weixin-jsapi:{prepay_id}", js_params=self.jsapi_params(prepay_id))
        data = self._request(
            "pay",
            description=request.subject,
            out_trade_no=request.out_trade_no,
            amount={"total": request.amount_fen, "currency": "CNY"},
            pay_type=WeChatPayType.NATIVE,
            **extra,
        )
        code_url = str(data.get("code_url", ""))
        if not code_url:
            raise PaymentError("no code_url", code="bad_response")
        return PaymentLink(pay_url=code_url, qr_code=code_url)

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What the WeChat page passes to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`."""
        timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        pay_sign = self._client.sign([self.app_id, timestamp, nonce, package])
        return {
            "appId": self.app_id,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": str(pay_sign),
        }

    # -- asking and changing

    def query(self, out_trade_no: str) -> TradeQuery:
        try:
            data = self._request("query", out_trade_no=out_trade_no)
        except PaymentError as exc:
            if exc.code == "ORDER_NOT_EXIST":
                return TradeQuery(out_trade_no, "pending")
            raise
        amount = data.get("amount") or {}
        total = amount.get("total") if isinstance(amount, dict) else None
        return TradeQuery(
            out_trade_no,
            _QUERY_STATES.get(str(data.get("trade_state")), "unknown"),
            amount_fen=int(total) if isinstance(total, int) else None,
            provider_trade_no=str(data.get("transaction_id") or "") or None,
        )

    def refund(self, request: RefundRequest) -> str:
        try:
            data = self._request(
                "refund",
                out_refund_no=request.out_refund_no,  # WeChat dedupes on it
                amount={"refund": request.amount_fen, "total": request.amount_fen, "currency": "CNY"},
                out_trade_no=request.out_trade_no,
                reason=request.reason[:80],
            )
        except PaymentError as exc:
            if not exc.retryable:
                raise RefundRejected(str(exc)) from None
            raise
        return str(data.get("refund_id") or request.out_refund_no)

    def close(self, out_trade_no: str) -> None:
        try:
            self._request("close", out_trade_no=out_trade_no)
        except PaymentError as exc:
            if exc.code not in ("ORDER_CLOSED", "ORDER_PAID", "ORDER_NOT_EXIST"):
                raise

    # -- notifications

    def parse_notification(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotification:
        if _header(headers, "Wechatpay-Signature-Type") not in ("", SIGNATURE_TYPE):
            raise NotificationRejected("unsupported signature type")
        if _header(headers, "Wechatpay-Serial") != self._platform_key_id:
            raise NotificationRejected("unknown platform key serial")
        timestamp, nonce = _header(headers, "Wechatpay-Timestamp"), _header(headers, "Wechatpay-Nonce")
        if not timestamp.isdigit() or not nonce:
            raise NotificationRejected("missing timestamp or nonce")
        try:
            text = body.decode("utf-8")
            signature = base64.b64decode(_header(headers, "Wechatpay-Signature"), validate=True)
            self._platform_key.verify(
                signature, f"{timestamp}\n{nonce}\n{text}\n".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, UnicodeDecodeError, ValueError):
            raise NotificationRejected("bad signature") from None
        sent_at = datetime.fromtimestamp(int(timestamp), UTC)
        if not fresh(sent_at, now):
            raise NotificationRejected("stale timestamp")
        try:
            envelope = json.loads(text)
        except ValueError:
            raise NotificationRejected("body is not JSON") from None
        if not isinstance(envelope, dict) or envelope.get("resource_type") != "encrypt-resource":
            raise NotificationRejected("no encrypted resource")
        resource = decrypt_resource(self._apiv3_key, envelope.get("resource") or {})
        if envelope.get("event_type") != "TRANSACTION.SUCCESS" or resource.get("trade_state") != "SUCCESS":
            event = "ignored"  # refund results and the like: acknowledged, nothing to settle
        else:
            event = "paid"
        if resource.get("mchid", self.mch_id) != self.mch_id:
            raise NotificationRejected("mchid is not ours")
        if resource.get("appid", self.app_id) != self.app_id:
            raise NotificationRejected("appid is not ours")
        amount = resource.get("amount") or {}
        total = amount.get("total") if isinstance(amount, dict) else None
        if event == "paid" and (not isinstance(total, int) or isinstance(total, bool)):
            raise NotificationRejected("no amount")
        return PaymentNotification(
            provider=self.name,
            event=event,  # type: ignore[arg-type]
            out_trade_no=str(resource.get("out_trade_no", "")),
            amount_fen=int(total or 0),
            provider_trade_no=str(resource.get("transaction_id", "")),
            app_id=str(resource.get("appid", "")),
            merchant_id=str(resource.get("mchid", "")),
            sent_at=sent_at,
        )

    # -- the wire

    def _request(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """The one choke point for WeChat Pay calls: typed errors, parsed JSON."""
        try:
            code, message = getattr(self._client, operation)(**kwargs)
        except requests.RequestException as exc:
            raise PaymentError(f"{operation}: {type(exc).__name__}") from None
        except Exception as exc:  # the SDK raises bare Exception, e.g. for a bad response signature
            raise PaymentError(f"{operation}: {exc}", code="sdk_error", retryable=False) from None
        data: Any = {}
        if message:
            try:
                data = json.loads(message)
            except (TypeError, ValueError):
                data = {}
        if not isinstance(data, dict):
            data = {}
        if 200 <= code < 300:
            return data
        error_code = str(data.get("code") or f"HTTP_{code}")
        raise PaymentError(f"{operation}: {error_code}", code=error_code, retryable=code >= 500 or code == 429)


def _pem_private(value: str) -> str:
    """The SDK wants PEM text; accept a path or a bare body too."""
    from cryptography.hazmat.primitives import serialization

    key = load_private_key(value)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
