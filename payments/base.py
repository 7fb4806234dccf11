"""The payment provider family: one ABC, one module per provider.

Amounts are integer fen everywhere; a provider never sees floats or yuan (the
Alipay module converts at its own edge, exactly, with `Decimal`).
Providers know nothing of Flask, the database or services: they turn an order
into a payment link, ask the platform about an order, refund or close it, and
verify what the platform sends back.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

Scene = Literal["wap", "page", "qr", "jsapi", "native", "console"]
TradeState = Literal["pending", "paid", "closed", "refunded", "unknown"]
NOTIFY_WINDOW_SECONDS = 300  # notifications signed more than 5 minutes away from now are refused


@dataclass(frozen=True)
class PaymentRequest:
    out_trade_no: str
    amount_fen: int
    subject: str  # shown on the patient's payment page, e.g. "挂号费-心血管内科"
    scene: Scene | None = None  # None: the provider's default (wap for Alipay, native for WeChat)
    payer_id: str | None = None  # WeChat openid, needed for JSAPI
    expires_at: datetime | None = None
    return_url: str | None = None  # where a platform's cashier page sends the patient back (Alipay WAP)


@dataclass(frozen=True)
class PaymentLink:
    pay_url: str
    qr_code: str | None = None  # text to render as a QR code (Alipay precreate, WeChat Native)
    js_params: dict[str, str] = field(default_factory=dict)  # WeChat JSAPI: what the page hands to the JS bridge


@dataclass(frozen=True)
class TradeQuery:
    """What the platform says about an order right now."""

    out_trade_no: str
    state: TradeState
    amount_fen: int | None = None
    provider_trade_no: str | None = None


@dataclass(frozen=True)
class PaymentNotification:
    """A verified, parsed notification: a platform says this happened to this order."""

    provider: str
    event: Literal["paid", "closed", "ignored"]  # ignored: genuine, but nothing for us to do
    out_trade_no: str
    amount_fen: int
    provider_trade_no: str
    app_id: str  # Alipay app_id / WeChat appid
    merchant_id: str  # Alipay seller_id / WeChat mchid ("" when the platform does not send it)
    sent_at: datetime


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    reason: str


class PaymentError(Exception):
    """The platform could not be reached or answered with an error."""

    def __init__(self, reason: str, code: str | None = None, retryable: bool = True) -> None:
        super().__init__(reason)
        self.code = code
        self.retryable = retryable


class RefundRejected(Exception):
    """The platform refused the refund; it stays pending for a person to look at."""


class NotificationRejected(Exception):
    """A notification that is forged, malformed, stale or not ours. `reason` is for logs, never for patients."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def create_order(self, request: PaymentRequest) -> PaymentLink:
        """Register the order with the platform and return where the patient pays."""

    @abstractmethod
    def query(self, out_trade_no: str) -> TradeQuery:
        """Ask the platform about an order (reconciliation when a notification never came)."""

    @abstractmethod
    def refund(self, request: RefundRequest) -> str:
        """Ask the platform to return the money; returns the platform's refund id.

        Idempotent on `out_refund_no` at the platform, so a retried refund never pays twice."""

    @abstractmethod
    def close(self, out_trade_no: str) -> None:
        """Stop the platform from taking money for an order we no longer want paid."""

    @abstractmethod
    def parse_notification(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotification:
        """Verify a notification's signature and freshness and parse it, or raise NotificationRejected."""


_YUAN = re.compile(r"(0|[1-9]\d{0,9})(\.\d{1,2})?")


def yuan_to_fen(text: str) -> int:
    """ "30.00" → 3000, exactly; anything that is not a plain amount is refused."""
    if not _YUAN.fullmatch(text):
        raise ValueError(f"not an amount: {text!r}")
    return int(Decimal(text) * 100)


def fen_to_yuan(fen: int) -> str:
    if fen < 0:
        raise ValueError("negative amount")
    return f"{fen // 100}.{fen % 100:02d}"


def fresh(sent_at: datetime, now: datetime, window_seconds: int = NOTIFY_WINDOW_SECONDS) -> bool:
    return abs((now - sent_at).total_seconds()) <= window_seconds
