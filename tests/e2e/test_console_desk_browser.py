"""The hand-off inbox worked by a team, in real headless Chromium (Debian's
package, through Playwright) over real HTTP, with two staff members in two
browser contexts: the one who claims a ticket holds it, the other sees who has it
and can only take it over explicitly; the first one's page learns of the take-over
and the patient's new message without a reload, and each staff line carries its
writer's name. An auditor then finds the take-over by name, in Chinese.
Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import pyotp
import pytest

from services.context import ServiceContext
from tests.console_helpers import PASSWORD, make_staff
from tests.e2e.test_console_browser import SHOTS, live_console  # noqa: F401  (the fixture)
from tests.e2e.test_web_chat_browser import CHROMIUM, CHROMIUM_ARGS


def _login(page, base_url: str, username: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open_ticket(page, why: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="转人工", exact=True).click()
    page.locator("tr.ticket").first.get_by_role("link", name="打开").click()
    page.fill("#why", why)
    page.click("main button[type=submit]")


@pytest.mark.browser
def test_two_staff_members_share_a_locked_hand_off(live_console: str, ctx: ServiceContext) -> None:  # noqa: F811
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import expect, sync_playwright

    base_url = live_console
    SHOTS.mkdir(parents=True, exist_ok=True)
    first_secret, second_secret = make_staff(ctx, "kefu1", "support"), make_staff(ctx, "kefu2", "support")
    admin_secret = make_staff(ctx, "boss", "admin")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            patient = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            patient.goto(base_url + "/")
            expect(patient.locator("#log .bubble.bot").first).to_contain_text("您想办哪件事")
            patient.fill("#input", "我要转人工，手机13812345678")
            patient.press("#input", "Enter")
            expect(patient.locator("#log .bubble.bot").last).to_contain_text("正在为您转接人工客服")

            first = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            second = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _login(first, base_url, "kefu1", first_secret)
            _login(second, base_url, "kefu2", second_secret)

            # The inbox: a masked preview and the waiting time.
            first.get_by_role("link", name="转人工", exact=True).click()
            row = first.locator("tr.ticket").first
            expect(row.locator(".preview")).to_contain_text("138****5678")
            expect(row.locator(".waiting")).not_to_be_empty()
            _shot(first, "desk_inbox")
            first.goto(base_url + "/console/")
            _open_ticket(first, "回复患者咨询")
            first.click("#claim")
            expect(first.locator("#holder")).to_have_text("Kefu1")

            # The second staff member sees who has it and cannot answer …
            _open_ticket(second, "协助同事")
            expect(second.locator("#held-notice")).to_be_visible()
            expect(second.locator("#held-notice")).to_contain_text("Kefu1")
            expect(second.locator("#reply-form")).to_have_count(0)
            _shot(second, "desk_held_by_colleague")
            # … until taking over explicitly, with a reason.
            second.fill("#take-over-reason", "交接班")
            second.click("#take-over")
            expect(second.locator(".flash")).to_contain_text("已改由您接手")
            second.fill("#reply-text", "您好，我是小李，接着为您服务")
            second.get_by_role("button", name="发送", exact=True).click()
            expect(second.locator(".line.staff").last).to_contain_text("Kefu2：您好，我是小李")

            # The first one's page learns it without a reload: holder, lock, the new line.
            expect(first.locator("#held-notice")).to_be_visible(timeout=15000)
            expect(first.locator("#holder")).to_have_text("Kefu2")
            expect(first.locator("#reply-text")).to_be_disabled()
            expect(first.locator("#close-form button")).to_be_disabled()
            expect(first.locator(".line.staff").last).to_contain_text("Kefu2：", timeout=15000)
            _shot(first, "desk_taken_over_live")

            # The patient's next message reaches the holder's open page by polling.
            expect(patient.locator("#log .bubble.staff").last).to_contain_text("我是小李", timeout=15000)
            patient.fill("#input", "我叫李娜，药吃完了")
            patient.press("#input", "Enter")
            expect(second.locator(".line.patient").last).to_contain_text("药吃完了", timeout=15000)
            _shot(second, "desk_live_patient_line")

            # The auditor finds the take-over by name, in Chinese, and exports it.
            admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            _login(admin, base_url, "boss", admin_secret)
            admin.get_by_role("link", name="审计日志", exact=True).first.click()
            admin.fill("#who", "Kefu2")
            admin.select_option("#action", "handoff.take_over")
            admin.get_by_role("button", name="筛选").click()
            expect(admin.locator("tr.entry")).to_have_count(1)
            expect(admin.locator("tr.entry")).to_contain_text("改由本人接手工单")
            expect(admin.locator("tr.entry")).to_contain_text("Kefu2（kefu2）")
            expect(admin.locator("tr.entry")).to_contain_text("交接班")
            _shot(admin, "desk_audit_filtered")
            admin.fill("#export-reason", "内部质控抽查")
            with admin.expect_download() as download:
                admin.get_by_role("button", name="导出 CSV").click()
            assert "改由本人接手工单" in download.value.path().read_text(encoding="utf-8-sig")

            missing = admin.goto(base_url + "/console/nothing-here")
            assert missing is not None and missing.status == 404
            expect(admin.locator("main")).to_contain_text("页面不存在")
            _shot(admin, "desk_404")
        finally:
            browser.close()
