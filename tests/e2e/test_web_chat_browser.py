"""The web chat page at `/`, driven in real headless Chromium (Debian's package,
through Playwright) against the real app over real HTTP: a patient books an
appointment by tapping buttons and typing a button's number. The dialogue
engine is a local server speaking Rasa's REST protocol with a scripted booking
dialogue, so the test is about the page and the web channel, not the NLU."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from config import ROOT
from integrations.rasa.client import RasaRestClient
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# payload → (reply text, [(button title, payload)])
BOOKING: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "/greet": (
        "您好！我是医院的小助手，您想办哪件事？",
        [("1 看病不知道挂哪科（自诊）", "/report_symptom"), ("2 预约挂号", "/book_appointment")],
    ),
    "/book_appointment": (
        "好的，您想挂哪个科室？",
        [("1 心血管内科", '/inform{"department":"cardiology"}'), ("2 呼吸内科", '/inform{"department":"respiratory"}')],
    ),
    '/inform{"department":"cardiology"}': (
        "心血管内科，您想哪天来？",
        [("1 明天上午", '/inform{"date":"tomorrow_am"}'), ("2 后天上午", '/inform{"date":"day_after_am"}')],
    ),
    '/inform{"date":"tomorrow_am"}': (
        "明天上午心血管内科还有这些号：",
        [("1 王医生 09:00 挂号费30元", '/inform{"slot_id":"slot_1"}')],
    ),
    '/inform{"slot_id":"slot_1"}': ("请确认就诊人：张*（身份证 1101**********1234）", [("1 确认", "/affirm")]),
    "/affirm": ("预约成功！王医生 明天上午09:00，心血管内科。请提前20分钟到门诊二楼候诊。", []),
}


def scripted_rasa(request: Recorded) -> tuple[int, object]:
    if not request.path.startswith("/webhooks/rest/webhook"):
        return 200, {}
    sent = request.json()
    text, buttons = BOOKING.get(sent["message"], ("抱歉，我没听懂。", []))
    return 200, [
        {"recipient_id": sent["sender"], "text": text, "buttons": [{"title": t, "payload": p} for t, p in buttons]}
    ]


@pytest.fixture
def live_app(app: Flask) -> Iterator[tuple[str, FakeServer]]:
    with fake_server(scripted_rasa) as rasa:
        use(app, dialogue=RasaRestClient(rasa.url, timeout=5))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", rasa
        finally:
            server.shutdown()


@pytest.mark.browser
def test_a_patient_books_an_appointment_on_the_chat_page(live_app: tuple[str, FakeServer]) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import expect, sync_playwright

    base_url, rasa = live_app
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
            page.goto(base_url + "/")
            expect(page.locator("#log .bubble.bot").first).to_contain_text("您想办哪件事")
            # Numbers shown once even when the bot's titles carry them.
            expect(page.get_by_role("button", name="2 预约挂号", exact=True)).to_be_visible()

            page.get_by_role("button", name="2 预约挂号", exact=True).click()
            expect(page.locator("#log .bubble.bot").last).to_contain_text("您想挂哪个科室")
            page.fill("#input", "1")  # typing a button's number works like tapping it
            page.press("#input", "Enter")
            expect(page.locator("#log .bubble.me").last).to_have_text("1 心血管内科")
            expect(page.locator("#log .bubble.bot").last).to_contain_text("您想哪天来")
            page.get_by_role("button", name="1 明天上午").click()
            page.get_by_role("button", name="1 王医生 09:00 挂号费30元").click()
            expect(page.locator("#log .bubble.bot").last).to_contain_text("请确认就诊人")
            page.get_by_role("button", name="1 确认").click()
            expect(page.locator("#log .bubble.bot").last).to_contain_text("预约成功")
            expect(page.locator("#typing")).to_be_hidden()
            # Buttons of earlier turns are disabled, so an old choice cannot be sent twice.
            assert page.get_by_role("button", name="2 呼吸内科").is_disabled()
            page.screenshot(path=str(ARTIFACTS / "web_chat_booking.png"), full_page=True)
        finally:
            browser.close()

    sent = [json.loads(r.body)["message"] for r in rasa.requests if r.path.startswith("/webhooks")]
    assert sent == list(BOOKING)
    senders = {json.loads(r.body)["sender"] for r in rasa.requests if r.path.startswith("/webhooks")}
    assert len(senders) == 1 and next(iter(senders)).startswith("c_")  # one conversation, by its pseudonym


PAGE_ADVICE = "请马上拨打120，或立即去急诊"
BUSY = "系统繁忙，请稍后再试；如有胸痛、呼吸困难等紧急情况请立即拨打120"


@pytest.mark.browser
def test_the_page_gives_the_120_advice_itself_when_the_server_fails(live_app: tuple[str, FakeServer]) -> None:
    """Issue 11, weakness 6: a 5xx or a dead network must not leave a patient typing chest
    pain with nothing but "try again later"; the advice comes from the page, not the server."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import Route, expect, sync_playwright

    base_url, _ = live_app
    failure = {"how": "500"}

    def broken_chat(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
        elif failure["how"] == "500":
            route.fulfill(status=500, content_type="application/json", body='{"message": "内部错误"}')
        else:
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base_url + "/")
            # a shared, busy machine: the first turn may take more than Playwright's 5 s
            expect(page.locator("#log .bubble.bot").first).to_contain_text("您想办哪件事", timeout=20_000)
            page.route("**/api/v1/chat", broken_chat)
            answers = page.locator("#log .bubble.bot")

            def say(text: str, count: int) -> str:
                page.fill("#input", text)
                page.press("#input", "Enter")
                expect(answers).to_have_count(count, timeout=20_000)
                expect(page.locator("#typing")).to_be_hidden()
                return answers.last.inner_text()

            assert PAGE_ADVICE in say("我胸口痛，出冷汗", 2)  # simplified, 500
            assert say("我想挂个号", 3) == BUSY
            failure["how"] = "offline"
            assert PAGE_ADVICE in say("我媽媽突然呼吸困難", 4)  # traditional, network down
            assert say("查报告", 5) == BUSY
            assert PAGE_ADVICE in say("他暈倒了叫不醒", 6)
            expect(page.locator("#log .bubble.bot.emergency")).to_have_count(3)
        finally:
            browser.close()
