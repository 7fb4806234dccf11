"""The SMS provider family, routing by number, and the opt-out guard.

Every provider is an `OutboundSender` for channel `sms`. The app composes them:
`OptOutGuard(SmsRouter(mainland=…, international=…), is_opted_out)`, so no send
anywhere reaches a number that sent STOP/退订.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender
from shared_rules import MOBILE_DIGITS

_MAINLAND = re.compile(rf"^(?:\+?86)?({MOBILE_DIGITS})$")


def normalise_number(number: str) -> str:
    """E.164: a bare 11-digit mainland mobile becomes +86…; spaces and dashes go."""
    compact = re.sub(r"[\s()-]", "", number)
    mainland = _MAINLAND.match(compact)
    if mainland:
        return f"+86{mainland.group(1)}"
    if not re.fullmatch(r"\+[1-9]\d{6,14}", compact):
        raise DeliveryFailed("not a phone number", retryable=False)
    return compact


def is_mainland(number: str) -> bool:
    return normalise_number(number).startswith("+86")


class SmsProvider(OutboundSender):
    channel = "sms"
    name: str


class SmsRouter(SmsProvider):
    """+86 mobiles through the mainland provider; every other number internationally."""

    name = "router"

    def __init__(self, mainland: SmsProvider, international: SmsProvider) -> None:
        self.mainland = mainland
        self.international = international

    def provider_for(self, number: str) -> SmsProvider:
        return self.mainland if is_mainland(number) else self.international

    def send(self, message: OutboundMessage) -> str:
        return self.provider_for(message.recipient).send(message)


class OptOutGuard(OutboundSender):
    """Refuses (permanently) any send to a number that opted out."""

    channel = "sms"

    def __init__(self, inner: OutboundSender, is_opted_out: Callable[[str], bool]) -> None:
        self.inner = inner
        self.is_opted_out = is_opted_out

    def send(self, message: OutboundMessage) -> str:
        if self.is_opted_out(normalise_number(message.recipient)):
            raise DeliveryFailed("recipient opted out (STOP/退订)", retryable=False)
        return self.inner.send(message)
