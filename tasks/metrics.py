"""Metrics the workers export (served by the web process's /metrics in multiprocess mode)."""

from __future__ import annotations

from prometheus_client import Counter

HOLDS_EXPIRED = Counter("hospital_holds_expired_total", "Unpaid holds whose places were returned")
