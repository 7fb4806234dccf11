"""Development provider: a local "pay now" page stands in for the platform."""

from __future__ import annotations

from payments.base import PaymentLink, PaymentProvider, PaymentRequest, RefundRequest


class ConsolePaymentProvider(PaymentProvider):
    name = "console"

    def __init__(self, public_base_url: str) -> None:
        self._base = public_base_url.rstrip("/")

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        return PaymentLink(pay_url=f"{self._base}/payments/console/{request.out_trade_no}")

    def refund(self, request: RefundRequest) -> str:
        # Nothing to call: a console payment's money never left the patient.
        return f"console-refund-{request.out_refund_no}"
