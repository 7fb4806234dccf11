"""Paying with WeChat JSAPI (with WeChat's web authorisation when no openid is known)
and by QR code in real headless Chromium, the platforms
played by local fakes signed with local keys (issue 12).

- JSAPI: the page is opened inside WeChat (its User-Agent) by a patient whose WeChat
  identity gives the openid; a fake `WeixinJSBridge` is injected into the page, and
  WeChat's side (tests/fakes/wechat_client.py) checks the signed parameters, sends the
  signed, encrypted v3 notification to our notify URL and only then answers
  get_brand_wcpay_request:ok; the page shows 支付成功.
- QR: on a desktop the page shows the order's code (WeChat Native `code_url`, Alipay
  precreate `qr_code`) as an SVG; the platform's notification, as if the code was scanned
  and paid on a phone, flips the open page to 支付成功 by its polling.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import requests
import segno
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from services.context import ServiceContext
from services.patients.registry import phone_hash
from tests.conftest import AUTH, settings_for
from tests.e2e.test_pay_page_browser import PHONE
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake
from tests.fakes.wechat_client import BRIDGE_FUNCTION, BRIDGE_SCRIPT, WeChatApp
from tests.fakes.wechat_oauth import OAUTH_OPENID, WeChatOAuthServer, oauth_server, oauth_settings

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
)
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
PAID_WITHIN_MS = 15_000  # the page polls every 3 s


@dataclass
class LiveStack:
    app: Flask
    url: str
    wechat: fake.WeChatGateway
    alipay: fake.AlipayGateway

    @property
    def ctx(self) -> ServiceContext:
        ctx: ServiceContext = self.app.extensions["hospital"]
        return ctx


@pytest.fixture(params=["wechat", "alipay"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _serve(database_url: str, provider: str, **extra: Any) -> Iterator[LiveStack]:
    """The app in live mode over real HTTP (its public URL where it really listens, so the
    platforms' notifications reach it), both platforms played by signing fakes."""
    holder: dict[str, Flask] = {}

    def wsgi(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        return holder["app"](environ, start)  # type: ignore[no-any-return]

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    served = f"http://127.0.0.1:{server.server_port}"
    wechat, alipay = fake.WeChatGateway(), fake.AlipayGateway()
    with ExitStack() as stack:
        wechat_url = stack.enter_context(fake.gateway_server(fake.wechat_signing(wechat)))
        alipay_url = stack.enter_context(fake.gateway_server(fake.alipay_plain(alipay)))
        settings = settings_for(
            database_url,
            **{**fake.live_settings(), "payment_live_provider": provider},
            wechat_pay_gateway_url=wechat_url,
            alipay_pay_gateway_url=f"{alipay_url}/gateway.do",
            public_base_url=served,
            **extra,
        )
        holder["app"] = create_app(settings)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield LiveStack(holder["app"], served, wechat, alipay)
        finally:
            server.shutdown()
            holder["app"].extensions["hospital"].db.dispose()


@pytest.fixture
def wechat_stack(database_url: str) -> Iterator[LiveStack]:
    yield from _serve(database_url, "wechat")


@pytest.fixture
def oauth_stack(database_url: str) -> Iterator[tuple[LiveStack, WeChatOAuthServer]]:
    oauth = WeChatOAuthServer()
    with oauth_server(oauth) as url:
        for stack in _serve(database_url, "wechat", **oauth_settings(url)):
            yield stack, oauth


@pytest.fixture
def qr_stack(database_url: str, provider: str) -> Iterator[LiveStack]:
    yield from _serve(database_url, provider)


def _held(stack: LiveStack, day: date, **patient: Any) -> dict[str, Any]:
    ctx = stack.ctx
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), day)
    body = {"patient_id": make_patient(ctx, name="陈阿姨", **patient), "slot_id": slot}
    held: dict[str, Any] = stack.app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json
    assert str(held["payment"]["pay_link"]).startswith(stack.url + "/p/")
    return held


def _status(stack: LiveStack, appointment_id: str) -> str:
    return str(stack.app.test_client().get(f"/api/v1/appointments/{appointment_id}", headers=AUTH).json["status"])


def _browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")


@pytest.mark.browser
def test_a_patient_pays_with_wechat_jsapi_inside_wechat_and_sees_success(
    wechat_stack: LiveStack, clinic_day: date
) -> None:
    _browser()
    from playwright.sync_api import expect, sync_playwright

    stack = wechat_stack
    proven = phone_hash(stack.ctx.cipher, "13800000000")
    held = _held(stack, clinic_day, channel="wechat", channel_user_id=OPENID, proven_phone_hash=proven)
    link = str(held["payment"]["pay_link"])
    wechat_app = WeChatApp(stack.wechat)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(user_agent=WECHAT_UA, **PHONE)  # type: ignore[arg-type]
            page.expose_function(BRIDGE_FUNCTION, wechat_app.invoke)
            page.add_init_script(BRIDGE_SCRIPT)
            page.goto(link)
            expect(page.locator("#amount")).to_have_text("¥30.00")
            pay = page.get_by_role("button", name="使用微信支付")
            expect(pay).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "pay_page_wechat_jsapi.png"), full_page=True)
            assert _status(stack, held["id"]) == "held"  # nothing paid before the tap
            pay.click()
            expect(page.locator("#paid")).to_be_visible(timeout=PAID_WITHIN_MS)
            expect(page.locator("#paid")).to_contain_text("支付成功")
            page.screenshot(path=str(ARTIFACTS / "pay_page_wechat_jsapi_paid.png"), full_page=True)
        finally:
            browser.close()

    [params] = wechat_app.invoked
    assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
    [order] = wechat_app.prepaid
    assert order["payer"] == {"openid": OPENID} and order["out_trade_no"] == held["payment"]["out_trade_no"]
    assert order["notify_url"] == stack.url + "/payments/wechat/notify" and wechat_app.notified in ([200], [204])
    assert _status(stack, held["id"]) == "confirmed"


