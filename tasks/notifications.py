"""Notification tasks: sweeps that queue messages (idempotent by dedupe key) and
the delivery of one message. Beat runs the sweeps (tasks/schedule.py); the
outbox sweep in tasks/maintenance.py picks up anything a lost task left."""

from __future__ import annotations

from celery import shared_task

from services.booking import waitlist
from services.clinical import followups, refill_announcements
from services.notifications import delivery as notifications
from services.notifications import reminders
from tasks.context import task_context


@shared_task(name="reminders.schedule")
def schedule_reminders() -> int:
    return reminders.schedule_upcoming(task_context("worker:notify"))


@shared_task(name="followups.questionnaires")
def send_questionnaires() -> int:
    return followups.send_questionnaires(task_context("worker:notify"))


@shared_task(name="followups.results_ready")
def announce_results() -> int:
    return followups.announce_results(task_context("worker:notify"))


@shared_task(name="followups.refill_decisions")
def announce_refill_decisions() -> int:
    return refill_announcements.announce_refill_decisions(task_context("worker:notify"))


@shared_task(name="waitlist.notify_released")
def notify_waitlist() -> int:
    return waitlist.notify_released(task_context("worker:notify"))


@shared_task(name="outbox.deliver", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=8)
def deliver(message_id: int) -> str:
    """Send one message now (the sweep would within seconds anyway); safe to run twice."""
    senders = task_context("worker:notify").senders or notifications.default_senders()
    return notifications.deliver_one(task_context("worker:notify"), message_id, senders)
