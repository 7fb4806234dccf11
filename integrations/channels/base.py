"""The contract every platform channel honours, so one route shape serves them all.

The web edge (web/channels.py) runs each platform's webhook the same way:
verify -> parse -> limit -> service -> render. A `Channel` supplies the
platform's parts of that:

- `verify`: the platform's signature (constant time) and freshness; a forged or
  stale (replayed) request raises a `ChannelError` before anything is read;
- `handshake`: a platform's set-up request (WeChat's echostr, Alipay's gateway
  check), answered after verification and never passed on;
- `parse`: the verified request as one `ChannelMessage` (sender, text, the
  platform's message id for dedup, and a `kind`);
- `render` / `acknowledge`: the bot's messages as the webhook's response, and
  what the platform needs back at once when there is no answer in it;
- `reply_mode`: how answers reach the patient. WeChat waits ~5 s for a passive
  reply, then retries (`PASSIVE`: answer within the budget, else acknowledge and
  push later); Alipay's service window takes only an ack (`PUSH`: always pushed
  later); Twilio waits for TwiML (`INLINE`: the answer is the response).

The output side needs only text: buttons fall back to numbered choices
("回复1 预约挂号"), which the bot also understands typed. A link button (one
with a `url`, e.g. 去支付) is not a choice: it is printed as a link in the
channel's own way (`Channel.link_text`) and takes no number.

No Flask here: the web layer hands in a plain `ChannelRequest` and turns the
`HttpReply` it gets back into a response.
"""

from __future__ import annotations

import hmac
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from integrations.rasa.client import BotMessage, Button

_LEADING_NUMBER = re.compile(r"^\s*(\d+)[\s.、:：)）]+")


class ChannelError(Exception):
    """A request the edge refuses, before anything was changed. The web edge chooses
    the 4xx the platform gets from the `code` (web/channels.py)."""

    code = "bad_request"


class MalformedRequest(ChannelError):
    code = "malformed"


class SignatureInvalid(ChannelError):
    code = "bad_signature"


class StaleRequest(ChannelError):
    """A timestamp outside the window: a replayed capture."""

    code = "stale"


@dataclass(frozen=True)
class ChannelRequest:
    """The parts of an HTTP request a channel needs, with no web framework attached."""

    method: str
    url: str  # the URL the platform signed (public base URL + path + query)
    args: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    form: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelMessage:
    """One verified platform message. `kind` says what it is: `text` (and `welcome`,
    the greeting payload on follow) go to the bot, `unsupported` (a picture) gets
    "please type", `ignore` (e.g. unsubscribe) is acknowledged and dropped.
    `dedupe_key` is the platform's message id: a platform's retry carries it again.
    `metadata` holds what rendering needs (WeChat's account, Alipay's charset) and
    what the bot may see (`voice`, `menu`)."""

    sender: str
    kind: str  # text | welcome | unsupported | ignore
    dedupe_key: str
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


class ReplyMode(StrEnum):
    """How a platform takes the bot's answer."""

    PASSIVE = "passive"  # in the response if ready within the budget, else acknowledged and pushed later
    PUSH = "push"  # acknowledged at once; the answer is always pushed later
    INLINE = "inline"  # the answer is the response (the platform waits for it)


@dataclass(frozen=True)
class HttpReply:
    """A webhook's response body in the platform's format, for the web layer to send."""

    body: str | bytes
    content_type: str
    status: int = 200


def xml_reply(body: str) -> HttpReply:
    return HttpReply(body, "application/xml; charset=utf-8")


def plain_reply(body: str) -> HttpReply:
    return HttpReply(body, "text/plain; charset=utf-8")


def constant_time_equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def check_fresh(timestamp: str | int | float, window_seconds: int, now: float | None = None) -> None:
    """Refuse requests stamped outside the window: a replayed capture is stale."""
    try:
        stamp = float(timestamp)
    except (TypeError, ValueError):
        raise MalformedRequest("timestamp is not a number") from None
    if abs((now if now is not None else time.time()) - stamp) > window_seconds:
        raise StaleRequest("timestamp outside the window")


def keyword(text: str) -> str:
    """A short reply as a keyword: case, spaces and punctuation ignored ("Stop." -> "stop")."""
    return re.sub(r"[\s\W_]+", "", text).lower()


def choice_title(index: int, button: Button) -> str:
    """ "回复1 预约挂号": titles that already carry their number keep it once."""
    match = _LEADING_NUMBER.match(button.title)
    title = button.title[match.end() :] if match else button.title
    number = match.group(1) if match else str(index)
    return f"回复{number} {title.strip()}"


def plain_link(button: Button) -> str:
    """ "去支付：https://…/p/…": every text channel shows a bare URL as a link."""
    return f"{button.title}：{button.url}"


def render_text(message: BotMessage, link_text: Callable[[Button], str] = plain_link) -> str:
    if not message.buttons:
        return message.text
    lines = [message.text] if message.text else []
    number = 0
    for button in message.buttons:
        if button.url:
            lines.append(link_text(button))
        else:
            number += 1
            lines.append(choice_title(number, button))
    return "\n".join(lines)


def render_plain(messages: list[BotMessage], link_text: Callable[[Button], str] = plain_link) -> str:
    """Several bot messages as one text, blank-line separated."""
    return "\n\n".join(text for text in (render_text(m, link_text).strip() for m in messages) if text)


class Channel(ABC):
    """One platform's webhook. Subclasses set `name` and `reply_mode`, and implement
    verify, parse, render and acknowledge; the registry (registry.py) builds them."""

    name: ClassVar[str]
    reply_mode: ClassVar[ReplyMode]
    http_methods: ClassVar[tuple[str, ...]] = ("POST",)
    # Twilio posts UTF-8 forms the web framework may parse; Alipay's (GBK or UTF-8) are
    # decoded by the channel itself from the raw bytes, so by default no form is handed in.
    reads_form: ClassVar[bool] = False
    push_chars: ClassVar[int] = 1000  # the longest answer the platform takes when pushed later

    @staticmethod
    def link_text(button: Button) -> str:
        """How a link button reads in this channel's text; platforms with markup override it."""
        return plain_link(button)

    def text_of(self, replies: list[BotMessage]) -> str:
        """The replies as this channel's text, links in its own form."""
        return render_plain(replies, self.link_text)

    def push_text(self, replies: list[BotMessage]) -> str:
        """The replies as one pushed message (a customer-service or custom send)."""
        return self.text_of(replies)[: self.push_chars]

    def handshake(self, request: ChannelRequest) -> HttpReply | None:
        """A verified set-up request's answer (not a patient message), or None."""
        return None

    @abstractmethod
    def verify(self, request: ChannelRequest) -> None:
        """Raise SignatureInvalid / StaleRequest / MalformedRequest, or return when genuine.
        Signatures are compared in constant time; a stale timestamp is a replay."""

    @abstractmethod
    def parse(self, request: ChannelRequest) -> ChannelMessage:
        """The verified request as one message; raise MalformedRequest if it is not one."""

    @abstractmethod
    def render(self, message: ChannelMessage, replies: list[BotMessage]) -> HttpReply:
        """The replies as the webhook's response (a passive reply, TwiML)."""

    @abstractmethod
    def acknowledge(self, message: ChannelMessage) -> HttpReply:
        """What the platform needs back at once when the response carries no answer."""
