"""Housekeeping that keeps booking correct when nobody is looking."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from services.booking import appointments as booking
from services.context import ServiceContext
from services.notifications import delivery as notifications
from services.payments import refunds
from web.metrics import HOLDS_EXPIRED


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx.acting_as("worker")


@shared_task(name="holds.expire")
def expire_holds() -> int:
    expired = booking.expire_holds(_ctx())
    HOLDS_EXPIRED.inc(expired)
    return expired


@shared_task(name="refunds.process_pending")
def process_pending_refunds() -> int:
    ctx = _ctx()
    for refund_id in refunds.pending_refund_ids(ctx):
        process_refund.delay(refund_id)
    return 0


@shared_task(name="refunds.process", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
def process_refund(refund_id: int) -> str:
    return refunds.process_refund(_ctx(), refund_id)


@shared_task(name="outbox.deliver_due")
def deliver_due_messages() -> int:
    return notifications.deliver_due(_ctx(), current_app.extensions.get("senders"))
