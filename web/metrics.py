"""Prometheus metrics. Under gunicorn each worker writes to PROMETHEUS_MULTIPROC_DIR
and `/metrics` aggregates them, so a scrape sees the whole server."""

from __future__ import annotations

import os

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

REQUEST_LATENCY = Histogram(
    "hospital_http_request_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BOOKINGS = Counter("hospital_bookings_total", "Booking attempts by outcome", ["outcome"])
# refused: a signature, freshness or matching failure (the platform sends again; many in a row
# means a wrong key or a forger, and patients who paid are not confirmed meanwhile).
PAYMENT_NOTIFICATIONS = Counter(
    "hospital_payment_notifications_total", "Payment notifications by provider and result", ["provider", "result"]
)

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        payload = generate_latest(registry)
    else:
        payload = generate_latest()
    return Response(payload, mimetype=CONTENT_TYPE_LATEST)
