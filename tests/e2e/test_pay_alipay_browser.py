"""Paying with Alipay WAP in real headless Chromium at phone size: the pay page
hands over to a local fake of Alipay's cashier (signed request checked, signed
notification sent back as Alipay sends it), which returns the browser to the
pay page; the page sees the order settle and shows 支付成功."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from services.context import ServiceContext
from tests.conftest import AUTH, settings_for
from tests.e2e.test_pay_page_browser import ANDROID_UA, PHONE
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake
from tests.fakes.alipay_cashier import Cashier, cashier_server


@pytest.fixture
def alipay_stack(database_url: str) -> Iterator[tuple[Flask, str, Cashier]]:
    """The app in live mode over real HTTP (its public URL is where it really listens),
    Alipay's side played by the fake cashier."""
    holder: dict[str, Flask] = {}

    def wsgi(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        return holder["app"](environ, start)  # type: ignore[no-any-return]

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    served = f"http://127.0.0.1:{server.server_port}"
    cashier = Cashier()
    with cashier_server(cashier) as gateway:
        settings = settings_for(
            database_url,
            **fake.live_settings(),
            alipay_pay_gateway_url=f"{gateway}/gateway.do",
            public_base_url=served,
        )
        holder["app"] = create_app(settings)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield holder["app"], served, cashier
        finally:
            server.shutdown()
            holder["app"].extensions["hospital"].db.dispose()


@pytest.mark.browser
def test_a_patient_pays_with_alipay_wap_and_sees_success(
    alipay_stack: tuple[Flask, str, Cashier], clinic_day: date
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import expect, sync_playwright

    app, served, cashier = alipay_stack
    ctx: ServiceContext = app.extensions["hospital"]
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), clinic_day)
    body = {"patient_id": make_patient(ctx, name="陈阿姨"), "slot_id": slot}
    held = app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json
    link = str(held["payment"]["pay_link"])
    assert link.startswith(served + "/p/")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(user_agent=ANDROID_UA, **PHONE)  # type: ignore[arg-type]
            page.goto(link)
            expect(page.locator("#amount")).to_have_text("¥30.00")
            page.screenshot(path=str(ARTIFACTS / "pay_page_alipay.png"), full_page=True)
            page.get_by_role("link", name="使用支付宝支付").click()
            expect(page.locator("#amount")).to_have_text("¥30.00")  # now on the cashier
            page.locator("#alipay-pay").click()
            page.wait_for_url(link)
            expect(page.locator("#paid")).to_be_visible()
            expect(page.locator("#paid")).to_contain_text("支付成功")
            page.screenshot(path=str(ARTIFACTS / "pay_page_alipay_paid.png"), full_page=True)
        finally:
            browser.close()

    [opened] = cashier.opened
    assert opened["return_url"] == link and cashier.notified == [200]
    appointment = app.test_client().get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json
    assert appointment["status"] == "confirmed"
