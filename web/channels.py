"""Platform webhooks: `/channels/wechat`, `/channels/alipay`, `/channels/sms`.

Each verifies the platform's signature, drops the platform's retries, and
hands the normalised message to `services.conversation`.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("channels", __name__, url_prefix="/channels")
