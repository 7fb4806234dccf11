"""Development provider: a local "pay now" page stands in for the platform.

The page (web/payments_console.py) settles through the same service path as a
verified platform notification, so there is nothing to query, close or verify
here: the console platform has no state of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from payments.base import (
    NotificationRejected,
    PaymentLink,
    PaymentNotification,
    PaymentProvider,
    PaymentRequest,
    RefundRequest,
    TradeQuery,
)


class ConsolePaymentProvider(PaymentProvider):
    name = "console"

    def __init__(self, public_base_url: str) -> None:
        self._base = public_base_url.rstrip("/")

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        url = f"{self._base}/payments/console/{request.out_trade_no}"
        return PaymentLink(pay_url=url, qr_code=url)

    def query(self, out_trade_no: str) -> TradeQuery:
        # Money on the console moves only through the pay page, which settles at once.
        return TradeQuery(out_trade_no, "unknown")

    def refund(self, request: RefundRequest) -> str:
        # Nothing to call: a console payment's money never left the patient.
        return f"console-refund-{request.out_refund_no}"

    def close(self, out_trade_no: str) -> None:
        return None

    def parse_notification(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotification:
        raise NotificationRejected("the console provider sends no notifications")
