"""WeChat official account (公众号): the webhook side.

URL verification (GET), then messages in plaintext or safe mode (AES,
wechatpy's `WeChatCrypto`). Every signature is compared in constant time here
(wechatpy's own checks use `!=`), and timestamps must be within the window.
When an AES key is configured, plaintext posts are refused: only safe mode signs
the body itself.

The sending side (access token, customer-service and template messages) is in
wechat_api.py; its names are re-exported here for existing imports.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from html import escape
from typing import Any, ClassVar
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply

from integrations.channels.base import (
    Channel,
    ChannelMessage,
    ChannelRequest,
    HttpReply,
    MalformedRequest,
    ReplyMode,
    SignatureInvalid,
    check_fresh,
    constant_time_equal,
    plain_reply,
    xml_reply,
)
from integrations.channels.wechat_api import MAX_TEXT_CHARS
from integrations.channels.wechat_api import MemoryTokenStore as MemoryTokenStore
from integrations.channels.wechat_api import RedisTokenStore as RedisTokenStore
from integrations.channels.wechat_api import SharedTokenWeChatClient as SharedTokenWeChatClient
from integrations.channels.wechat_api import TokenStore as TokenStore
from integrations.channels.wechat_api import WeChatCustomerServiceSender as WeChatCustomerServiceSender
from integrations.channels.wechat_api import WeChatTemplateSender as WeChatTemplateSender
from integrations.rasa.client import BotMessage, Button

log = logging.getLogger(__name__)

WELCOME_PAYLOAD = "/greet"  # the bot's greeting carries the main menu


def wechat_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's scheme


def _xml(body: bytes | str) -> dict[str, Any]:
    try:
        parsed = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise MalformedRequest("not WeChat XML") from exc
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise MalformedRequest("no <xml> root")
    return root


def _field(root: dict[str, Any], name: str) -> str:
    value = root.get(name)
    return value.strip() if isinstance(value, str) else ""


class WeChatChannel(Channel):
    """Passive replies within WeChat's 5 s, else `success` and a customer-service push."""

    name: ClassVar[str] = "wechat"
    reply_mode: ClassVar[ReplyMode] = ReplyMode.PASSIVE
    http_methods: ClassVar[tuple[str, ...]] = ("GET", "POST")
    push_chars: ClassVar[int] = MAX_TEXT_CHARS

    def __init__(self, token: str, encoding_aes_key: str, app_id: str, window_seconds: int = 300) -> None:
        if not token:
            raise ValueError("WECHAT_TOKEN is required")
        self.token = token
        self.app_id = app_id
        self.window_seconds = window_seconds
        self.crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None

    # -- verification ------------------------------------------------------
    def _check_url_signature(self, args: dict[str, str] | Any) -> None:
        signature, timestamp, nonce = (str(args.get(k, "")) for k in ("signature", "timestamp", "nonce"))
        if not (signature and timestamp and nonce):
            raise SignatureInvalid("unsigned")
        if not constant_time_equal(wechat_signature(self.token, timestamp, nonce), signature):
            raise SignatureInvalid("signature mismatch")
        check_fresh(timestamp, self.window_seconds)

    def handshake(self, request: ChannelRequest) -> HttpReply | None:
        """The GET WeChat sends when the server URL is saved: echo `echostr` (verified first)."""
        if request.method != "GET":
            return None
        echostr = request.args.get("echostr", "")
        if not echostr:
            raise MalformedRequest("no echostr")
        return plain_reply(echostr)

    def _safe_mode(self, request: ChannelRequest) -> bool:
        encrypted = request.args.get("encrypt_type", "raw") == "aes"
        if self.crypto is not None and not encrypted:
            raise SignatureInvalid("plaintext refused: the account is in safe mode")
        if encrypted and self.crypto is None:
            raise MalformedRequest("encrypted message but no WECHAT_ENCODING_AES_KEY")
        return encrypted

    def verify(self, request: ChannelRequest) -> None:
        self._check_url_signature(request.args)
        if request.method == "GET":
            return  # URL verification: signed query only, no body
        if self._safe_mode(request):
            encrypt = _field(_xml(request.body), "Encrypt")
            msg_signature = request.args.get("msg_signature", "")
            if not encrypt or not msg_signature:
                raise SignatureInvalid("unsigned ciphertext")
            expected = wechat_signature(self.token, request.args["timestamp"], request.args["nonce"], encrypt)
            if not constant_time_equal(expected, msg_signature):
                raise SignatureInvalid("msg_signature mismatch")

    # -- parsing -----------------------------------------------------------
    def decrypt(self, request: ChannelRequest) -> dict[str, Any]:
        if not self._safe_mode(request):
            return _xml(request.body)
        assert self.crypto is not None
        try:
            plain = self.crypto.decrypt_message(
                request.body, request.args["msg_signature"], request.args["timestamp"], request.args["nonce"]
            )
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            raise SignatureInvalid("cannot decrypt") from exc
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise MalformedRequest("bad ciphertext") from exc
        return _xml(plain)

    def parse(self, request: ChannelRequest) -> ChannelMessage:
        root = self.decrypt(request)
        sender, msg_type = _field(root, "FromUserName"), _field(root, "MsgType").lower()
        create_time = _field(root, "CreateTime")
        if not sender or not msg_type or not create_time.isdigit():
            raise MalformedRequest("missing FromUserName, MsgType or CreateTime")
        openid = request.args.get("openid")
        if openid and not constant_time_equal(openid, sender):
            raise SignatureInvalid("openid does not match the sender")
        meta = {"account": _field(root, "ToUserName")}
        if msg_type == "event":
            return self._event(root, sender, create_time, meta)
        msg_id = _field(root, "MsgId")
        if not msg_id:
            raise MalformedRequest("message without MsgId")
        key = f"msg:{msg_id}"
        if msg_type == "text":
            return ChannelMessage(sender, "text", key, _field(root, "Content"), meta)
        recognition = _field(root, "Recognition")
        if msg_type == "voice" and recognition:
            return ChannelMessage(sender, "text", key, recognition, {**meta, "voice": True})
        return ChannelMessage(sender, "unsupported", key, "", {**meta, "msg_type": msg_type})

    def _event(self, root: dict[str, Any], sender: str, create_time: str, meta: dict[str, Any]) -> ChannelMessage:
        event, event_key = _field(root, "Event").lower(), _field(root, "EventKey")
        key = f"evt:{sender}:{create_time}"
        if event == "subscribe":
            return ChannelMessage(sender, "welcome", key, WELCOME_PAYLOAD, meta)
        if event == "click" and event_key:
            # Menu keys are bot payloads ("/book_appointment") or words the bot understands.
            return ChannelMessage(sender, "text", key, event_key, {**meta, "menu": True})
        return ChannelMessage(sender, "ignore", key, "", {**meta, "event": event})

    # -- rendering ---------------------------------------------------------
    @staticmethod
    def link_text(button: Button) -> str:
        """WeChat text messages take `<a href>`: the patient taps the title, not a long URL."""
        return f'<a href="{escape(button.url, quote=True)}">{escape(button.title)}</a>'

    def render(self, message: ChannelMessage, replies: list[BotMessage]) -> HttpReply:
        """A passive text reply (encrypted in safe mode), or `success` when there is nothing to say."""
        text = self.text_of(replies)[:MAX_TEXT_CHARS]
        if not text:
            return self.acknowledge(message)
        account = str(message.metadata.get("account", ""))
        xml = TextReply(source=account, target=message.sender, content=text).render()
        if self.crypto is None:
            return xml_reply(str(xml))
        nonce = uuid.uuid4().hex[:16]
        return xml_reply(str(self.crypto.encrypt_message(xml, nonce, str(int(time.time())))))

    def acknowledge(self, message: ChannelMessage) -> HttpReply:
        """`success`: WeChat stops waiting and retrying, and shows nothing."""
        return plain_reply("success")