@pytest.mark.browser
def test_opened_in_wechat_without_an_openid_the_page_asks_wechat_who_pays_then_pays(
    oauth_stack: tuple[LiveStack, WeChatOAuthServer], clinic_day: date
) -> None:
    """The link came by SMS (no WeChat identity): WeChat's web authorisation gives the
    openid on the way in, and JSAPI pays with it."""
    _browser()
    from playwright.sync_api import expect, sync_playwright

    stack, oauth = oauth_stack
    held = _held(stack, clinic_day)
    link = str(held["payment"]["pay_link"])
    wechat_app = WeChatApp(stack.wechat)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(user_agent=WECHAT_UA, **PHONE)  # type: ignore[arg-type]
            page.expose_function(BRIDGE_FUNCTION, wechat_app.invoke)
            page.add_init_script(BRIDGE_SCRIPT)
            page.goto(link)  # -> WeChat's authorize -> /p/<code>/oauth -> back to the page
            expect(page).to_have_url(re.compile(re.escape(link) + "(#wechat_redirect)?$"))  # fragments ride along
            pay = page.get_by_role("button", name="使用微信支付")
            expect(pay).to_be_visible()
            pay.click()
            expect(page.locator("#paid")).to_be_visible(timeout=PAID_WITHIN_MS)
        finally:
            browser.close()
    [authorized] = oauth.authorized
    assert authorized["scope"] == "snsapi_base" and authorized["redirect_uri"] == link + "/oauth"
    assert len(oauth.exchanged) == 1 and oauth.codes == {}  # the code spent once
    [order] = wechat_app.prepaid
    assert order["payer"] == {"openid": OAUTH_OPENID}
    assert _status(stack, held["id"]) == "confirmed"


def test_a_forged_jsapi_signature_is_refused_by_wechat_and_nothing_is_paid(
    wechat_stack: LiveStack, clinic_day: date
) -> None:
    """The fake bridge is a real check: parameters signed with another key never pay."""
    stack = wechat_stack
    proven = phone_hash(stack.ctx.cipher, "13800000000")
    held = _held(stack, clinic_day, channel="wechat", channel_user_id=OPENID, proven_phone_hash=proven)
    code_path = "/p/" + str(held["payment"]["pay_link"]).split("/p/", 1)[1]
    params = stack.app.test_client().post(code_path + "/jsapi").json["js_params"]
    wechat_app = WeChatApp(stack.wechat)
    assert wechat_app.invoke(
        "getBrandWCPayRequest", {**params, "paySign": fake.rsa_sign(fake.new_key(), "x")}
    ).endswith(":fail")
    assert wechat_app.notified == [] and _status(stack, held["id"]) == "held"


@pytest.mark.browser
def test_a_desktop_shows_the_qr_code_and_the_platforms_notification_flips_it_to_paid(
    qr_stack: LiveStack, provider: str, clinic_day: date
) -> None:
    _browser()
    from playwright.sync_api import expect, sync_playwright

    stack = qr_stack
    held = _held(stack, clinic_day)
    link, out_trade_no = str(held["payment"]["pay_link"]), str(held["payment"]["out_trade_no"])
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(user_agent=DESKTOP_UA, **DESKTOP)  # type: ignore[arg-type]
            page.goto(link)
            expect(page.locator("#pending")).to_contain_text("微信" if provider == "wechat" else "支付宝")
            qr = page.locator("#qr")
            expect(qr).to_be_visible()
            page.wait_for_function("document.getElementById('qr').naturalWidth > 100")  # the SVG really rendered
            page.screenshot(path=str(ARTIFACTS / f"pay_page_qr_{provider}.png"), full_page=True)
            svg = page.request.get(link + "/qr.svg")
            assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
            assert svg.body() == _qr_svg(_code_of(stack, provider, out_trade_no))  # the platform's own code
            _platform_notifies(stack, provider, out_trade_no, 3000)  # scanned and paid on a phone
            expect(page.locator("#paid")).to_be_visible(timeout=PAID_WITHIN_MS)
            expect(page.locator("#paid")).to_contain_text("支付成功")
            page.screenshot(path=str(ARTIFACTS / f"pay_page_qr_{provider}_paid.png"), full_page=True)
        finally:
            browser.close()
    assert _status(stack, held["id"]) == "confirmed"


def _code_of(stack: LiveStack, provider: str, out_trade_no: str) -> str:
    """What the platform answered for this order: WeChat Native's code_url, Alipay's qr_code."""
    if provider == "wechat":
        assert any(path.endswith("/native") and out_trade_no.encode() in body for _, path, body in stack.wechat.calls)
        return "weixin://wxpay/bizpayurl?pr=fake0001"
    assert any(
        c.get("method") == "alipay.trade.precreate" and out_trade_no in c["biz_content"] for c in stack.alipay.calls
    )
    return "https://qr.alipay.com/bax0000000000001"


def _qr_svg(content: str) -> bytes:
    out = io.BytesIO()
    segno.make(content, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue()


def _platform_notifies(stack: LiveStack, provider: str, out_trade_no: str, amount_fen: int) -> None:
    if provider == "wechat":
        headers, body = fake.wechat_notification(out_trade_no, amount_fen)
        answer = requests.post(f"{stack.url}/payments/wechat/notify", data=body, headers=headers, timeout=10)
    else:
        form = fake.alipay_notification(out_trade_no, amount_fen)
        content_type = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = requests.post(f"{stack.url}/payments/alipay/notify", data=form, headers=content_type, timeout=10)
    assert answer.status_code in (200, 204), answer.text
