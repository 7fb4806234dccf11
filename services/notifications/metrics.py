"""What the outbox exports: how long a message took from being queued to the
provider's acknowledgement (the seed promises SMS "within seconds": this is how
that is checked), each attempt's result, and the backlog a sweep leaves behind.
Workers export them (tasks/worker_metrics.py); the alerts are ops/prometheus/alerts.yml."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERY_SECONDS = Histogram(
    "hospital_outbox_delivery_seconds",
    "From queued in the outbox to the provider's acknowledgement, per channel",
    ["channel"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
DELIVERIES = Counter(
    "hospital_outbox_deliveries_total", "Delivery attempts by channel and result", ["channel", "result"]
)
PENDING = Gauge(
    "hospital_outbox_pending_messages",
    "Messages waiting to be sent after the latest sweep",
    multiprocess_mode="livemostrecent",
)
OLDEST_PENDING_SECONDS = Gauge(
    "hospital_outbox_oldest_pending_seconds",
    "Age of the oldest message still waiting after the latest sweep (0 when none)",
    multiprocess_mode="livemostrecent",
)
