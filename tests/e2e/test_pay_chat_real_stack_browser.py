"""The paid booking from the first word to the confirmation, on the real stack, tapped
in real headless Chromium at phone size (issue 12): the web chat page → the app under
gunicorn → the real Rasa model (var/rasa/models/current.tar.gz) → the action server →
the v1 API. The patient books a paid slot by chatting as the bot asks (department,
day, slot, name, ID number, phone, the SMS code), taps 去支付, pays on the pay page,
sees 支付成功, and the confirmation arrives in the chat. Three times, one stack each:
- Alipay WAP in a phone browser: the local fake of Alipay's cashier checks the signed
  request, sends the signed notification and returns the browser to the page;
- WeChat JSAPI with the chat opened inside WeChat: the pay page asks WeChat's web
  authorisation (a local fake) for the openid, a fake `WeixinJSBridge` whose WeChat side
  checks `paySign` sends the signed, encrypted v3 notification before answering ok;
- WeChat Native on a desktop browser: the pay page shows the platform's QR code, and
  WeChat Pay's signed, encrypted notification (the phone that scanned it paid) flips it.

Only the far side of the network is faked. Starting Rasa costs a minute or more (far
more on a loaded machine), so the test is `slow` (`make test-slow`) and starts its own
stacks: the session's stack (tests/e2e/conftest.py) pays with the console provider."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from services.booking.calendar import local_today
from tests.e2e.stack import MODEL, Stack, full_stack
from tests.e2e.test_pay_page_browser import ANDROID_UA, PHONE
from tests.e2e.test_pay_wechat_qr_browser import DESKTOP, DESKTOP_UA, WECHAT_UA
from tests.e2e.test_web_chat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import valid_id_number
from tests.fakes import payment_platforms as fake
from tests.fakes.alipay_cashier import Cashier, cashier_server
from tests.fakes.wechat_client import BRIDGE_FUNCTION, BRIDGE_SCRIPT, WeChatApp
from tests.fakes.wechat_oauth import OAUTH_OPENID, WeChatOAuthServer, oauth_server, oauth_settings

pytestmark = [pytest.mark.slow, pytest.mark.rasa, pytest.mark.browser]

TURN_MS = 90_000  # one chat turn through Rasa and the action server, on a loaded 2-core machine
PATIENT_PHONE = "13922223333"
PATIENT_NAME = "孙桂兰"


@dataclass
class Platform:
    """One payment platform's far side, and how the app's servers are pointed at it."""

    name: str
    env: dict[str, str]
    cashier: Cashier | None = None
    wechat: WeChatApp | None = None
    oauth: WeChatOAuthServer | None = None
    gateway: fake.WeChatGateway | None = None  # WeChat Pay's side, for the QR code on a desktop


def _env(settings: dict[str, Any]) -> dict[str, str]:
    return {name.upper(): str(value) for name, value in settings.items()}


@contextmanager
def _platform(name: str) -> Iterator[Platform]:
    """The app in live payment mode on the test keys, `name` taking the orders."""
    provider = "wechat" if name.startswith("wechat") else name
    live = _env({**fake.live_settings(), "payment_live_provider": provider})
    if name == "alipay":
        cashier = Cashier()
        with cashier_server(cashier) as gateway:
            yield Platform(name, {**live, "ALIPAY_PAY_GATEWAY_URL": f"{gateway}/gateway.do"}, cashier=cashier)
        return
    gateway_side, oauth = fake.WeChatGateway(), WeChatOAuthServer()
    with fake.gateway_server(fake.wechat_signing(gateway_side)) as gateway, oauth_server(oauth) as authorize:
        env = {
            **live,
            "WECHAT_PAY_GATEWAY_URL": gateway,
            **_env(oauth_settings(authorize)),
        }
        if name == "wechat_qr":  # the chat on a desktop browser: the pay page shows a Native QR code
            yield Platform(name, env, gateway=gateway_side)
        else:
            yield Platform(name, env, wechat=WeChatApp(gateway_side), oauth=oauth)


@pytest.fixture(scope="module", params=["alipay", "wechat", "wechat_qr"])
def paying_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, Platform]]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `make browser` (Debian package `chromium`)")
    if not MODEL.exists():
        pytest.skip("no trained model at var/rasa/models/current.tar.gz: run `make train`")
    with _platform(str(request.param)) as platform:
        # Consent is off as for the other journeys (tests/e2e/conftest.py): its own tests are elsewhere.
        # A first turn on a loaded 2-core machine can take longer than the 8 s a patient is given.
        env = {**platform.env, "PRIVACY_CONSENT_REQUIRED": "false", "RASA_TIMEOUT_SECONDS": "60"}
        with full_stack(tmp_path_factory.mktemp(f"pay-chat-{platform.name}"), app_env=env) as running:
            yield running, platform


def _clinic_day(stack: Stack) -> date:
    """The first day ahead with cardiology slots (the seed closes weekends and holidays)."""
    for ahead in range(1, 14):
        day = local_today() + timedelta(days=ahead)
        found = stack.api("GET", f"/api/v1/slots?department=cardiology&date={day.isoformat()}")
        if found.status_code == 200 and found.json():
            return day
    raise AssertionError("the seeded hospital has no cardiology slots in the next two weeks")


def _otp(stack: Stack, phone: str) -> str:
    codes = [m for m in stack.api("GET", f"/api/v1/dev/outbox?to={phone}").json() if m["kind"] == "otp"]
    assert codes, "no SMS code was sent"
    found = re.search(r"\d{6}", codes[-1]["text"])
    assert found is not None
    return found.group(0)


def test_a_patient_books_by_chatting_taps_pay_pays_and_the_chat_confirms(
    paying_stack: tuple[Stack, Platform],
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    stack, platform = paying_stack
    day = _clinic_day(stack)
    ARTIFACTS.mkdir(exist_ok=True)
    shots: list[Path] = []

    def shot(page: Page, name: str) -> None:
        shots.append(ARTIFACTS / f"real_stack_{platform.name}_{name}.png")
        page.screenshot(path=str(shots[-1]), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            agent = WECHAT_UA if platform.wechat else ANDROID_UA  # the chat opened inside WeChat, or not
            screen: dict[str, Any] = dict(PHONE)
            if platform.gateway:  # a desktop browser: the pay page shows the QR code to scan
                agent, screen = DESKTOP_UA, dict(DESKTOP)
            context = browser.new_context(user_agent=agent, **screen)
            context.set_default_timeout(TURN_MS)
            if platform.wechat:  # every page WeChat opens has its bridge
                context.expose_function(BRIDGE_FUNCTION, platform.wechat.invoke)
                context.add_init_script(BRIDGE_SCRIPT)
            chat = context.new_page()
            bots = chat.locator("#log .bubble.bot")

            def turn(act: Callable[[], None]) -> str:
                """Do one thing in the chat; the bot's new bubbles once it has answered."""
                before = bots.count()
                act()
                expect(chat.locator("#typing")).to_be_hidden(timeout=TURN_MS)
                return "\n".join(bots.all_inner_texts()[before:])

            def say(text: str) -> str:
                def act() -> None:
                    chat.fill("#input", text)
                    chat.press("#input", "Enter")

                return turn(act)

            chat.goto(stack.app_url + "/")
            expect(bots.first).to_be_visible(timeout=TURN_MS)  # the greeting, from the real bot
            expect(chat.locator("#typing")).to_be_hidden(timeout=TURN_MS)

            asked_day = say("我想挂心内科")
            assert "哪一天" in asked_day, asked_day
            slots = say(f"{day.month}月{day.day}号")
            assert "心血管内科" in slots, slots
            first_slot = chat.locator("#log .buttons").last.locator("button").first
            expect(first_slot).to_have_text(re.compile(r"^1 "))
            shot(chat, "chat_slots")
            asked_name = turn(first_slot.click)  # tapped, as an elderly patient would
            assert "姓名" in asked_name, asked_name
            assert "身份证" in say(PATIENT_NAME)
            assert "手机" in say(valid_id_number(birth="19520314", sequence=412))
            read_back = say(PATIENT_PHONE)
            assert PATIENT_NAME in read_back and "139****3333" in read_back, read_back
            assert "验证码" in say("对")
            held = say(_otp(stack, PATIENT_PHONE))
            assert "已为您保留号源" in held, held

            pay_button = chat.get_by_role("link", name="去支付").last
            expect(pay_button).to_be_visible()
            link = pay_button.get_attribute("href") or ""
            assert link.startswith(stack.app_url + "/p/"), link  # the short link, never the order number
            shot(chat, "chat_pay_button")

            before_paying = bots.count()
            with context.expect_page() as opened:
                pay_button.click()
            pay = opened.value
            pay.wait_for_load_state()
            fee = re.search(r"挂号费\s*(\d+(?:\.\d+)?)\s*元", held)
            assert fee is not None, held
            expect(pay.locator("#amount")).to_have_text(f"¥{Decimal(fee.group(1)):.2f}")  # what the bot said
            expect(pay.locator(".lines")).to_contain_text("心血管内科")
            shot(pay, "pay_page")
            if platform.cashier:
                pay.get_by_role("link", name="使用支付宝支付").click()
                pay.locator("#alipay-pay").click()  # on the cashier: the order's amount, and 付款
                pay.wait_for_url(link)
            elif platform.gateway:  # scanned with a phone: WeChat Pay notifies the app, the page polls
                expect(pay.locator("#qr")).to_be_visible()
                pay.wait_for_function("document.getElementById('qr').naturalWidth > 100")
                shot(pay, "pay_page_qr")
                natives = [json.loads(body) for _, path, body in platform.gateway.calls if path.endswith("/native")]
                assert natives and {n["out_trade_no"] for n in natives} == {natives[0]["out_trade_no"]}  # one order
                order = natives[-1]
                headers, body = fake.wechat_notification(order["out_trade_no"], order["amount"]["total"])
                told = requests.post(f"{stack.app_url}/payments/wechat/notify", data=body, headers=headers, timeout=30)
                assert told.status_code in (200, 204), told.text
            else:  # the openid from WeChat's web authorisation on the way in, then the bridge
                expect(pay).to_have_url(re.compile(re.escape(link) + "(#wechat_redirect)?$"))
                pay.get_by_role("button", name="使用微信支付").click()
            expect(pay.locator("#paid")).to_contain_text("支付成功")
            shot(pay, "pay_page_paid")

            chat.bring_to_front()
            # The held reply says the confirmation will follow: it comes as a new bubble.
            confirmation = bots.filter(has_text="您已预约成功")
            expect(confirmation).to_have_count(1, timeout=30_000)
            expect(confirmation).to_contain_text("心血管内科")
            assert bots.count() == before_paying + 1
            confirmation.scroll_into_view_if_needed()
            shot(chat, "chat_confirmation")
            sent_to_bot = [t for t in chat.locator("#log .bubble.me").all_inner_texts() if t.startswith("http")]
        finally:
            browser.close()

    assert sent_to_bot == []  # tapping 去支付 sent nothing to the bot
    if platform.gateway:
        assert order["amount"]["total"] == int(Decimal(fee.group(1)) * 100)  # the fee the bot named, in fen
        assert not [path for _, path, _ in platform.gateway.calls if path.endswith("/jsapi")]
    elif platform.cashier:
        [opened_request] = platform.cashier.opened
        assert opened_request["return_url"] == link and platform.cashier.notified == [200]
    else:
        assert platform.wechat is not None and platform.oauth is not None
        [authorized] = platform.oauth.authorized
        assert authorized["redirect_uri"] == link + "/oauth"
        [order] = platform.wechat.prepaid
        assert order["payer"] == {"openid": OAUTH_OPENID} and platform.wechat.notified in ([200], [204])
    assert all(path.stat().st_size > 10_000 for path in shots)
