"""Payment housekeeping: reconcile orders whose notification never came.

Tasks take ids, and each effect is idempotent in the service (ledger event
keys, conditional updates), so a redelivered task changes nothing twice.
"""

from __future__ import annotations

from celery import shared_task

from payments.base import PaymentError
from services.payments import settlement as payments
from tasks.context import task_context


@shared_task(name="payments.reconcile_open")
def reconcile_open_orders() -> int:
    """The sweep (beat): one task per order, so one slow platform call holds up nothing else."""
    ids = payments.orders_to_reconcile(task_context("worker:reconcile"))
    for order_id in ids:
        reconcile_order.delay(order_id)
    return len(ids)


@shared_task(
    name="payments.reconcile_order",
    autoretry_for=(PaymentError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def reconcile_order(order_id: int) -> str:
    return payments.reconcile_order(task_context("worker:reconcile"), order_id)
