"""Notification tasks: sweeps that queue messages (idempotent by dedupe key) and
the delivery of one message. Beat runs the sweeps (tasks/schedule.py); the
outbox sweep in tasks/maintenance.py picks up anything a lost task left."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from services.booking import waitlist
from services.clinical import followups
from services.context import ServiceContext
from services.notifications import delivery as notifications
from services.notifications import reminders


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx.acting_as("worker:notify")


@shared_task(name="reminders.schedule")
def schedule_reminders() -> int:
    return reminders.schedule_upcoming(_ctx())


@shared_task(name="followups.questionnaires")
def send_questionnaires() -> int:
    return followups.send_questionnaires(_ctx())


@shared_task(name="followups.results_ready")
def announce_results() -> int:
    return followups.announce_results(_ctx())


@shared_task(name="followups.refill_decisions")
def announce_refill_decisions() -> int:
    return followups.announce_refill_decisions(_ctx())


@shared_task(name="waitlist.notify_released")
def notify_waitlist() -> int:
    return waitlist.notify_released(_ctx())


@shared_task(name="outbox.deliver", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
def deliver(message_id: int) -> str:
    """Send one message now (the sweep would within seconds anyway); safe to run twice."""
    senders = current_app.extensions.get("senders") or notifications.default_senders()
    return notifications.deliver_one(_ctx(), message_id, senders)
