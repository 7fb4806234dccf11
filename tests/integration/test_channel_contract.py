"""The one channel edge over HTTP, for every platform at once: one app with WeChat,
Alipay and SMS configured (the registry builds all three), each platform's
forged request refused with a 4xx and a replayed capture changing nothing.

A replay is refused where the platform signs a time (WeChat, Alipay: a capture
ten minutes old is stale, 403). Twilio signs none, so an SMS replay cannot be
told from Twilio's own retry: it gets the empty TwiML Twilio expects (200) and
is not handled again (its MessageSid is kept)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from app import create_app
from models import AuditEntry, ConversationMessage, OutboxMessage, PendingReply, SmsOptOut
from services.context import ServiceContext
from tests.conftest import settings_for
from tests.fakes.channels import bot_turns, fake_rasa, wait_for_turns
from tests.fakes.http_server import FakeServer
from tests.integration import test_channel_alipay as alipay
from tests.integration import test_channel_sms as sms
from tests.integration import test_channel_wechat as wechat

TABLES = (ConversationMessage, PendingReply, SmsOptOut, OutboxMessage, AuditEntry)


@pytest.fixture
def every_channel(database_url: str) -> Iterator[Flask]:
    settings = settings_for(
        database_url,
        wechat_token=wechat.TOKEN,
        wechat_app_id=wechat.APP_ID,
        alipay_app_id=alipay.APP_ID,
        alipay_app_private_key=alipay.pem_private(alipay.APP_KEY),
        alipay_public_key=alipay.pem_public(alipay.ALIPAY_KEY),
        twilio_auth_token=sms.AUTH_TOKEN,
        public_base_url=sms.PUBLIC,
    )
    app = create_app(settings)
    yield app
    app.extensions["channel_workers"].wait_idle(15)
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def rasa(every_channel: Flask) -> Iterator[FakeServer]:
    with fake_rasa(every_channel) as server:
        yield server


def rows(ctx: ServiceContext) -> dict[str, int]:
    with ctx.db.reading() as session:
        return {t.__tablename__: int(session.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def _sms_forged(client: FlaskClient) -> Any:
    fields = sms.form("STOP")  # would opt the patient out, were it believed
    signature = RequestValidator("another-accounts-token").compute_signature(f"{sms.PUBLIC}/channels/sms", fields)
    return client.post("/channels/sms", data=fields, headers={"X-Twilio-Signature": signature})


FORGED: dict[str, Callable[[FlaskClient], Any]] = {
    "wechat": lambda c: wechat.post(c, wechat.text_xml("我想挂号", msg_id="forged"), wechat.query(token="forged")),
    "alipay": lambda c: alipay.post(c, alipay.signed_form(alipay.biz(msg_id="forged"), key=alipay.OTHER_KEY)),
    "sms": _sms_forged,
}
STALE: dict[str, Callable[[FlaskClient], Any]] = {
    "wechat": lambda c: wechat.post(
        c, wechat.text_xml("我想挂号", msg_id="old"), wechat.query(timestamp=int(time.time()) - 600)
    ),
    "alipay": lambda c: alipay.post(
        c, alipay.signed_form(alipay.biz(msg_id="old", created_ms=int((time.time() - 600) * 1000)))
    ),
}


def test_the_registry_serves_every_platform_from_one_app(every_channel: Flask) -> None:
    assert set(every_channel.extensions["channels"]) == {"wechat", "alipay", "sms"}
    rules = {r.rule: r.methods for r in every_channel.url_map.iter_rules() if r.rule.startswith("/channels/")}
    assert rules["/channels/wechat"] >= {"GET", "POST"}
    assert "POST" in rules["/channels/alipay"] and "GET" not in rules["/channels/alipay"]
    assert "POST" in rules["/channels/sms"] and "GET" not in rules["/channels/sms"]
    client = every_channel.test_client()
    assert client.get("/channels/sms").status_code == 405
    assert client.post("/channels/line").status_code == 404  # no such platform


def test_an_unconfigured_platform_answers_404(app: Flask) -> None:
    client = app.test_client()
    assert [client.post(f"/channels/{name}").status_code for name in ("wechat", "alipay", "sms")] == [404] * 3


@pytest.mark.parametrize("platform", sorted(FORGED))
def test_a_forged_request_is_refused_and_changes_nothing(every_channel: Flask, rasa: FakeServer, platform: str) -> None:
    ctx: ServiceContext = every_channel.extensions["hospital"]
    before = rows(ctx)
    response = FORGED[platform](every_channel.test_client())
    wait_for_turns(every_channel)
    assert response.status_code == 403 and response.json["error"] == "bad_signature"
    assert rows(ctx) == before and bot_turns(rasa) == []


@pytest.mark.parametrize("platform", sorted(STALE))
def test_a_stale_replay_is_refused_and_changes_nothing(every_channel: Flask, rasa: FakeServer, platform: str) -> None:
    ctx: ServiceContext = every_channel.extensions["hospital"]
    before = rows(ctx)
    response = STALE[platform](every_channel.test_client())
    wait_for_turns(every_channel)
    assert response.status_code == 403 and response.json["error"] == "stale"
    assert rows(ctx) == before and bot_turns(rasa) == []


def test_a_replayed_sms_is_acknowledged_and_changes_nothing(every_channel: Flask, rasa: FakeServer) -> None:
    ctx: ServiceContext = every_channel.extensions["hospital"]
    client = every_channel.test_client()
    capture = sms.form("我想挂号")
    assert sms.messages(sms.post(client, capture))  # answered the first time
    after_first = rows(ctx)
    replay = sms.post(client, capture)
    assert replay.status_code == 200 and sms.messages(replay) == []
    assert rows(ctx) == after_first and len(bot_turns(rasa)) == 1


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_a_genuine_message_from_each_pushing_platform_is_kept_once(
    every_channel: Flask, rasa: FakeServer, platform: str
) -> None:
    """The same app, genuine requests: the contract's refusals above are not refusing everything."""
    ctx: ServiceContext = every_channel.extensions["hospital"]
    client = every_channel.test_client()
    if platform == "wechat":
        response = wechat.post(client, wechat.text_xml("我想挂号", msg_id="ok-1"))
    else:
        response = alipay.post(client, alipay.signed_form(alipay.biz(msg_id="ok-1")))
    wait_for_turns(every_channel)
    assert response.status_code == 200
    assert rows(ctx)["inbound_messages"] == 1 and len(bot_turns(rasa)) == 1
