"""The channel registry and the contract every platform honours: each registered
channel implements verify, parse, render and acknowledge itself, says how it
replies, and refuses a forged or stale request before reading it (no Flask, no
database: plain `ChannelRequest`s in, typed refusals out)."""

from __future__ import annotations

import inspect
import time
import uuid
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from twilio.request_validator import RequestValidator

from integrations.channels.alipay import AlipayChannel, rsa2_sign, sign_content
from integrations.channels.base import (
    Channel,
    ChannelMessage,
    ChannelRequest,
    HttpReply,
    ReplyMode,
    SignatureInvalid,
    StaleRequest,
)
from integrations.channels.registry import CHANNELS, build_channels
from integrations.channels.sms import SmsChannel
from integrations.channels.wechat import WeChatChannel, wechat_signature
from integrations.rasa.client import BotMessage, Button
from services.conversation.sms_replies import consent_word
from tests.conftest import settings_for

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CONTRACT = ("verify", "parse", "render", "acknowledge")
URL = "https://hospital.example.cn/channels/sms"


def _pem(key: rsa.RSAPrivateKey, public: bool = False) -> str:
    if public:
        return (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


CONFIGURED = {
    "wechat_token": "tok",
    "wechat_app_id": "wx1",
    "alipay_app_id": "2021",
    "alipay_app_private_key": _pem(KEY),
    "alipay_public_key": _pem(KEY, public=True),
    "twilio_auth_token": "twilio-token",
}


def test_the_registry_names_each_platform_once_by_its_own_name() -> None:
    assert set(CHANNELS) == {"wechat", "alipay", "sms"}
    assert all(cls.name == name for name, cls in CHANNELS.items())


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_every_registered_channel_implements_the_whole_contract(name: str) -> None:
    cls = CHANNELS[name]
    assert issubclass(cls, Channel) and not inspect.isabstract(cls)
    for method in CONTRACT:
        assert method in vars(cls), f"{name} does not implement {method} itself"
    assert isinstance(cls.reply_mode, ReplyMode)
    assert set(cls.http_methods) <= {"GET", "POST"} and "POST" in cls.http_methods
    assert cls.push_chars > 0


def test_each_platform_replies_its_own_way() -> None:
    modes = {name: cls.reply_mode for name, cls in CHANNELS.items()}
    assert modes == {"wechat": ReplyMode.PASSIVE, "alipay": ReplyMode.PUSH, "sms": ReplyMode.INLINE}
    assert CHANNELS["wechat"].http_methods == ("GET", "POST")  # the echostr handshake is a GET


def test_built_from_settings_only_when_configured() -> None:
    assert build_channels(settings_for("sqlite://")) == {}
    built = build_channels(settings_for("sqlite://", **CONFIGURED))
    assert {name: type(channel) for name, channel in built.items()} == {
        "wechat": WeChatChannel,
        "alipay": AlipayChannel,
        "sms": SmsChannel,
    }
    half = {k: v for k, v in CONFIGURED.items() if k != "alipay_public_key"}
    assert "alipay" not in build_channels(settings_for("sqlite://", **half))  # cannot verify: not built


# -- forged and stale requests, each platform --------------------------------------------------
def _wechat_request(token: str, age: int = 0) -> ChannelRequest:
    ts, nonce = str(int(time.time()) - age), uuid.uuid4().hex[:8]
    body = (
        "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"
    )
    args = {"signature": wechat_signature(token, ts, nonce), "timestamp": ts, "nonce": nonce}
    return ChannelRequest("POST", "https://h/channels/wechat", args, {}, body.encode())


def _alipay_request(key: rsa.RSAPrivateKey, age_ms: int = 0) -> ChannelRequest:
    created = int(time.time() * 1000) - age_ms
    biz = (
        f"<XML><AppId>2021</AppId><FromUserId>2088</FromUserId><CreateTime>{created}</CreateTime>"
        "<MsgType>text</MsgType><Text><Content>hi</Content></Text><MsgId>m1</MsgId></XML>"
    )
    fields = {"service": "alipay.mobile.public.message.notify", "charset": "UTF-8", "sign_type": "RSA2"}
    fields["biz_content"] = biz
    fields["sign"] = rsa2_sign(key, sign_content(fields), "utf-8")
    return ChannelRequest("POST", "https://h/channels/alipay", {}, {}, urlencode(fields).encode())


def _sms_request(token: str) -> ChannelRequest:
    form = {"MessageSid": "SM" + "1" * 32, "From": "+8613512345678", "Body": "hi"}
    headers = {"X-Twilio-Signature": RequestValidator(token).compute_signature(URL, form)}
    return ChannelRequest("POST", URL, {}, headers, urlencode(form).encode(), form)


@pytest.fixture
def channels() -> dict[str, Channel]:
    return build_channels(settings_for("sqlite://", **CONFIGURED))


GENUINE = {
    "wechat": lambda: _wechat_request("tok"),
    "alipay": lambda: _alipay_request(KEY),
    "sms": lambda: _sms_request("twilio-token"),
}
FORGED = {
    "wechat": lambda: _wechat_request("not-the-token"),
    "alipay": lambda: _alipay_request(OTHER),
    "sms": lambda: _sms_request("another-accounts-token"),
}
STALE = {  # a capture replayed ten minutes later; Twilio signs no time (its MessageSid dedupes instead)
    "wechat": lambda: _wechat_request("tok", age=600),
    "alipay": lambda: _alipay_request(KEY, age_ms=600_000),
}


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_a_genuine_request_passes_and_parses_to_a_message_with_its_platform_id(
    channels: dict[str, Channel], name: str
) -> None:
    request = GENUINE[name]()
    channels[name].verify(request)
    assert channels[name].handshake(request) is None
    message = channels[name].parse(request)
    assert message.kind == "text" and message.text == "hi" and message.sender and message.dedupe_key


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_a_forged_signature_is_refused(channels: dict[str, Channel], name: str) -> None:
    with pytest.raises(SignatureInvalid):
        channels[name].verify(FORGED[name]())


@pytest.mark.parametrize("name", sorted(STALE))
def test_a_stale_replay_is_refused(channels: dict[str, Channel], name: str) -> None:
    with pytest.raises(StaleRequest):
        channels[name].verify(STALE[name]())


# -- rendering and acknowledging ----------------------------------------------------------------
PAY = "https://hospital.example.cn/p/abc"
REPLY = [BotMessage("已为您保留号源", (Button("去支付", url=PAY), Button("取消预约", "/cancel")))]


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_render_and_acknowledge_give_the_platform_a_response(channels: dict[str, Channel], name: str) -> None:
    channel = channels[name]
    message = channel.parse(GENUINE[name]())
    rendered, ack = channel.render(message, REPLY), channel.acknowledge(message)
    assert isinstance(rendered, HttpReply) and isinstance(ack, HttpReply)
    assert rendered.status == ack.status == 200 and ack.content_type.split(";")[0] in (
        "text/plain",
        "text/xml",
        "application/xml",
    )
    pushed = channel.push_text(REPLY)
    assert "回复1 取消预约" in pushed and len(pushed) <= channel.push_chars
    assert ("去支付" in pushed) and (PAY in pushed)


def test_the_passive_and_inline_replies_carry_the_answer_and_the_push_mode_only_an_ack(
    channels: dict[str, Channel],
) -> None:
    wechat = channels["wechat"].parse(GENUINE["wechat"]())
    assert b"\xe5\x9b\x9e\xe5\xa4\x8d1" in _bytes(channels["wechat"].render(wechat, REPLY))  # 回复1
    assert _bytes(channels["wechat"].acknowledge(wechat)) == b"success"
    sms = channels["sms"].parse(GENUINE["sms"]())
    assert "回复1 取消预约" in _bytes(channels["sms"].render(sms, REPLY)).decode()
    assert "<Message>" not in _bytes(channels["sms"].acknowledge(sms)).decode()
    alipay = channels["alipay"].parse(GENUINE["alipay"]())
    assert "ack" in _bytes(channels["alipay"].render(alipay, REPLY)).decode()
    assert "去支付" not in _bytes(channels["alipay"].render(alipay, REPLY)).decode("utf-8")


def _bytes(reply: HttpReply) -> bytes:
    return reply.body if isinstance(reply.body, bytes) else reply.body.encode("utf-8")


@pytest.mark.parametrize(
    ("text", "word"),
    [("STOP", "opt_out"), (" 退订 ", "opt_out"), ("td", "opt_out"), ("Start!", "opt_in"), ("停止挂号", None)],
)
def test_consent_words_are_read_by_the_service(text: str, word: str | None) -> None:
    assert consent_word(text) == word


def test_an_sms_stop_is_plain_text_to_the_channel() -> None:
    """The channel no longer decides what STOP means: it parses it as any text."""
    form = {"MessageSid": "SM" + "2" * 32, "From": "+8613512345678", "Body": "STOP"}
    request = ChannelRequest("POST", URL, {}, {}, b"", form)
    assert SmsChannel("t").parse(request) == ChannelMessage("+8613512345678", "text", "sid:" + "SM" + "2" * 32, "STOP")


def test_every_channel_that_pushes_later_has_a_push_task() -> None:
    """A PASSIVE or PUSH channel's late answer is queued by name: that task must exist."""
    from services.conversation.inbound import PUSH_TASKS
    from tasks import channels as channel_tasks

    pushing = {name for name, cls in CHANNELS.items() if cls.reply_mode is not ReplyMode.INLINE}
    assert set(PUSH_TASKS) == pushing
    registered = {channel_tasks.deliver_wechat_answer.name, channel_tasks.send_alipay_answer.name}
    assert set(PUSH_TASKS.values()) == registered
