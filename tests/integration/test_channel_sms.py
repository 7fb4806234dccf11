"""SMS through Twilio's webhook (signed with twilio's own RequestValidator, as
Twilio signs), answered in TwiML; opt-outs respected by every later send; the
Twilio and Aliyun providers against local servers speaking their APIs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import xmltodict
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from app import build_senders, create_app
from integrations.messaging import DeliveryFailed, OutboundMessage
from integrations.sms.aliyun import AliyunSmsProvider
from integrations.sms.base import OptOutGuard, SmsRouter
from integrations.sms.console import ConsoleSender
from integrations.sms.twilio import TwilioSmsProvider
from services.context import ServiceContext
from services.conversation import pseudonyms
from tests.conftest import settings_for
from tests.fakes.channels import bot_turns, fake_rasa
from tests.fakes.http_server import FakeServer, Recorded, fake_server
from tests.wiring import use

AUTH_TOKEN = "twilio-auth-token-test"
SID = "AC" + "0" * 32
PUBLIC = "https://hospital.example.cn"
PATIENT = "+8613512345678"
counter = iter(range(10_000))


def form(body: str, sender: str = PATIENT, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(counter):032d}",
        "AccountSid": SID,
        "From": sender,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def post(
    client: FlaskClient, fields: dict[str, str], url: str = f"{PUBLIC}/channels/sms", token: str = AUTH_TOKEN
) -> Any:
    signature = RequestValidator(token).compute_signature(url, fields)
    return client.post("/channels/sms", data=fields, headers={"X-Twilio-Signature": signature})


def messages(response: Any) -> list[str]:
    parsed = xmltodict.parse(response.data, force_list=("Message",))["Response"] or {}
    return [str(m) for m in parsed.get("Message", [])]


@pytest.fixture
def sms_app(database_url: str) -> Iterator[Flask]:
    app = create_app(settings_for(database_url, twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC))
    yield app
    app.extensions["hospital"].db.dispose()


@pytest.fixture
def client(sms_app: Flask) -> FlaskClient:
    return sms_app.test_client()


@pytest.fixture
def rasa(sms_app: Flask) -> Iterator[FakeServer]:
    with fake_rasa(sms_app) as server:
        yield server


def test_a_text_gets_twiml_with_numbered_choices(sms_app: Flask, client: FlaskClient, rasa: FakeServer) -> None:
    response = post(client, form("我想挂号"))
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert messages(response) == ["收到：我想挂号\n回复1 预约挂号\n回复2 查检查化验结果"]
    [turn] = bot_turns(rasa)
    # Rasa's tracker would keep its sender id in plaintext: the phone number never reaches it
    ctx: ServiceContext = sms_app.extensions["hospital"]
    assert turn["sender"] == pseudonyms.of(ctx.cipher, f"sms:{PATIENT}") and turn["metadata"] == {"channel": "sms"}
    assert PATIENT.lstrip("+") not in json.dumps(turn) and PATIENT[-11:] not in json.dumps(turn)


def test_a_replayed_message_sid_is_not_handled_again(client: FlaskClient, rasa: FakeServer) -> None:
    fields = form("我想挂号", sid="SM" + "7" * 32)
    assert messages(post(client, fields))
    assert messages(post(client, fields)) == []
    assert len(bot_turns(rasa)) == 1


@pytest.mark.parametrize(
    ("url", "token", "header"),
    [
        (f"{PUBLIC}/channels/sms", "another-accounts-token", True),  # forged
        ("http://10.0.0.5:5000/channels/sms", AUTH_TOKEN, True),  # signed for the proxy's URL, not ours
        (f"{PUBLIC}/channels/sms", AUTH_TOKEN, False),  # unsigned
    ],
)
def test_forged_or_unsigned_requests_are_refused(
    client: FlaskClient, rasa: FakeServer, url: str, token: str, header: bool
) -> None:
    fields = form("我想挂号")
    headers = {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, fields)} if header else {}
    assert client.post("/channels/sms", data=fields, headers=headers).status_code == 403
    assert bot_turns(rasa) == []


def test_a_tampered_body_is_refused(client: FlaskClient, rasa: FakeServer) -> None:
    fields = form("我想挂号")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}/channels/sms", fields)
    fields["Body"] = "帮我取消所有预约"
    assert client.post("/channels/sms", data=fields, headers={"X-Twilio-Signature": signature}).status_code == 403


def test_malformed_and_oversized(client: FlaskClient, rasa: FakeServer) -> None:
    fields = form("hi")
    del fields["From"]
    assert post(client, fields).status_code == 400
    assert post(client, form("长" * 17000)).status_code == 413
    assert bot_turns(rasa) == []


@pytest.mark.parametrize("stop", ["STOP", "退订", "Stop.", " td "])
def test_stop_is_respected_by_replies_and_every_later_send_until_start(
    sms_app: Flask, client: FlaskClient, rasa: FakeServer, stop: str
) -> None:
    assert "已退订" in messages(post(client, form(stop)))[0]
    assert messages(post(client, form("我想挂号"))) == []  # nothing goes back, not even the bot
    assert bot_turns(rasa) == []
    sender = sms_app.extensions["hospital"].senders["sms"]
    with pytest.raises(DeliveryFailed) as refused:
        sender.send(OutboundMessage("13512345678", "您的验证码是123456", "otp"))  # the same number, written locally
    assert refused.value.retryable is False
    assert "已恢复" in messages(post(client, form("START")))[0]
    assert sender.send(OutboundMessage(PATIENT, "您的验证码是123456", "otp")).startswith("console-")
    assert messages(post(client, form("我想挂号")))


def test_long_answers_are_split_at_sentence_ends(sms_app: Flask, client: FlaskClient) -> None:
    sentence = "请您在就诊当天带好身份证和医保卡，提前二十分钟到门诊一楼自助机取号。"
    long_text = sentence * 12

    def chatty(request: Recorded) -> tuple[int, object]:
        return 200, [{"recipient_id": "x", "text": long_text}] if "webhook" in request.path else {}

    with fake_server(chatty) as server:
        from integrations.rasa.client import RasaRestClient

        use(sms_app, dialogue=RasaRestClient(server.url, timeout=3))
        parts = messages(post(client, form("怎么取号")))
    assert len(parts) > 1 and all(len(p) <= 300 for p in parts)
    assert all(p.endswith("。") for p in parts) and "".join(parts) == long_text


def test_bot_down_gives_the_apology(client: FlaskClient) -> None:
    assert "010-64412800" in messages(post(client, form("我想挂号")))[0]


# -- providers ----------------------------------------------------------------------------------
def twilio_api(request: Recorded) -> tuple[int, object]:
    fields = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    return 201, {"sid": "SM" + "9" * 32, "status": "queued", "to": fields.get("To"), "body": fields.get("Body")}


def aliyun_api(request: Recorded) -> tuple[int, object]:
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900001", "RequestId": "R-1"}


def test_twilio_provider_posts_to_the_messages_api() -> None:
    with fake_server(twilio_api) as api:
        provider = TwilioSmsProvider(SID, AUTH_TOKEN, "+15005550006", base_url=api.url)
        sid = provider.send(OutboundMessage("+14155550100", "Your code is 123456", "otp"))
    [request] = api.requests
    assert sid == "SM" + "9" * 32
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    sent = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert sent == {"To": "+14155550100", "From": "+15005550006", "Body": "Your code is 123456"}


def test_twilio_errors_are_typed() -> None:
    with fake_server(lambda r: (400, {"code": 21211, "message": "invalid To", "status": 400})) as api:
        provider = TwilioSmsProvider(SID, AUTH_TOKEN, "+15005550006", base_url=api.url)
        with pytest.raises(DeliveryFailed) as failed:
            provider.send(OutboundMessage("+14155550100", "hi", "otp"))
    assert failed.value.retryable is False


def test_aliyun_provider_sends_the_template_with_its_fields() -> None:
    with fake_server(aliyun_api) as api:
        provider = AliyunSmsProvider(
            "AKID", "secret", "康宁医院", "SMS_100001", endpoint=urlparse(api.url).netloc, protocol="http"
        )
        biz_id = provider.send(OutboundMessage("+8613512345678", "验证码123456", "otp", {"code": "123456"}))
    assert biz_id == "900001"
    [request] = api.requests
    sent = {k: v[0] for k, v in parse_qs(urlparse(request.path).query).items()}
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-acs-action"] == "SendSms" and headers["x-acs-version"] == "2017-05-25"
    assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=AKID")
    assert sent["PhoneNumbers"] == "13512345678"
    assert sent["SignName"] == "康宁医院" and sent["TemplateCode"] == "SMS_100001"
    assert json.loads(sent["TemplateParam"]) == {"code": "123456"}


def test_aliyun_refusals_are_typed() -> None:
    refusal = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad number", "RequestId": "R-2"}
    with fake_server(lambda r: (200, refusal)) as api:
        provider = AliyunSmsProvider(
            "AKID", "secret", "康宁医院", "SMS_1", endpoint=urlparse(api.url).netloc, protocol="http"
        )
        with pytest.raises(DeliveryFailed) as failed:
            provider.send(OutboundMessage("13512345678", "x", "otp", {"code": "1"}))
    assert failed.value.retryable is False


def test_live_routing_mainland_to_aliyun_international_to_twilio(database_url: str) -> None:
    with fake_server(twilio_api) as twilio, fake_server(aliyun_api) as aliyun:
        settings = settings_for(
            database_url,
            sms_provider="aliyun",
            twilio_account_sid=SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number="+15005550006",
            twilio_api_base_url=twilio.url,
            aliyun_access_key_id="AKID",
            aliyun_access_key_secret="secret",
            aliyun_sms_sign_name="康宁医院",
            aliyun_sms_template_code="SMS_1",
            aliyun_sms_endpoint=aliyun.url,
        )
        app = create_app(settings)
        senders = build_senders(settings, app.extensions["hospital"], live=True)
        router = senders["sms"]
        assert isinstance(router, OptOutGuard) and isinstance(router.inner, SmsRouter)
        router.send(OutboundMessage("13512345678", "验证码123456", "otp", {"code": "123456"}))
        router.send(OutboundMessage("+44 7700 900123", "code 123456", "otp"))
        app.extensions["hospital"].db.dispose()
    assert len(aliyun.requests) == 1 and len(twilio.requests) == 1


def test_development_sends_nothing_over_the_network(ctx: ServiceContext, app: Flask) -> None:
    senders = app.extensions["hospital"].senders
    assert {"sms", "wechat", "alipay"} <= set(senders)
    assert all(isinstance(senders[name], ConsoleSender) for name in ("wechat", "alipay"))
    assert senders["sms"].send(OutboundMessage(PATIENT, "hi", "otp")).startswith("console-")
