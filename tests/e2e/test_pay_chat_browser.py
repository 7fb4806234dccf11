"""The whole journey on the web chat page, in real headless Chromium at phone size:
a held visit in 我的预约 offers 去支付 as a link button; tapping it opens the pay
page in a new tab (nothing is sent to the bot); paying there shows 支付成功, and
back in the chat the booking confirmation arrives by itself. The dialogue engine
is a local server speaking Rasa's REST protocol; booking, pay link, pay page,
settlement and the confirmation are the real app over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from integrations.rasa.client import RasaRestClient
from services.context import ServiceContext
from services.conversation import pseudonyms
from services.patients.registry import phone_hash, register_patient
from tests.conftest import AUTH, settings_for
from tests.e2e.test_pay_page_browser import PHONE
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import make_department, make_doctor, make_slot, valid_id_number
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

PATIENT_PHONE = "13811112222"


class ScriptedBot:
    """Greets, and answers 我的预约 with the held visit and its 去支付 link button."""

    def __init__(self) -> None:
        self.pay_link = ""

    def __call__(self, request: Recorded) -> tuple[int, object]:
        if not request.path.startswith("/webhooks/rest/webhook"):
            return 200, {}
        sent = request.json()
        if sent["message"] == "我的预约" and self.pay_link:
            return 200, [
                {
                    "recipient_id": sent["sender"],
                    "text": "1. 张** 心血管内科 王医生 明天 09:00（待支付，请在15分钟内支付）",
                    "buttons": [{"title": "去支付", "url": self.pay_link}],
                },
                {
                    "recipient_id": sent["sender"],
                    "text": "需要取消或改时间吗？",
                    "buttons": [{"title": "1 取消预约", "payload": "/cancel_appointment"}],
                },
            ]
        return 200, [{"recipient_id": sent["sender"], "text": "您好！我是医院的小助手，您想办哪件事？"}]


@pytest.fixture
def chat_stack(database_url: str) -> Iterator[tuple[Flask, str, FakeServer, ScriptedBot]]:
    holder: dict[str, Flask] = {}

    def wsgi(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        return holder["app"](environ, start)  # type: ignore[no-any-return]

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    served = f"http://127.0.0.1:{server.server_port}"
    bot = ScriptedBot()
    with fake_server(bot) as rasa:
        holder["app"] = create_app(settings_for(database_url, public_base_url=served))
        use(holder["app"], dialogue=RasaRestClient(rasa.url, timeout=5))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield holder["app"], served, rasa, bot
        finally:
            server.shutdown()
            holder["app"].extensions["hospital"].db.dispose()


def _hold_for(app: Flask, web_user: str, day: date) -> dict[str, Any]:
    """The chatting browser's patient, bound to its web identity, with a held paid visit."""
    ctx: ServiceContext = app.extensions["hospital"]
    view, _ = register_patient(
        ctx,
        name="张三",
        id_number=valid_id_number(sequence=11),
        phone=PATIENT_PHONE,
        channel="web",
        channel_user_id=web_user,
        proven_phone_hash=phone_hash(ctx.cipher, PATIENT_PHONE),
    )
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), day)
    body = {"patient_id": view.id, "slot_id": slot, "channel": "web"}
    return app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json  # type: ignore[no-any-return]


@pytest.mark.browser
def test_chat_tap_pay_and_the_confirmation_comes_back_to_the_chat(
    chat_stack: tuple[Flask, str, FakeServer, ScriptedBot], clinic_day: date
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    from playwright.sync_api import expect, sync_playwright

    app, served, rasa, bot = chat_stack
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**PHONE)  # type: ignore[arg-type]
            chat = context.new_page()
            chat.goto(served + "/")
            expect(chat.locator("#log .bubble.bot").first).to_contain_text("您想办哪件事")
            [greeting] = [r.json() for r in rasa.requests if r.path.startswith("/webhooks")]
            # Rasa knows the page by a pseudonym only (never the web id): the app maps it back
            conversation = pseudonyms.conversation_of(app.extensions["hospital"], str(greeting["sender"]))
            web_user = conversation.removeprefix("web:")
            held = _hold_for(app, web_user, clinic_day)
            bot.pay_link = str(held["payment"]["pay_link"])

            chat.fill("#input", "我的预约")
            chat.press("#input", "Enter")
            pay_button = chat.get_by_role("link", name="去支付")
            expect(pay_button).to_be_visible()
            expect(pay_button).to_have_attribute("href", bot.pay_link)
            expect(chat.get_by_role("button", name="1 取消预约")).to_be_visible()  # choices keep their numbers
            chat.screenshot(path=str(ARTIFACTS / "chat_pay_button.png"), full_page=True)

            with context.expect_page() as opened:
                pay_button.click()
            pay = opened.value
            pay.wait_for_load_state()
            expect(pay.locator("#amount")).to_have_text("¥30.00")
            pay.locator("#pay-console").click()
            expect(pay.locator("#paid")).to_contain_text("支付成功")
            pay.screenshot(path=str(ARTIFACTS / "chat_pay_page_paid.png"), full_page=True)

            chat.bring_to_front()
            expect(chat.locator("#log .bubble.bot").last).to_contain_text("预约成功", timeout=15_000)
            chat.screenshot(path=str(ARTIFACTS / "chat_confirmation.png"), full_page=True)
        finally:
            browser.close()

    sent = [r.json()["message"] for r in rasa.requests if r.path.startswith("/webhooks")]
    assert not any(message.startswith("http") for message in sent)  # the link never went to the bot
    appointment = app.test_client().get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json
    assert appointment["status"] == "confirmed"
