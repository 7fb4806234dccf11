"""WeChat's side of a JSAPI payment, for browser tests: what the WeChat app does when a
page calls `WeixinJSBridge.invoke('getBrandWCPayRequest', params, callback)`.

It checks the page's parameters the way WeChat does (the `paySign` is the merchant's
RSA-SHA256 signature over appId, timeStamp, nonceStr and package, checked with the
merchant's public key), finds the prepaid order the gateway recorded, marks the trade
paid at the fake gateway (so a later query agrees), posts the signed and encrypted
v3 notification to the order's `notify_url` as WeChat Pay does, and only then answers
`get_brand_wcpay_request:ok`. `BRIDGE_SCRIPT` is the `WeixinJSBridge` a test injects
into the page; it hands each call to the Python side through Playwright.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.fakes import payment_platforms as fake

BRIDGE_FUNCTION = "__fakeWeChatPay"
BRIDGE_SCRIPT = f"""
window.WeixinJSBridge = {{
  invoke: function (name, params, callback) {{
    window.{BRIDGE_FUNCTION}(name, params).then(function (errMsg) {{ callback({{ err_msg: errMsg }}); }});
  }}
}};
"""
OK, FAIL = "get_brand_wcpay_request:ok", "get_brand_wcpay_request:fail"


@dataclass
class WeChatApp:
    gateway: fake.WeChatGateway
    invoked: list[dict[str, Any]] = field(default_factory=list)  # the parameters pages passed
    prepaid: list[dict[str, Any]] = field(default_factory=list)  # the JSAPI orders paid
    notified: list[int] = field(default_factory=list)  # our notify endpoint's answers

    def invoke(self, name: str, params: dict[str, Any]) -> str:
        """The bridge call; the answer is the callback's err_msg."""
        self.invoked.append(dict(params))
        if name != "getBrandWCPayRequest" or not self._signed(params):
            return FAIL
        order = self._prepaid_order(str(params.get("package", "")))
        if order is None:
            return FAIL
        out_trade_no, amount = order["out_trade_no"], int(order["amount"]["total"])
        self.gateway.trades[out_trade_no] = {
            "trade_state": "SUCCESS",
            "transaction_id": "4200000000202611260000000001",
            "amount": {"total": amount, "payer_total": amount, "currency": "CNY"},
        }
        headers, body = fake.wechat_notification(out_trade_no, amount)
        answer = requests.post(order["notify_url"], data=body, headers=headers, timeout=10)
        self.notified.append(answer.status_code)
        self.prepaid.append(order)
        return OK if answer.status_code in (200, 204) else FAIL

    def _signed(self, params: dict[str, Any]) -> bool:
        message = "".join(f"{params.get(k, '')}\n" for k in ("appId", "timeStamp", "nonceStr", "package"))
        try:
            fake.wechat_keys().merchant.public_key().verify(
                base64.b64decode(str(params.get("paySign", ""))),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return params.get("appId") == fake.WECHAT_APP_ID and params.get("signType") == "RSA"

    def _prepaid_order(self, package: str) -> dict[str, Any] | None:
        """The newest JSAPI order the gateway answered with this package's prepay_id."""
        if not package.startswith("prepay_id="):
            return None
        for method, path, body in reversed(self.gateway.calls):
            if method == "POST" and path.split("?", 1)[0].endswith("/jsapi"):
                order: dict[str, Any] = json.loads(body)
                return order
        return None
