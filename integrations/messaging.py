"""Sending a message to a patient outside a conversation turn: one small ABC
that every outbound path implements (SMS providers, WeChat customer-service and
template messages, Alipay custom sends, the development console).

The outbox delivery task picks a sender by the outbox row's channel; senders
know nothing of the database, Flask or services.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


class DeliveryFailed(Exception):
    """The platform did not take the message. `retryable` says whether trying later can help."""

    def __init__(self, reason: str, retryable: bool = True) -> None:
        super().__init__(reason)
        self.retryable = retryable


@dataclass(frozen=True)
class OutboundMessage:
    recipient: str  # phone number, WeChat openid, Alipay user id
    text: str
    kind: str  # otp | booking_confirmed | reminder | results_ready | …
    # Structured fields for platforms that send templates (WeChat template messages, Aliyun SMS).
    template_fields: dict[str, str] = field(default_factory=dict)


class OutboundSender(ABC):
    channel: str  # sms | wechat | alipay | web

    @abstractmethod
    def send(self, message: OutboundMessage) -> str:
        """Deliver one message; return the platform's message id or raise DeliveryFailed."""
