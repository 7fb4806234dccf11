"""The payment provider family: one ABC, one module per provider.

Amounts are integer fen everywhere; a provider never sees floats or yuan.
Providers know nothing of Flask, the database or services: they turn an order
into a payment link and verify what the platform sends back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class PaymentRequest:
    out_trade_no: str
    amount_fen: int
    subject: str  # shown on the patient's payment page, e.g. "挂号费-心血管内科"


@dataclass(frozen=True)
class PaymentLink:
    pay_url: str


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def create_order(self, request: PaymentRequest) -> PaymentLink:
        """Register the order with the platform and return where the patient pays."""

    @abstractmethod
    def refund(self, request: RefundRequest) -> str:
        """Ask the platform to return the money; returns the platform's refund id."""


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    reason: str


class RefundRejected(Exception):
    """The platform refused the refund; it stays pending for a person to look at."""
