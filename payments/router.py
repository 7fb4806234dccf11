"""Several live providers behind one `PaymentProvider`.

New orders go to the provider whose scene was asked for (wap/page/qr: Alipay;
jsapi/native: WeChat), else to the default. Calls about an existing order name
the provider the order was created with (`PaymentOrder.provider`), so a refund
of a WeChat payment never goes to Alipay.
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

SCENES = {"wap": "alipay", "page": "alipay", "qr": "alipay", "jsapi": "wechat", "native": "wechat"}


class PaymentRouter(PaymentProvider):
    def __init__(self, providers: Mapping[str, PaymentProvider], default: str) -> None:
        if default not in providers:
            raise ValueError(f"default provider {default} is not configured")
        self._providers = dict(providers)
        self._default = providers[default]
        self.name = default

    def get(self, name: str | None) -> PaymentProvider:
        if name is None:
            return self._default
        provider = self._providers.get(name)
        if provider is None:
            raise LookupError(f"payment provider {name} is not configured")
        return provider

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._providers)

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        wanted = SCENES.get(request.scene or "")
        return self.get(wanted if wanted in self._providers else None).create_order(request)

    def query(self, out_trade_no: str) -> TradeQuery:
        return self._default.query(out_trade_no)

    def refund(self, request: RefundRequest) -> str:
        return self._default.refund(request)

    def close(self, out_trade_no: str) -> None:
        self._default.close(out_trade_no)

    def parse_notification(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotification:
        raise NotificationRejected("notifications are parsed by the named provider")


def provider_for(payments: PaymentProvider, name: str) -> PaymentProvider:
    """The provider that created an order called `name`, whether `payments` is a router or one provider."""
    if isinstance(payments, PaymentRouter):
        return payments.get(name)
    if payments.name != name:
        raise LookupError(f"payment provider {name} is not configured")
    return payments
