"""A local stand-in for Alipay's WAP cashier (the page a phone browser is sent to).

It checks the signed `alipay.trade.wap.pay` URL with the merchant's public key,
shows the amount and a 付款 button; paying posts the notification Alipay would
send (signed with the test platform key) to the `notify_url` of the request and
redirects the browser to its `return_url`, as Alipay does. API calls (query,
refund, close) go to the table-driven `AlipayGateway`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from payments.alipay import rsa2_verify
from payments.base import yuan_to_fen
from tests.fakes import payment_platforms as fake
from tests.fakes.http_server import Recorded


@dataclass
class Cashier:
    gateway: fake.AlipayGateway = field(default_factory=fake.AlipayGateway)
    opened: list[dict[str, str]] = field(default_factory=list)  # verified WAP requests
    notified: list[int] = field(default_factory=list)  # our notify endpoint's answers

    def __call__(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        url = urlsplit(request.path)
        if request.method == "GET" and url.path == "/gateway.do":
            return self._cashier(dict(parse_qsl(url.query)))
        if request.method == "POST" and url.path == "/pay":
            return self._pay(dict(parse_qsl(request.body.decode())))
        if request.method == "POST" and url.path == "/gateway.do":
            status, payload = self.gateway(request)
            return status, payload, {"Content-Type": "text/html;charset=utf-8"}
        return 404, b"", {"Content-Type": "text/plain"}

    def _cashier(self, params: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        # A request's signature covers sign_type too (a notification's does not).
        content = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k])
        key = fake.alipay_keys().merchant.public_key()
        if params.get("method") != "alipay.trade.wap.pay" or not rsa2_verify(key, content, params.get("sign", "")):
            return 400, "<p>签名错误</p>".encode(), {"Content-Type": "text/html;charset=utf-8"}
        self.opened.append(params)
        biz = json.loads(params["biz_content"])
        hidden = {
            "out_trade_no": biz["out_trade_no"],
            "total_amount": biz["total_amount"],
            "notify_url": params["notify_url"],
            "return_url": params.get("return_url", ""),
        }
        fields = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v, quote=True)}">' for k, v in hidden.items()
        )
        page = (
            '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>支付宝（测试收银台）</title><h1>支付宝</h1><p id='amount'>¥{html.escape(biz['total_amount'])}</p>"
            f"<p>{html.escape(biz.get('subject', ''))}</p>"
            f'<form method="post" action="/pay">{fields}<button id="alipay-pay" type="submit">付款</button></form>'
        )
        return 200, page.encode(), {"Content-Type": "text/html;charset=utf-8"}

    def _pay(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        body = fake.alipay_notification(form["out_trade_no"], yuan_to_fen(form["total_amount"]))
        answer = requests.post(
            form["notify_url"], data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10
        )
        self.notified.append(answer.status_code)
        return 302, b"", {"Location": form["return_url"]}


@contextmanager
def cashier_server(cashier: Cashier) -> Iterator[str]:
    with fake.gateway_server(cashier) as url:
        yield url
