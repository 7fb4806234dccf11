"""The platforms' side of payments, with locally generated keys: what Alipay and
WeChat Pay sign and send, and fake gateways that answer like them (signed)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from payments.alipay import sign_content
from tests.fakes.http_server import Recorded

HeaderHandler = Callable[[Recorded], tuple[int, Any, dict[str, str]]]

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALIPAY_APP_ID = "2021000000000001"
ALIPAY_SELLER_ID = "2088000000000001"
WECHAT_APP_ID = "wx0000000000000001"
WECHAT_MCH_ID = "1900000001"
WECHAT_APIV3_KEY = "0123456789abcdef0123456789abcdef"
WECHAT_PUBLIC_KEY_ID = "PUB_KEY_ID_0000000000000001"
WECHAT_MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD2C7AEFA5"


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass(frozen=True)
class Keys:
    merchant: RSAPrivateKey  # ours: Alipay app key / WeChat merchant key
    platform: RSAPrivateKey  # theirs: Alipay public key's pair / WeChat Pay platform key


@cache
def alipay_keys() -> Keys:
    return Keys(new_key(), new_key())


@cache
def wechat_keys() -> Keys:
    return Keys(new_key(), new_key())


def rsa_sign(key: RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def live_settings() -> dict[str, Any]:
    """Settings overrides for PAYMENT_PROVIDER_MODE=live with both platforms on local keys."""
    a, w = alipay_keys(), wechat_keys()
    return {
        "payment_provider_mode": "live",
        "payment_live_provider": "alipay",
        "alipay_app_id": ALIPAY_APP_ID,
        "alipay_seller_id": ALIPAY_SELLER_ID,
        "alipay_app_private_key": private_pem(a.merchant),
        "alipay_public_key": public_pem(a.platform),
        "wechat_pay_app_id": WECHAT_APP_ID,
        "wechat_pay_mch_id": WECHAT_MCH_ID,
        "wechat_pay_private_key": private_pem(w.merchant),
        "wechat_pay_cert_serial_no": WECHAT_MERCHANT_SERIAL,
        "wechat_pay_api_key": WECHAT_APIV3_KEY,
        "wechat_pay_platform_public_key": public_pem(w.platform),
        "wechat_pay_public_key_id": WECHAT_PUBLIC_KEY_ID,
    }


# --- Alipay ----------------------------------------------------------------------


def alipay_notification(
    out_trade_no: str,
    amount_fen: int,
    *,
    at: datetime | None = None,
    trade_status: str = "TRADE_SUCCESS",
    app_id: str = ALIPAY_APP_ID,
    seller_id: str = ALIPAY_SELLER_ID,
    trade_no: str = "2026112622001400000000000001",
    signer: RSAPrivateKey | None = None,
) -> bytes:
    """A form body as Alipay posts it, signed with the platform key."""
    sent = (at or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    params = {
        "notify_time": sent.strftime("%Y-%m-%d %H:%M:%S"),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "charset": "utf-8",
        "version": "1.0",
        "app_id": app_id,
        "seller_id": seller_id,
        "trade_no": trade_no,
        "out_trade_no": out_trade_no,
        "trade_status": trade_status,
        "total_amount": f"{amount_fen // 100}.{amount_fen % 100:02d}",
        "subject": "挂号费-心血管内科",
        "buyer_logon_id": "159****5620",
        "gmt_payment": sent.strftime("%Y-%m-%d %H:%M:%S"),
        "fund_bill_list": '[{"amount":"30.00","fundChannel":"ALIPAYACCOUNT"}]',
        "passback_params": "",
    }
    params["sign"] = rsa_sign(signer or alipay_keys().platform, sign_content(params))
    params["sign_type"] = "RSA2"
    return urlencode(params).encode()


def alipay_response(method: str, payload: dict[str, Any], signer: RSAPrivateKey | None = None) -> bytes:
    """A gateway answer: `{"<method>_response": {…}, "sign": "…"}`, signed over the inner JSON text."""
    inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    sign = rsa_sign(signer or alipay_keys().platform, inner)
    key = method.replace(".", "_") + "_response"
    return f'{{"{key}":{inner},"sign":"{sign}"}}'.encode()


@dataclass
class AlipayGateway:
    """Answers alipay.trade.* calls from a table of trades."""

    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: Recorded) -> tuple[int, Any]:
        params = dict(parse_qsl(request.body.decode()))
        self.calls.append(params)
        method = params["method"]
        biz = json.loads(params.get("biz_content") or "{}")
        trade = self.trades.get(biz.get("out_trade_no", ""))
        ok = {"code": "10000", "msg": "Success"}
        if method == "alipay.trade.precreate":
            body = {**ok, "out_trade_no": biz["out_trade_no"], "qr_code": "https://qr.alipay.com/bax0000000000001"}
        elif method == "alipay.trade.query":
            if trade is None:
                body = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
            else:
                body = {**ok, "out_trade_no": biz["out_trade_no"], **trade}
        elif method == "alipay.trade.refund":
            body = {**ok, "trade_no": "2026112622001400000000000001", "fund_change": "Y"}
        elif method == "alipay.trade.close":
            body = ok if trade else {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
        else:
            body = {"code": "40004", "sub_code": "isv.invalid-method"}
        return 200, alipay_response(method, body)


# --- WeChat Pay ------------------------------------------------------------------


def wechat_encrypt(resource: dict[str, Any], key: str = WECHAT_APIV3_KEY) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat sends
    associated = "transaction"
    ciphertext = AESGCM(key.encode()).encrypt(
        nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), associated.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "nonce": nonce,
        "associated_data": associated,
        "original_type": "transaction",
    }


def wechat_signed_headers(
    body: bytes, timestamp: int | None = None, signer: RSAPrivateKey | None = None
) -> dict[str, str]:
    ts, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(16)
    signature = rsa_sign(signer or wechat_keys().platform, f"{ts}\n{nonce}\n{body.decode()}\n")
    return {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": WECHAT_PUBLIC_KEY_ID,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Content-Type": "application/json",
    }


def wechat_notification(
    out_trade_no: str,
    amount_fen: int,
    *,
    timestamp: int | None = None,
    mchid: str = WECHAT_MCH_ID,
    appid: str = WECHAT_APP_ID,
    key: str = WECHAT_APIV3_KEY,
    signer: RSAPrivateKey | None = None,
) -> tuple[dict[str, str], bytes]:
    resource = {
        "mchid": mchid,
        "appid": appid,
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000000202611260000000001",
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "success_time": "2026-11-26T12:00:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": amount_fen, "payer_total": amount_fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    envelope = {
        "id": secrets.token_hex(8),
        "create_time": "2026-11-26T12:00:01+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": wechat_encrypt(resource, key),
    }
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
    return wechat_signed_headers(body, timestamp, signer), body


@dataclass
class WeChatGateway:
    """Answers /v3/pay/transactions/* like WeChat Pay, each answer signed with the platform key."""

    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, bytes]] = field(default_factory=list)

    def __call__(self, request: Recorded) -> tuple[int, Any]:
        self.calls.append((request.method, request.path, request.body))
        path = request.path.split("?", 1)[0]
        if path.endswith("/native"):
            return 200, {"code_url": "weixin://wxpay/bizpayurl?pr=fake0001"}
        if path.endswith("/jsapi"):
            return 200, {"prepay_id": "wx26120000000000000000000000000001"}
        if "/out-trade-no/" in path and path.endswith("/close"):
            return 204, b""
        if "/out-trade-no/" in path:
            out_trade_no = path.rsplit("/", 1)[1]
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
            return 200, {"out_trade_no": out_trade_no, "mchid": WECHAT_MCH_ID, **trade}
        if path.endswith("/refund/domestic/refunds"):
            return 200, {"refund_id": "50000000000000000000000000001", "status": "PROCESSING"}
        return 404, {"code": "NOT_FOUND"}


@contextmanager
def gateway_server(handler: HeaderHandler) -> Iterator[str]:
    """Like tests.fakes.http_server, but the handler sets response headers too (WeChat signs in headers)."""

    class _Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            recorded = Recorded(self.command, self.path, dict(self.headers), self.rfile.read(length))
            status, payload, headers = handler(recorded)
            body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wechat_signing(gateway: WeChatGateway) -> HeaderHandler:
    def handle(request: Recorded) -> tuple[int, Any, dict[str, str]]:
        status, payload = gateway(request)
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        return status, body, wechat_signed_headers(body) if status < 300 else {}

    return handle


def alipay_plain(gateway: AlipayGateway) -> HeaderHandler:
    def handle(request: Recorded) -> tuple[int, Any, dict[str, str]]:
        status, payload = gateway(request)
        return status, payload, {"Content-Type": "text/html;charset=utf-8"}

    return handle
