"""Payment notifications: `/payments/alipay/notify`, `/payments/wechat/notify`.

Verified (signature, freshness, app id / merchant id by the provider; amount
and provider against our order by the service), idempotent (the service's
ledger key), and answered with the exact body each platform expects:
Alipay the bare text `success`; WeChat Pay v3 HTTP 200 with
`{"code": "SUCCESS", "message": "成功"}`. Anything else makes the platform
send it again, which is what we want when our database was unavailable, and
harmless for forgeries.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from models import utcnow
from payments.alipay import FAILURE_BODY, SUCCESS_BODY
from payments.base import NotificationRejected
from payments.router import provider_for
from payments.wechat import FAILURE_JSON, SUCCESS_JSON
from services.errors import DomainError
from services.payments import settlement as payments
from web.context import service_context
from web.extensions import limiter
from web.metrics import PAYMENT_NOTIFICATIONS

bp = Blueprint("payment_notify", __name__, url_prefix="/payments")
log = logging.getLogger(__name__)


def _process(provider_name: str) -> str | None:
    """The settlement outcome, or None when the notification is refused (both counted)."""
    outcome = _settle(provider_name)
    PAYMENT_NOTIFICATIONS.labels(provider=provider_name, result="refused" if outcome is None else "accepted").inc()
    return outcome


def _settle(provider_name: str) -> str | None:
    ctx = service_context().acting_as(f"payments:{provider_name}")
    try:
        provider = provider_for(ctx.payments, provider_name)
    except LookupError:
        log.warning("notification for a provider that is not configured", extra={"provider": provider_name})
        return None
    try:
        note = provider.parse_notification(dict(request.headers), request.get_data(cache=False), utcnow())
        settlement = payments.handle_notification(ctx, provider_name, note)
    except NotificationRejected as exc:
        log.warning("payment notification refused", extra={"provider": provider_name, "reason": exc.reason})
        return None
    except DomainError as exc:
        log.warning("payment notification does not match", extra={"provider": provider_name, "error": exc.code})
        return None
    log.info("payment notification", extra={"provider": provider_name, "outcome": settlement.outcome})
    return settlement.outcome


@bp.post("/alipay/notify")
@limiter.exempt  # a platform's few servers carry every patient's payment
def alipay_notify() -> Any:
    outcome = _process("alipay")
    if outcome is None:
        return Response(FAILURE_BODY, status=400, mimetype="text/plain")
    return Response(SUCCESS_BODY, status=200, mimetype="text/plain")


@bp.post("/wechat/notify")
@limiter.exempt
def wechat_notify() -> Any:
    outcome = _process("wechat")
    if outcome is None:
        return jsonify(FAILURE_JSON), 400
    return jsonify(SUCCESS_JSON), 200
