"""The pay page in live mode, the platforms played by local fake gateways signed
with local keys: Alipay WAP and precreate QR, WeChat JSAPI and Native."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from app import create_app
from services.context import ServiceContext
from services.patients.registry import phone_hash
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake
from tests.integration.test_pay_page import ALIPAY_UA, DESKTOP_UA, PHONE_UA, WECHAT_UA


@pytest.fixture
def gateways() -> tuple[fake.AlipayGateway, fake.WeChatGateway]:
    return fake.AlipayGateway(), fake.WeChatGateway()


def _app(database_url: str, provider: str, alipay_url: str, wechat_url: str) -> Flask:
    overrides = {**fake.live_settings(), "payment_live_provider": provider}
    settings = settings_for(
        database_url, **overrides, alipay_pay_gateway_url=f"{alipay_url}/gateway.do", wechat_pay_gateway_url=wechat_url
    )
    return create_app(settings)


@pytest.fixture(params=["alipay", "wechat"])
def live_app(
    request: pytest.FixtureRequest, database_url: str, gateways: tuple[fake.AlipayGateway, fake.WeChatGateway]
) -> Iterator[Flask]:
    alipay, wechat = gateways
    with (
        fake.gateway_server(fake.alipay_plain(alipay)) as alipay_url,
        fake.gateway_server(fake.wechat_signing(wechat)) as wechat_url,
    ):
        application = _app(database_url, request.param, alipay_url, wechat_url)
        yield application
        application.extensions["hospital"].db.dispose()


def _held_path(app: Flask, day: date, **patient: str) -> tuple[str, str]:
    ctx: ServiceContext = app.extensions["hospital"]
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), day)
    body = {"patient_id": make_patient(ctx, **patient), "slot_id": slot}
    held = app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json
    return str(held["payment"]["pay_link"]).split("127.0.0.1:5000", 1)[1], str(held["payment"]["out_trade_no"])


def test_each_place_gets_the_way_its_platform_allows(live_app: Flask, clinic_day: date) -> None:
    ctx: ServiceContext = live_app.extensions["hospital"]
    client = live_app.test_client()
    proven = phone_hash(ctx.cipher, "13800000000")
    path, out_trade_no = _held_path(
        live_app, clinic_day, channel="wechat", channel_user_id="o-openid-1", proven_phone_hash=proven
    )
    page = {ua: client.get(path, headers={"User-Agent": ua}).get_data(as_text=True) for ua in (ALIPAY_UA, WECHAT_UA)}
    desktop = client.get(path, headers={"User-Agent": DESKTOP_UA}).get_data(as_text=True)
    assert 'id="qr"' in desktop and "扫一扫" in desktop
    svg = client.get(path + "/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    if ctx.payments.name == "alipay":
        assert "使用支付宝支付" in page[ALIPAY_UA] and "在浏览器打开" in page[WECHAT_UA]
        assert "使用支付宝支付" in client.get(path, headers={"User-Agent": PHONE_UA}).get_data(as_text=True)
        cashier = client.get(path + "/go")
        assert cashier.status_code == 303
        query = parse_qs(urlsplit(cashier.location).query)
        assert query["method"] == ["alipay.trade.wap.pay"] and query["return_url"][0].endswith(path)
        assert out_trade_no in query["biz_content"][0] and "sign" in query
        assert client.post(path + "/jsapi").status_code == 404  # no WeChat way for an Alipay order
    else:
        assert "使用微信支付" in page[WECHAT_UA] and "在微信里打开" in page[ALIPAY_UA]
        params = client.post(path + "/jsapi").json["js_params"]
        assert params["package"] == "prepay_id=wx26120000000000000000000000000001" and params["paySign"]
        assert client.get(path + "/go").status_code == 404  # no Alipay cashier for a WeChat order


def test_without_an_openid_jsapi_is_refused_kindly(
    database_url: str, clinic_day: date, gateways: tuple[fake.AlipayGateway, fake.WeChatGateway]
) -> None:
    alipay, wechat = gateways
    with (
        fake.gateway_server(fake.alipay_plain(alipay)) as alipay_url,
        fake.gateway_server(fake.wechat_signing(wechat)) as wechat_url,
    ):
        application = _app(database_url, "wechat", alipay_url, wechat_url)
        path, _ = _held_path(application, clinic_day)
        answer = application.test_client().post(path + "/jsapi")
        assert answer.status_code == 409 and "公众号" in answer.json["message"]
        application.extensions["hospital"].db.dispose()


def test_back_from_the_cashier_the_platform_is_asked_and_the_order_settles(
    live_app: Flask, clinic_day: date, gateways: tuple[fake.AlipayGateway, fake.WeChatGateway]
) -> None:
    client = live_app.test_client()
    path, out_trade_no = _held_path(live_app, clinic_day)
    assert client.get(path + "/status?check=1").json["state"] == "pending"
    alipay, wechat = gateways
    alipay.trades[out_trade_no] = {"trade_status": "TRADE_SUCCESS", "total_amount": "30.00", "trade_no": "2026A1"}
    wechat.trades[out_trade_no] = {"trade_state": "SUCCESS", "amount": {"total": 3000}, "transaction_id": "42000001"}
    assert client.get(path + "/status").json["state"] == "pending"  # without check=1 nobody is asked
    assert client.get(path + "/status?check=1").json["state"] == "paid"
