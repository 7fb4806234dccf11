"""The pay page in real headless Chromium (Debian's package, through Playwright)
at phone size against the real app over real HTTP: a patient opens the short
link, sees what they pay for, pays through the development (console) path and
sees 支付成功; the hold is then a confirmed visit. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from werkzeug.serving import make_server

from services.context import ServiceContext
from tests.conftest import AUTH
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import make_department, make_doctor, make_patient, make_slot

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
)


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _held(app: Flask, day: date) -> dict[str, object]:
    ctx: ServiceContext = app.extensions["hospital"]
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3050, name="李娜"), day)
    body = {"patient_id": make_patient(ctx, name="王小明", phone="13766667777"), "slot_id": slot}
    return app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json  # type: ignore[no-any-return]


@pytest.mark.browser
def test_a_patient_pays_on_the_pay_page_at_phone_size(app: Flask, served: str, clinic_day: date) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import expect, sync_playwright

    held = _held(app, clinic_day)
    path = str(held["payment"]["pay_link"]).split("127.0.0.1:5000", 1)[1]  # type: ignore[index]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(user_agent=ANDROID_UA, **PHONE)  # type: ignore[arg-type]
            page.goto(served + path)
            expect(page.locator("#amount")).to_have_text("¥30.50")
            expect(page.locator(".lines")).to_contain_text("心血管内科")
            expect(page.locator(".lines")).to_contain_text("李娜")
            expect(page.locator(".lines")).to_contain_text("王**")
            assert "王小明" not in page.content()
            first = page.locator("#countdown").inner_text()
            page.wait_for_timeout(1500)
            assert page.locator("#countdown").inner_text() != first  # the hold counts down
            # Elder friendly: the pay button is a large target, its text large.
            box = page.locator("#pay-console").bounding_box()
            assert box is not None and box["height"] >= 48 and box["width"] >= 300
            page.screenshot(path=str(ARTIFACTS / "pay_page_phone.png"), full_page=True)

            page.locator("#pay-console").click()
            expect(page.locator("#paid")).to_be_visible()
            expect(page.locator("#paid")).to_contain_text("支付成功")
            expect(page.locator("#pending")).to_be_hidden()
            page.screenshot(path=str(ARTIFACTS / "pay_page_paid.png"), full_page=True)

            # A forged link gets the Chinese refusal page, not the order.
            page.goto(served + path[:-2] + ("zz" if not path.endswith("zz") else "yy"))
            expect(page.locator("#refused")).to_contain_text("支付链接无效")
            page.screenshot(path=str(ARTIFACTS / "pay_page_refused.png"), full_page=True)
        finally:
            browser.close()

    appointment = app.test_client().get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json
    assert appointment["status"] == "confirmed"
