"""Hand-off housekeeping: no ticket stays open for good (services/conversation/handoff_expiry.py)."""

from __future__ import annotations

from celery import shared_task

from services.conversation import handoff_expiry
from tasks.context import task_context


@shared_task(name="handoffs.close_idle")
def close_idle_handoffs() -> int:
    """Tickets nobody has said anything on for HANDOFF_IDLE_HOURS are closed."""
    return handoff_expiry.close_idle(task_context())
