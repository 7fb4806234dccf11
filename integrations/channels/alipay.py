"""Alipay service window (生活号): gateway messages in, custom sends out.

Alipay posts form fields (`service`, `biz_content` XML, `charset`, `sign_type`,
`sign`) in GBK or UTF-8, as the `charset` field says, so the body is decoded
here from its raw bytes, never by the web framework's UTF-8 default. The
signature is checked the way Alipay's SDKs check gateway messages (`rsaCheckV2`):
every non-empty field except `sign`, `sign_type` kept, sorted, joined as
`k=v&…`, encoded in the message's charset, RSA2 (SHA256withRSA) against
ALIPAY_PUBLIC_KEY. (Payment notifications drop `sign_type` too; not these.)

The gateway check (`alipay.service.check`, EventType `verifygw`) and every
message get a synchronous signed XML answer; the bot's answer goes later by
`alipay.open.public.message.custom.send` (see `AlipayCustomSender`).
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import parse_qsl
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

import requests
import xmltodict
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.domain.AlipayOpenPublicMessageCustomSendModel import AlipayOpenPublicMessageCustomSendModel
from alipay.aop.api.domain.Text import Text
from alipay.aop.api.exception.Exception import AopException
from alipay.aop.api.request.AlipayOpenPublicMessageCustomSendRequest import AlipayOpenPublicMessageCustomSendRequest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.channels.base import (
    Channel,
    ChannelMessage,
    ChannelRequest,
    HttpReply,
    MalformedRequest,
    ReplyMode,
    SignatureInvalid,
    StaleRequest,
    check_fresh,
)
from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender
from integrations.rasa.client import BotMessage

CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}
SERVICE_CHECK = "alipay.service.check"
SERVICE_MESSAGE = "alipay.mobile.public.message.notify"
MAX_TEXT_CHARS = 1000


# -- keys ----------------------------------------------------------------------------------------------
def _pem_text(value: str) -> str:
    """Settings carry PEM text, a bare base64 body (as Alipay's console shows it), or a path."""
    value = value.strip()
    if value and "\n" not in value and "-----" not in value and os.path.isfile(value):
        with open(value, encoding="ascii") as handle:
            return handle.read().strip()
    return value


def _der(value: str) -> bytes:
    lines = [line for line in _pem_text(value).splitlines() if line and not line.startswith("-----")]
    try:
        return base64.b64decode("".join(lines), validate=True)
    except ValueError as exc:
        raise ValueError("not a base64 key") from exc


def load_private_key(value: str) -> rsa.RSAPrivateKey:
    key = serialization.load_der_private_key(_der(value), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("ALIPAY_APP_PRIVATE_KEY is not an RSA key")
    return key


def load_public_key(value: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(_der(value))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("ALIPAY_PUBLIC_KEY is not an RSA key")
    return key


def key_body(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def private_key_body_pkcs1(key: rsa.RSAPrivateKey) -> str:
    """The SDK signs with `rsa.PrivateKey.load_pkcs1`: it wants the PKCS#1 body."""
    return key_body(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )


def public_key_body(key: rsa.RSAPublicKey) -> str:
    return key_body(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


# -- signing, as Alipay's SDKs do it ---------------------------------------------------------------------
def sign_content(fields: dict[str, str], drop: tuple[str, ...] = ("sign",)) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k not in drop and v != "")


def rsa2_sign(key: rsa.RSAPrivateKey, content: str, charset: str) -> str:
    signature = key.sign(content.encode(charset), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(key: rsa.RSAPublicKey, content: str, charset: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, content.encode(charset), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, UnicodeEncodeError):
        return False
    return True


# -- the form ------------------------------------------------------------------------------------------
def decode_form(body: bytes, query_charset: str | None = None) -> tuple[dict[str, str], str]:
    """Parse an urlencoded body in the charset its own `charset` field names."""
    try:
        ascii_view = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True, strict_parsing=bool(body)))
    except ValueError as exc:
        raise MalformedRequest("not a form") from exc
    named = (ascii_view.get("charset") or query_charset or "utf-8").strip().lower()
    charset = CHARSETS.get(named)
    if charset is None:
        raise MalformedRequest(f"unsupported charset {named!r}")
    try:
        fields = parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding=charset, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest(f"body is not {charset}") from exc
    form: dict[str, str] = {}
    for key, value in fields:
        if key in form:
            raise MalformedRequest(f"field {key!r} given twice")
        form[key] = value
    return form, charset


def parse_biz_content(xml: str) -> dict[str, Any]:
    try:
        parsed = xmltodict.parse(xml, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise MalformedRequest("biz_content is not XML") from exc
    root = next(iter(parsed.values()), None) if isinstance(parsed, dict) and len(parsed) == 1 else None
    if not isinstance(root, dict):
        raise MalformedRequest("biz_content has no root element")
    return root


def _text(root: dict[str, Any], *path: str) -> str:
    node: Any = root
    for name in path:
        node = node.get(name) if isinstance(node, dict) else None
    return node.strip() if isinstance(node, str) else ""


class AlipayChannel(Channel):
    """Acknowledged at once with a signed ack; the answer always goes by custom send."""

    name: ClassVar[str] = "alipay"
    reply_mode: ClassVar[ReplyMode] = ReplyMode.PUSH
    push_chars: ClassVar[int] = MAX_TEXT_CHARS

    def __init__(self, app_id: str, app_private_key: str, alipay_public_key: str, window_seconds: int = 300) -> None:
        self.app_id = app_id
        self.private_key = load_private_key(app_private_key)
        self.alipay_key = load_public_key(alipay_public_key)
        self.window_seconds = window_seconds

    # -- inbound -----------------------------------------------------------------
    def form(self, request: ChannelRequest) -> tuple[dict[str, str], str]:
        return decode_form(request.body, request.args.get("charset"))

    def verify(self, request: ChannelRequest) -> None:
        form, charset = self.form(request)
        self.verify_form(form, charset)

    def verify_form(self, form: dict[str, str], charset: str) -> dict[str, Any]:
        signature, sign_type = form.get("sign", ""), form.get("sign_type", "")
        if not signature:
            raise SignatureInvalid("unsigned")
        if sign_type.upper() != "RSA2":
            raise SignatureInvalid("only RSA2 is accepted")
        if not rsa2_verify(self.alipay_key, sign_content(form), charset, signature):
            raise SignatureInvalid("signature mismatch")
        if form.get("service") not in (SERVICE_CHECK, SERVICE_MESSAGE):
            raise MalformedRequest("unknown service")
        root = parse_biz_content(form.get("biz_content", ""))
        app_id = _text(root, "AppId")
        if self.app_id and app_id != self.app_id:
            raise SignatureInvalid("message for another app")
        created = _text(root, "CreateTime")
        if created:
            if not created.isdigit():
                raise MalformedRequest("CreateTime is not a number")
            stamp = int(created)
            check_fresh(stamp / 1000 if stamp > 10**11 else stamp, self.window_seconds)  # Alipay sends ms
        elif form.get("service") == SERVICE_MESSAGE:
            raise StaleRequest("message without CreateTime")
        return root

    def handshake(self, request: ChannelRequest) -> HttpReply | None:
        """The gateway check (`alipay.service.check`) when the gateway URL is saved."""
        form, charset = self.form(request)
        if form.get("service") != SERVICE_CHECK:
            return None
        return self._xml(self.gateway_check_response(charset), charset)

    def parse(self, request: ChannelRequest) -> ChannelMessage:
        """The verified form's message; its charset is kept for the signed ack."""
        form, charset = self.form(request)
        message = self.message_from(parse_biz_content(form.get("biz_content", "")))
        return replace(message, metadata={**message.metadata, "charset": charset})

    def message_from(self, root: dict[str, Any]) -> ChannelMessage:
        sender, msg_type = _text(root, "FromUserId"), _text(root, "MsgType").lower()
        created = _text(root, "CreateTime")
        if not sender or not msg_type or not created.isdigit():
            raise MalformedRequest("missing FromUserId, MsgType or CreateTime")
        msg_id = _text(root, "MsgId")
        key = f"msg:{msg_id}" if msg_id else f"evt:{sender}:{created}"
        if msg_type == "text":
            return ChannelMessage(sender, "text", key, _text(root, "Text", "Content"))
        if msg_type == "event":
            event = _text(root, "EventType").lower()
            if event == "follow":
                return ChannelMessage(sender, "welcome", key, "/greet")
            action = _text(root, "ActionParam")
            if event == "click" and action:
                return ChannelMessage(sender, "text", key, action, {"menu": True})
            return ChannelMessage(sender, "ignore", key, "", {"event": event})
        return ChannelMessage(sender, "unsupported", key, "", {"msg_type": msg_type})

    # -- synchronous answers --------------------------------------------------------
    @staticmethod
    def _xml(body: str, charset: str) -> HttpReply:
        return HttpReply(body.encode(charset), f"text/xml; charset={charset.upper()}")

    def signed_response(self, biz: str, charset: str) -> str:
        """Alipay's gateway response: `<response>` content signed with the app key."""
        signature = rsa2_sign(self.private_key, biz, charset)
        return (
            f'<?xml version="1.0" encoding="{charset.upper()}"?>'
            f"<alipay><response>{biz}</response><sign>{signature}</sign><sign_type>RSA2</sign_type></alipay>"
        )

    def gateway_check_response(self, charset: str) -> str:
        biz = f"<biz_content>{public_key_body(self.private_key.public_key())}</biz_content><success>true</success>"
        return self.signed_response(biz, charset)

    def ack(self, message: ChannelMessage, charset: str) -> str:
        biz = (
            f"<XML><ToUserId><![CDATA[{escape(message.sender)}]]></ToUserId>"
            f"<AppId><![CDATA[{escape(self.app_id)}]]></AppId>"
            f"<CreateTime>{int(time.time() * 1000)}</CreateTime><MsgType><![CDATA[ack]]></MsgType></XML>"
        )
        return self.signed_response(biz, charset)

    def acknowledge(self, message: ChannelMessage) -> HttpReply:
        """The signed ack, in the charset the message came in."""
        charset = str(message.metadata.get("charset", "utf-8"))
        return self._xml(self.ack(message, charset), charset)

    def render(self, message: ChannelMessage, replies: list[BotMessage]) -> HttpReply:
        """The service window takes no passive text: the response is the ack, and the
        answer goes by custom send (`push_text`)."""
        return self.acknowledge(message)


# -- outbound ------------------------------------------------------------------------------------------
class AlipayCustomSender(OutboundSender):
    """`alipay.open.public.message.custom.send` through the SDK.

    The SDK builds and signs the request (`sdk_execute`) and verifies Alipay's signed
    answer; the POST itself goes through `requests`, because the SDK's own HTTP layer
    drops any port in `server_url` (it always dials 80/443), which also keeps a test's
    local gateway reachable."""

    channel = "alipay"

    def __init__(
        self, app_id: str, app_private_key: str, alipay_public_key: str, server_url: str, timeout: float = 10.0
    ) -> None:
        config = AlipayClientConfig()
        config.server_url = server_url
        config.app_id = app_id
        config.app_private_key = private_key_body_pkcs1(load_private_key(app_private_key))
        config.alipay_public_key = public_key_body(load_public_key(alipay_public_key))
        config.sign_type = "RSA2"
        config.charset = "utf-8"
        self.client = DefaultAlipayClient(alipay_client_config=config)
        self.server_url = server_url
        self.timeout = timeout

    def send(self, message: OutboundMessage) -> str:
        model = AlipayOpenPublicMessageCustomSendModel()
        model.to_user_id = message.recipient
        model.msg_type = "text"
        text = Text()
        text.content = message.text[:MAX_TEXT_CHARS]
        model.text = text
        request = AlipayOpenPublicMessageCustomSendRequest(biz_model=model)
        signed_query = self.client.sdk_execute(request)
        try:
            response = requests.post(
                self.server_url,
                data=signed_query.encode("utf-8"),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DeliveryFailed(f"alipay unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise DeliveryFailed(f"alipay gateway answered {response.status_code}")
        try:
            # The SDK's own check of Alipay's signature over the `…_response` object.
            content = self.client._DefaultAlipayClient__parse_response(response.content)
            result = json.loads(content)
        except (AopException, ValueError) as exc:
            raise DeliveryFailed("alipay answer failed verification", retryable=False) from exc
        if str(result.get("code")) != "10000":
            retryable = str(result.get("code")) in ("20000", "20001")
            raise DeliveryFailed(f"alipay refused: {result.get('sub_code') or result.get('code')}", retryable)
        return str(result.get("msg_id") or result.get("code"))
