"""Notification verification for Alipay (RSA2 over sorted parameters) and WeChat
Pay v3 (platform signature over timestamp/nonce/body, AES-256-GCM resource),
with locally generated keys and a fixed vector made by an independent signer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import pytest

from payments.alipay import AlipayProvider, rsa2_verify, sign_content, verify_params
from payments.base import NotificationRejected, PaymentRequest, fen_to_yuan, yuan_to_fen
from payments.keys import load_public_key
from payments.wechat import WeChatPayProvider
from tests.fakes import payment_platforms as fake

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Signed by alipay-sdk-python's own `sign_with_rsa2` (the `rsa` package, not our code),
# with a throwaway key whose public half is below: our verifier must agree with it.
VECTOR_PUBLIC_KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqlwtIS7So+4VfoGceNmhRj08JviHq/nFTpjc5I+DfAGAURZ59j2Sr94WXbPn"
    "EvfJXjMyC2+SbxCk4WVtADnV5o31d/mk0QxcMKUqTDZ43UfbpCmOOtJwjBVC7/tMGklSHu9JyJUeAFXj1VhC3F2OyNxCwXxu7DjskzQp"
    "riF1XPLRA1vknd7n0oY77SDT2VkOFqO9K2kKFXVNZI7ixMGeZCPdsqMbfl72Z7wrykmUpLpcgbjQ+eNQl0QfgAyoTHWTmKK2zHprrWe5"
    "8Q0dK0FHmEoW10FAFK2lQ8L9sFJQNfvxWS+qiI15+nUlJqUnndHe7iuborrR2lT2Kqld5aJGTQIDAQAB"
)
VECTOR_PARAMS = {
    "app_id": "2021000000000001",
    "charset": "utf-8",
    "gmt_payment": "2026-11-26 12:00:00",
    "notify_time": "2026-11-26 12:00:01",
    "out_trade_no": "pay_0123456789abcdef",
    "seller_id": "2088000000000001",
    "subject": "挂号费-心血管内科",
    "total_amount": "30.00",
    "trade_no": "2026112622001400000000000001",
    "trade_status": "TRADE_SUCCESS",
    "version": "1.0",
}
VECTOR_SIGN = (
    "fThYWNqBltMnvXLKLGg5WVZEo2TMX3giDwy/39UVmmQ8uDpVfe3FJJCVrlpDoUrJw0C09xKKo7xlGTOq88yEz2fbtTwcSwOLQFaoB0J/"
    "KnrUGt7a8eL3MoyMh+X+MvWEobFScM3NPUvBxSXAfbjQS/6OvBfwyRYgIFeR7tfWuJ/FXRhqkvC8l8Ch0ifMXRgzLrDahJ5ovRx0q7CB"
    "c7TgyL1cfm/tf++4q13/N6XkgXC0U5TSiByMgh80WcX60kbS6a795CY6/9ZxRvoloEShrruERR4xZ0jM89VEdgX67WZU7kyz/u1umiIh"
    "ZuZ4k5FM8HOdLH3cG8+jXaVB6Bhlnw=="
)


def test_the_fixed_alipay_vector_verifies_and_any_change_breaks_it() -> None:
    key = load_public_key(VECTOR_PUBLIC_KEY)
    signed = {**VECTOR_PARAMS, "sign": VECTOR_SIGN, "sign_type": "RSA2", "passback_params": ""}
    assert verify_params(key, signed)  # empty values and sign/sign_type are left out of the content
    assert not verify_params(key, {**signed, "total_amount": "0.01"})
    assert not verify_params(key, {**signed, "sign_type": "RSA"})
    assert not verify_params(key, {**signed, "extra": "x"})
    assert not verify_params(key, {**signed, "sign": VECTOR_SIGN[:-4] + "AAA="})


def test_sign_content_is_sorted_non_empty_and_without_the_signature() -> None:
    params = {"b": "2", "a": "1", "sign": "S", "sign_type": "RSA2", "c": "", "d": "中文 & ="}
    assert sign_content(params) == "a=1&b=2&d=中文 & ="


def test_our_verifier_agrees_with_the_sdk_signer_on_a_fresh_key() -> None:
    from alipay.aop.api.util.SignatureUtils import get_sign_content, sign_with_rsa2
    from cryptography.hazmat.primitives import serialization

    key = fake.new_key()
    pkcs1 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    params = {"out_trade_no": "pay_x", "total_amount": "12.34", "subject": "续方药费"}
    signature = sign_with_rsa2(pkcs1, get_sign_content(params), "utf-8")
    assert verify_params(key.public_key(), {**params, "sign": signature, "sign_type": "RSA2"})


@pytest.mark.parametrize(("text", "fen"), [("30.00", 3000), ("0.01", 1), ("12.3", 1230), ("100", 10000)])
def test_yuan_to_fen_is_exact(text: str, fen: int) -> None:
    assert yuan_to_fen(text) == fen
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@pytest.mark.parametrize("text", ["", "1.234", "-1.00", "1e3", " 30.00", "30.00\n", "0x10", "NaN"])
def test_anything_but_a_plain_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        yuan_to_fen(text)


def _alipay(**overrides: str) -> AlipayProvider:
    settings = fake.live_settings()
    return AlipayProvider(
        app_id=fake.ALIPAY_APP_ID,
        app_private_key=settings["alipay_app_private_key"],
        alipay_public_key=settings["alipay_public_key"],
        gateway_url="http://127.0.0.1:9/gateway.do",
        notify_url="https://hospital.example/payments/alipay/notify",
        seller_id=fake.ALIPAY_SELLER_ID,
        **overrides,
    )


def test_an_alipay_notification_parses_to_fen_and_ids() -> None:
    now = datetime.now(UTC)
    note = _alipay().parse_notification({}, fake.alipay_notification("pay_1", 3000, at=now), now)
    assert (note.event, note.out_trade_no, note.amount_fen, note.app_id) == ("paid", "pay_1", 3000, fake.ALIPAY_APP_ID)


@pytest.mark.parametrize(
    ("body_kwargs", "reason"),
    [
        ({"signer": "other"}, "bad signature"),
        ({"app_id": "2021999999999999"}, "app_id is not ours"),
        ({"seller_id": "2088999999999999"}, "seller_id is not ours"),
        ({"minutes": 6}, "stale notify_time"),
        ({"minutes": -6}, "stale notify_time"),
    ],
)
def test_alipay_refuses_forged_foreign_and_stale_notifications(body_kwargs: dict[str, object], reason: str) -> None:
    now = datetime.now(UTC)
    minutes = int(body_kwargs.pop("minutes", 0))  # type: ignore[call-overload]
    signer = fake.new_key() if body_kwargs.pop("signer", None) else None
    body = fake.alipay_notification("pay_1", 3000, at=now - timedelta(minutes=minutes), signer=signer, **body_kwargs)  # type: ignore[arg-type]
    with pytest.raises(NotificationRejected) as refused:
        _alipay().parse_notification({}, body, now)
    assert refused.value.reason == reason


def test_a_tampered_alipay_amount_is_refused() -> None:
    now = datetime.now(UTC)
    params = dict(parse_qsl(fake.alipay_notification("pay_1", 3000, at=now).decode()))
    params["total_amount"] = "0.01"
    with pytest.raises(NotificationRejected):
        _alipay().parse_notification({}, urlencode(params).encode(), now)


def test_the_sdk_builds_a_wap_pay_url_we_can_verify_with_the_app_key() -> None:
    link = _alipay().create_order(PaymentRequest("pay_1", 3000, "挂号费"))
    params = dict(parse_qsl(link.pay_url.split("?", 1)[1]))
    assert params["method"] == "alipay.trade.wap.pay" and params["app_id"] == fake.ALIPAY_APP_ID
    assert '"total_amount":"30.00"' in params["biz_content"]
    # Requests sign sign_type too (only `sign` is left out), unlike notifications.
    content = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k])
    assert rsa2_verify(fake.alipay_keys().merchant.public_key(), content, params["sign"])


def _wechat() -> WeChatPayProvider:
    settings = fake.live_settings()
    return WeChatPayProvider(
        app_id=fake.WECHAT_APP_ID,
        mch_id=fake.WECHAT_MCH_ID,
        merchant_private_key=settings["wechat_pay_private_key"],
        merchant_serial_no=fake.WECHAT_MERCHANT_SERIAL,
        apiv3_key=fake.WECHAT_APIV3_KEY,
        platform_public_key=settings["wechat_pay_platform_public_key"],
        platform_public_key_id=fake.WECHAT_PUBLIC_KEY_ID,
        notify_url="https://hospital.example/payments/wechat/notify",
        gateway_url="http://127.0.0.1:9",
    )


def test_a_wechat_notification_verifies_and_decrypts() -> None:
    headers, body = fake.wechat_notification("pay_1", 3000)
    note = _wechat().parse_notification(headers, body, datetime.now(UTC))
    assert (note.event, note.out_trade_no, note.amount_fen, note.merchant_id) == ("paid", "pay_1", 3000, "1900000001")


def test_wechat_header_names_are_case_insensitive() -> None:
    headers, body = fake.wechat_notification("pay_1", 3000)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert _wechat().parse_notification(lowered, body, datetime.now(UTC)).amount_fen == 3000


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"signer": "other"}, "bad signature"),
        ({"timestamp_offset": -301}, "stale timestamp"),
        ({"timestamp_offset": 301}, "stale timestamp"),
        ({"mchid": "1900999999"}, "mchid is not ours"),
        ({"appid": "wx9999999999999999"}, "appid is not ours"),
        ({"key": "ffffffffffffffffffffffffffffffff"}, "resource does not decrypt"),
    ],
)
def test_wechat_refuses_forged_stale_foreign_and_undecryptable(kwargs: dict[str, object], reason: str) -> None:
    now = datetime.now(UTC)
    offset = int(kwargs.pop("timestamp_offset", 0))  # type: ignore[call-overload]
    signer = fake.new_key() if kwargs.pop("signer", None) else None
    headers, body = fake.wechat_notification(
        "pay_1",
        3000,
        timestamp=int(now.timestamp()) + offset,
        signer=signer,
        **kwargs,  # type: ignore[arg-type]
    )
    with pytest.raises(NotificationRejected) as refused:
        _wechat().parse_notification(headers, body, now)
    assert refused.value.reason == reason


def test_wechat_refuses_an_unknown_serial_and_a_changed_body() -> None:
    headers, body = fake.wechat_notification("pay_1", 3000)
    with pytest.raises(NotificationRejected):
        _wechat().parse_notification({**headers, "Wechatpay-Serial": "PUB_KEY_ID_OTHER"}, body, datetime.now(UTC))
    with pytest.raises(NotificationRejected):
        _wechat().parse_notification(headers, body.replace(b"TRANSACTION", b"TRANSACTIOM"), datetime.now(UTC))
