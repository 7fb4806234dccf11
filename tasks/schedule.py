"""Periodic jobs, declared as data for celery beat."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "expire-unpaid-holds": {"task": "holds.expire", "schedule": 30.0},
    "pay-out-pending-refunds": {"task": "refunds.process_pending", "schedule": 60.0},
    "deliver-due-messages": {"task": "outbox.deliver_due", "schedule": 10.0},
}
