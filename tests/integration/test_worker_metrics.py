"""What workers export: SMS delivery time from the outbox to the provider's
acknowledgement, the backlog a sweep leaves, task failures, all served by the
worker's own exporter (tasks/worker_metrics.py) and scraped over real HTTP."""

from __future__ import annotations

import time
from datetime import timedelta

import requests
from celery.signals import task_failure
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from integrations.messaging import OutboundMessage, OutboundSender
from models import OutboxMessage, utcnow
from services.context import ServiceContext
from services.notifications import delivery, outbox
from tasks.worker_metrics import start_exporter


class SlowProvider(OutboundSender):
    """A provider that takes its time to acknowledge, as an SMS gateway under load does."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def send(self, message: OutboundMessage) -> str:
        time.sleep(self.seconds)
        return "provider-id"


def _scrape(port: int) -> dict[str, float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def _queue(
    ctx: ServiceContext, key: str, channel: str = "sms", age: timedelta = timedelta(0), due_in: timedelta = timedelta(0)
) -> None:
    with ctx.db.transaction() as session:
        outbox.enqueue(
            session, ctx.cipher, dedupe_key=key, channel=channel, kind="test", recipient="13800138000", text="提醒"
        )
        message = session.scalars(select(OutboxMessage).filter_by(dedupe_key=key)).one()
        message.created_at = utcnow() - age
        message.not_before = message.created_at + due_in


def _id(ctx: ServiceContext, key: str) -> int:
    with ctx.db.reading() as session:
        return int(session.scalars(select(OutboxMessage.id).filter_by(dedupe_key=key)).one())


def test_sms_delivery_time_backlog_and_failures_reach_the_exporter(ctx: ServiceContext) -> None:
    port = start_exporter("127.0.0.1", 0)
    before = _scrape(port)
    count_key = "hospital_outbox_delivery_seconds_count{channel=sms}"
    slow_bucket = "hospital_outbox_delivery_seconds_bucket{channel=sms,le=5.0}"

    _queue(ctx, "metrics:1", age=timedelta(seconds=7))  # waited 7 s in the outbox before the sweep
    _queue(ctx, "metrics:2", channel="wechat", age=timedelta(hours=1))  # no WeChat sender: failed
    # A reminder queued a day ago for an hour ago: late by an hour, not by a day.
    _queue(ctx, "metrics:3", age=timedelta(days=1), due_in=timedelta(hours=23))
    _queue(ctx, "metrics:4", due_in=timedelta(hours=5))  # tomorrow's reminder: not late at all
    delivery.deliver_one(ctx, _id(ctx, "metrics:1"), {"sms": SlowProvider(0.2)})
    after = _scrape(port)
    assert after[count_key] - before.get(count_key, 0) == 1
    # 7 s queued + 0.2 s at the provider: above the 5 s bucket, measured from queueing, not from sending.
    assert after[slow_bucket] - before.get(slow_bucket, 0) == 0

    # The reminder is due an hour ago, the WeChat message too; tomorrow's is not counted.
    pending, age = delivery.record_backlog(ctx, utcnow())
    assert pending == 2 and 3500 < age < 3700
    assert _scrape(port)["hospital_outbox_oldest_pending_seconds{}"] == age

    delivery.deliver_due(ctx, {"sms": SlowProvider(0.0)})
    after = _scrape(port)
    hour_bucket = "hospital_outbox_delivery_seconds_bucket{channel=sms,le=3600.0}"
    assert after[count_key] - before.get(count_key, 0) == 2
    assert after[hour_bucket] - before.get(hour_bucket, 0) == 1  # the reminder: one hour late, not a day
    assert after["hospital_outbox_deliveries_total{channel=sms,result=sent}"] >= 1
    assert after["hospital_outbox_deliveries_total{channel=wechat,result=failed}"] >= 1

    # After the sweep only tomorrow's reminder waits, and it is not due.
    assert after["hospital_outbox_pending_messages{}"] == 0
    assert after["hospital_outbox_oldest_pending_seconds{}"] == 0

    class Task:
        name = "holds.expire"

    task_failure.send(sender=Task(), task_id="x", exception=RuntimeError("boom"))
    assert _scrape(port)["hospital_task_failures_total{task=holds.expire}"] >= 1
