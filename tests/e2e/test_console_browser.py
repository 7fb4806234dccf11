"""The staff console in real headless Chromium (Debian's package, through
Playwright) against the real app over real HTTP: a support agent logs in with
password and TOTP, answers a patient who asked for a person on the web chat
page (the reply appears on the patient's page by polling) and hands back; a
clinician signs a refill. Screenshots of each page go to test-artifacts/console/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from werkzeug.serving import make_server

from integrations.rasa.client import RasaRestClient
from models import RefillRequest
from services.clinical import refills
from services.context import ServiceContext
from services.conversation import handoff, pseudonyms
from tests.clinical_factories import make_prescription
from tests.console_helpers import PASSWORD, make_staff
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import make_patient
from tests.fakes.http_server import Recorded, fake_server
from tests.wiring import use

SHOTS = ARTIFACTS / "console"


@pytest.fixture
def live_console(app: Flask, ctx: ServiceContext) -> Iterator[str]:
    def rasa(request: Recorded) -> tuple[int, object]:
        if not request.path.startswith("/webhooks/rest/webhook"):
            return 200, {}
        sent = request.json()
        if "人工" in sent["message"]:  # what the action server does for `request_human`
            conversation = pseudonyms.conversation_of(ctx, sent["sender"])  # as the v1 API maps it
            handoff.open_ticket(ctx.acting_as("service:actions"), conversation, "asked_for_human")
            return 200, [{"recipient_id": sent["sender"], "text": "好的，正在为您转接人工客服，请稍候。"}]
        return 200, [{"recipient_id": sent["sender"], "text": "您好！我是医院的小助手，您想办哪件事？"}]

    with fake_server(rasa) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=5))
        http = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{http.server_port}"
        finally:
            http.shutdown()


def _login(page, base_url: str, username: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.screenshot(path=str(SHOTS / f"login_{username}.png"))
    page.click("button[type=submit]")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_staff_answer_a_hand_off_and_sign_a_refill(live_console: str, ctx: ServiceContext) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import expect, sync_playwright

    base_url = live_console
    SHOTS.mkdir(parents=True, exist_ok=True)
    support_secret = make_staff(ctx, "kefu", "support")
    doctor_secret = make_staff(ctx, "doc", "clinician")
    patient = make_patient(ctx, name="张建国", phone="13800138001")
    refill_id = str(
        refills.request_refill(
            ctx,
            patient_id=patient,
            prescription_id=make_prescription(ctx, patient),
            answers={"近况": "血压稳定，没有头晕"},
        )["id"]
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # The patient asks for a person on the web chat page.
            patient_page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            patient_page.goto(base_url + "/")
            expect(patient_page.locator("#log .bubble.bot").first).to_contain_text("您想办哪件事")
            patient_page.fill("#input", "转人工")
            patient_page.press("#input", "Enter")
            expect(patient_page.locator("#log .bubble.bot").last).to_contain_text("正在为您转接人工客服")

            # A support agent logs in with password and TOTP and answers.
            agent = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            agent.on("dialog", lambda dialog: dialog.accept())
            _login(agent, base_url, "kefu", support_secret)
            expect(agent.locator("h1")).to_contain_text("您好")
            _shot(agent, "home_support")
            agent.get_by_role("link", name="转人工", exact=True).click()
            expect(agent.locator("tr.ticket")).to_have_count(1)
            _shot(agent, "handoff_inbox")
            agent.locator("tr.ticket").get_by_role("link", name="打开").click()
            _shot(agent, "why")
            agent.fill("#why", "回复患者咨询")
            agent.click("main button[type=submit]")
            expect(agent.locator("#conversation")).to_contain_text("转人工")
            agent.fill("#reply-text", "您好，我是客服小王，请问有什么可以帮您？")
            agent.get_by_role("button", name="发送", exact=True).click()
            expect(agent.locator(".flash")).to_contain_text("回复已发送")
            _shot(agent, "handoff_ticket")

            # The reply reaches the patient's page by polling.
            expect(patient_page.locator("#log .bubble.staff").last).to_contain_text("我是客服小王", timeout=15000)
            patient_page.screenshot(path=str(SHOTS / "patient_chat_handoff.png"), full_page=True)

            agent.click("text=结束人工服务，交还机器人")
            expect(agent.locator(".flash")).to_contain_text("机器人恢复应答")
            expect(patient_page.locator("#log .bubble.staff").last).to_contain_text("继续向智能助手提问", timeout=15000)

            # A clinician signs the refill.
            doctor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            doctor.on("dialog", lambda dialog: dialog.accept())
            _login(doctor, base_url, "doc", doctor_secret)
            doctor.get_by_role("link", name="续方审核").first.click()
            expect(doctor.locator("tr.refill")).to_have_count(1)
            _shot(doctor, "refill_queue")
            doctor.locator("tr.refill").get_by_role("link", name="审核").click()
            doctor.fill("#why", "续方审核")
            doctor.click("main button[type=submit]")
            expect(doctor.locator("main")).to_contain_text("苯磺酸氨氯地平片")
            expect(doctor.locator("main")).to_contain_text("血压稳定，没有头晕")
            doctor.fill("#amount", "57.00")
            _shot(doctor, "refill_review")
            doctor.get_by_role("button", name="签署处方…").click()
            expect(doctor.locator("#confirm")).to_contain_text("¥57.00")  # a confirmation step first
            _shot(doctor, "refill_confirm")
            doctor.click("#confirm-button")
            expect(doctor.locator(".flash")).to_contain_text("已签署处方")
            _shot(doctor, "refill_signed")
        finally:
            browser.close()

    with ctx.db.reading() as session:
        signed = session.get(RefillRequest, refill_id)
        assert signed is not None and signed.status == "signed"
    assert Path(SHOTS / "handoff_ticket.png").exists()


@pytest.mark.browser
def test_an_admin_manages_staff_accounts(live_console: str, ctx: ServiceContext) -> None:
    """Create an account (its TOTP secret shown once, and it works), change roles,
    unlock a locked account, disable it, and be refused demoting the last admin."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    import re

    from playwright.sync_api import expect, sync_playwright

    from services.staff import accounts as staff
    from services.staff import throttle

    base_url = live_console
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin_secret = make_staff(ctx, "boss", "admin")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            admin.on("dialog", lambda dialog: dialog.accept())
            _login(admin, base_url, "boss", admin_secret)
            admin.get_by_role("link", name="工作人员", exact=True).click()
            expect(admin.locator("tr.account")).to_have_count(1)

            admin.fill("#new-username", "lin.yao")
            admin.fill("#new-display-name", "林药师")
            admin.fill("#new-password", "Lin-Yaoshi-2026!")
            admin.check("#create input[value=pharmacist]")
            admin.fill("#new-reason", "新入职药师")
            _shot(admin, "staff_list")
            admin.get_by_role("button", name="创建账号").click()
            expect(admin.locator("h1")).to_contain_text("账号 lin.yao 已创建")
            secret = admin.locator("#totp-secret").inner_text()
            assert re.fullmatch(r"[A-Z2-7]{32}", secret)
            expect(admin.locator("#otpauth-uri")).to_contain_text("otpauth://totp/")
            expect(admin.locator("#totp-qr")).to_be_visible()  # a QR code to scan
            assert admin.locator("#totp-qr").evaluate("img => img.naturalWidth") > 100
            _shot(admin, "staff_created_secret")

            # The new pharmacist logs in with that secret.
            newcomer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            newcomer.goto(base_url + "/console/login")
            newcomer.fill("#username", "lin.yao")
            newcomer.fill("#password", "Lin-Yaoshi-2026!")
            newcomer.fill("#code", pyotp.TOTP(secret).now())
            newcomer.click("button[type=submit]")
            # The password an admin typed must be replaced before anything else.
            expect(newcomer.locator("h1")).to_contain_text("修改密码")
            newcomer.goto(base_url + "/console/refills")
            expect(newcomer.locator("#must-change")).to_be_visible()
            newcomer.fill("#current", "Lin-Yaoshi-2026!")
            newcomer.fill("#new", "Only-Lin-Knows-7?")
            newcomer.fill("#repeat", "Only-Lin-Knows-7?")
            _shot(newcomer, "password_change")
            newcomer.get_by_role("button", name="保存新密码").click()
            expect(newcomer.locator("h1")).to_contain_text("您好，林药师")

            # Roles: also a clinician.
            admin.get_by_role("link", name="完成，返回账号页面").click()
            admin.check("#roles-form input[value=clinician]")
            admin.fill("#roles-form input[name=reason]", "兼任复诊医生")
            admin.get_by_role("button", name="保存角色").click()
            expect(admin.locator(".flash")).to_contain_text("角色已更新")
            expect(admin.locator("#roles")).to_have_text("医生、药师")

            # Five wrong passwords lock the account; the admin unlocks it.
            for _ in range(throttle.ACCOUNT_MAX_FAILURES):
                staff_login = browser.new_context().new_page()
                staff_login.goto(base_url + "/console/login")
                staff_login.fill("#username", "lin.yao")
                staff_login.fill("#password", "Wrong-Password-1")
                staff_login.fill("#code", "000000")
                staff_login.click("button[type=submit]")
                staff_login.context.close()
            admin.reload()
            expect(admin.locator("#state")).to_contain_text("已锁定")
            _shot(admin, "staff_account_locked")
            admin.fill("#unlock-form input[name=reason]", "本人电话确认是输错了密码")
            admin.get_by_role("button", name="解除锁定").click()
            expect(admin.locator(".flash")).to_contain_text("已解除 lin.yao 的登录锁定")
            expect(admin.locator("#state")).to_have_text("正常")

            # Disable: the pharmacist's open session ends.
            admin.fill("#disable-form input[name=reason]", "调岗离开")
            admin.get_by_role("button", name="停用账号").click()
            expect(admin.locator("#state")).to_have_text("已停用")
            _shot(admin, "staff_account_disabled")
            newcomer.reload()
            expect(newcomer.locator("h1")).to_have_text("工作人员登录")

            # The only admin cannot step down.
            admin.get_by_role("link", name="工作人员", exact=True).click()
            admin.locator("tr.account", has_text="boss").get_by_role("link", name="管理").click()
            admin.uncheck("#roles-form input[value=admin]")
            admin.check("#roles-form input[value=support]")
            admin.fill("#roles-form input[name=reason]", "想转去客服")
            admin.get_by_role("button", name="保存角色").click()
            expect(admin.locator("#staff-error")).to_contain_text("没有可用的管理员")
            _shot(admin, "staff_last_admin_refused")
            admin.get_by_role("link", name="审计日志").click()
            expect(admin.locator("tr.entry").first).to_contain_text("停用账号")  # in Chinese, with names
            expect(admin.locator("tr.entry").first).to_contain_text("林药师（lin.yao）")
            expect(admin.locator("main")).to_contain_text("本人电话确认是输错了密码")
        finally:
            browser.close()
    rows = {row.username: row for row in staff.list_staff(ctx)}
    assert rows["boss"].roles == {"admin"} and not rows["lin.yao"].active
    assert rows["lin.yao"].roles == {"pharmacist", "clinician"}
