"""What every platform channel does at the edge, whatever the platform.

A channel verifies the platform's request (signature, freshness), parses it into
a `ChannelMessage`, and renders the bot's replies in the platform's own form.
The output side needs only text: buttons fall back to numbered choices
("回复1 预约挂号"), which the bot also understands typed. A link button (one
with a `url`, e.g. 去支付) is not a choice: it is printed as a link in the
channel's own way (`Channel.link_text`) and takes no number.

No Flask here: the web layer hands in a plain `ChannelRequest`.
"""

from __future__ import annotations

import hmac
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from integrations.rasa.client import BotMessage, Button

Reply = TypeVar("Reply")
_LEADING_NUMBER = re.compile(r"^\s*(\d+)[\s.、:：)）]+")


class ChannelError(Exception):
    """A request the edge refuses. `status` is the 4xx the platform gets; nothing was changed."""

    status = 400
    code = "bad_request"


class MalformedRequest(ChannelError):
    status = 400
    code = "malformed"


class SignatureInvalid(ChannelError):
    status = 403
    code = "bad_signature"


class StaleRequest(ChannelError):
    status = 403
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
    """One verified platform message. `kind` says what the edge does with it:
    `text` goes to the bot, `welcome` greets, `unsupported` asks the patient to type,
    `ignore` is acknowledged and dropped (e.g. unsubscribe)."""

    sender: str
    kind: str  # text | welcome | unsupported | ignore
    dedupe_key: str
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


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


class Channel(ABC, Generic[Reply]):
    name: ClassVar[str]

    @staticmethod
    def link_text(button: Button) -> str:
        """How a link button reads in this channel's text; platforms with markup override it."""
        return plain_link(button)

    def text_of(self, replies: list[BotMessage]) -> str:
        """The replies as this channel's text, links in its own form."""
        return render_plain(replies, self.link_text)

    @abstractmethod
    def verify(self, request: ChannelRequest) -> None:
        """Raise SignatureInvalid / StaleRequest / MalformedRequest, or return when genuine."""

    @abstractmethod
    def parse(self, request: ChannelRequest) -> ChannelMessage:
        """The verified request as one message; raise MalformedRequest if it is not one."""

    @abstractmethod
    def render(self, message: ChannelMessage, replies: list[BotMessage]) -> Reply:
        """The replies in the platform's reply form."""
