"""Every text channel's booking reply carries a link that opens the pay page:
WeChat as `<a href>`, Alipay's service window and SMS as the short link itself.
The bot's reply is a real held booking's `pay_link`; the test then opens it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from integrations.rasa.client import RasaRestClient
from services.context import ServiceContext
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes.channels import until, wait_for_turns
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.integration import test_channel_alipay as alipay
from tests.integration import test_channel_sms as sms
from tests.integration import test_channel_wechat as wechat
from tests.wiring import use

alipay_app, sms_app = alipay.alipay_app, sms.sms_app


@pytest.fixture
def wechat_app(database_url: str) -> Iterator[Flask]:
    """As the WeChat channel tests' app, with time enough for the passive reply on a busy machine."""
    settings = settings_for(
        database_url,
        wechat_token=wechat.TOKEN,
        wechat_app_id=wechat.APP_ID,
        wechat_app_secret="secret",
        channel_reply_budget_seconds=4.0,
    )
    app = create_app(settings)
    yield app
    app.extensions["channel_workers"].wait_idle(15)
    app.extensions["hospital"].db.dispose()


LINK = re.compile(r"https?://[^\s\"<]+/p/([0-9a-z]+)")


def _pay_link(app: Flask, day: date) -> str:
    ctx: ServiceContext = app.extensions["hospital"]
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=4000), day)
    body = {"patient_id": make_patient(ctx), "slot_id": slot}
    return str(app.test_client().post("/api/v1/appointments", json=body, headers=AUTH).json["payment"]["pay_link"])


@pytest.fixture
def held_reply(request: pytest.FixtureRequest, clinic_day: date) -> Iterator[tuple[Flask, str]]:
    """The app named by the test's parameter, its bot answering with a booking's 去支付 link button."""
    app: Flask = request.getfixturevalue(request.param)
    link = _pay_link(app, clinic_day)

    def bot(req: Recorded) -> tuple[int, object]:
        if req.path.startswith("/webhooks/rest/webhook"):
            buttons = [{"title": "去支付", "url": link}, {"title": "1 取消预约", "payload": "/cancel_appointment"}]
            return 200, [{"recipient_id": req.json()["sender"], "text": "已为您保留号源", "buttons": buttons}]
        return 200, {}

    server: FakeServer
    with fake_server(bot) as server:
        use(app, dialogue=RasaRestClient(server.url, timeout=3.0))
        yield app, link


def _opens_the_pay_page(client: FlaskClient, text: str, link: str) -> None:
    found = LINK.search(text)
    assert found is not None and found.group(0) == link
    page = client.get(f"/p/{found.group(1)}")
    assert page.status_code == 200 and "¥40.00" in page.get_data(as_text=True)


@pytest.mark.parametrize("held_reply", ["wechat_app"], indirect=True)
def test_wechat_reply_carries_an_a_href_to_the_pay_page(held_reply: tuple[Flask, str]) -> None:
    app, link = held_reply
    client = app.test_client()
    content = wechat.reply_content(wechat.post(client, wechat.text_xml("我的预约")).data)
    assert f'<a href="{link}">去支付</a>' in content
    assert "回复1 取消预约" in content  # the link takes no number; the choice keeps its own
    _opens_the_pay_page(client, content, link)


@pytest.mark.parametrize("held_reply", ["sms_app"], indirect=True)
def test_sms_reply_carries_the_short_link(held_reply: tuple[Flask, str]) -> None:
    app, link = held_reply
    client = app.test_client()
    [text] = sms.messages(sms.post(client, sms.form("我的预约")))
    assert f"去支付：{link}" in text and len(link) < 60
    _opens_the_pay_page(client, text, link)


@pytest.mark.parametrize("held_reply", ["alipay_app"], indirect=True)
def test_alipay_service_window_message_carries_the_link(held_reply: tuple[Flask, str]) -> None:
    app, link = held_reply
    client = app.test_client()
    assert alipay.post(client, alipay.signed_form(alipay.biz(content="我的预约"))).status_code == 200
    wait_for_turns(app)
    until(lambda: len(alipay.custom_sends(app)) == 1)
    [send] = alipay.custom_sends(app)
    assert f"去支付：{link}" in send["text"]["content"]
    _opens_the_pay_page(client, send["text"]["content"], link)
