"""Development and test: nothing leaves the machine; the outbox shows what was "sent"."""

from __future__ import annotations

import logging
import uuid

from integrations.messaging import OutboundMessage, OutboundSender
from integrations.sms.base import SmsProvider

log = logging.getLogger(__name__)


class ConsoleSender(OutboundSender):
    """Any channel's stand-in: logs the kind (never the text or the recipient) and keeps a copy in memory."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[OutboundMessage] = []

    def send(self, message: OutboundMessage) -> str:
        self.sent.append(message)
        log.info("console send", extra={"channel": self.channel, "kind": message.kind})
        return f"console-{uuid.uuid4().hex[:12]}"


class ConsoleSmsProvider(ConsoleSender, SmsProvider):
    name = "console"

    def __init__(self) -> None:
        super().__init__("sms")
