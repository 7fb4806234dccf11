"""Housekeeping that keeps booking correct when nobody is looking."""

from __future__ import annotations

from celery import shared_task

from services.booking import transitions
from services.notifications import delivery as notifications
from services.payments import refunds
from tasks.context import task_context
from tasks.metrics import HOLDS_EXPIRED


@shared_task(name="places.release_cancelled")
def release_cancelled_places() -> int:
    """Cancelled places whose randomised release time has come go back to the pool."""
    return transitions.release_cancelled_places(task_context())


@shared_task(name="holds.expire")
def expire_holds() -> int:
    expired = transitions.expire_holds(task_context())
    HOLDS_EXPIRED.inc(expired)
    return expired


@shared_task(name="refunds.process_pending")
def process_pending_refunds() -> int:
    ctx = task_context()
    for refund_id in refunds.pending_refund_ids(ctx):
        process_refund.delay(refund_id)
    return 0


@shared_task(name="refunds.process", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
def process_refund(refund_id: int) -> str:
    return refunds.process_refund(task_context(), refund_id)


@shared_task(name="outbox.deliver_due")
def deliver_due_messages() -> int:
    return notifications.deliver_due(ctx := task_context(), ctx.senders)
