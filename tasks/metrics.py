"""Metrics the workers export (tasks/worker_metrics.py serves them on WORKER_METRICS_PORT)."""

from __future__ import annotations

from prometheus_client import Counter

HOLDS_EXPIRED = Counter("hospital_holds_expired_total", "Unpaid holds whose places were returned")
TASK_FAILURES = Counter("hospital_task_failures_total", "Celery tasks that raised, by task name", ["task"])
