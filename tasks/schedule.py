"""Periodic jobs, declared as data for celery beat."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "expire-unpaid-holds": {"task": "holds.expire", "schedule": 30.0},
    "release-cancelled-places": {"task": "places.release_cancelled", "schedule": 15.0},
    "pay-out-pending-refunds": {"task": "refunds.process_pending", "schedule": 60.0},
    "deliver-due-messages": {"task": "outbox.deliver_due", "schedule": 10.0},
    "reconcile-open-orders": {"task": "payments.reconcile_open", "schedule": 120.0},
    "schedule-visit-reminders": {"task": "reminders.schedule", "schedule": 60.0},
    "send-followup-questionnaires": {"task": "followups.questionnaires", "schedule": 600.0},
    "announce-results-ready": {"task": "followups.results_ready", "schedule": 60.0},
    "announce-refill-decisions": {"task": "followups.refill_decisions", "schedule": 60.0},
    "notify-waitlist": {"task": "waitlist.notify_released", "schedule": 60.0},
    "resend-stuck-channel-replies": {"task": "channels.resend_stuck_replies", "schedule": 60.0},
    "close-idle-handoffs": {"task": "handoffs.close_idle", "schedule": 600.0},
    # hourly: conversations past CONVERSATION_RETENTION_DAYS, placeholder values past their hour
    "purge-old-conversations": {"task": "conversations.purge_old", "schedule": 3600.0},
}
