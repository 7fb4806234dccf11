"""Pushing channel answers that could not ride on the webhook's own response."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from integrations.messaging import DeliveryFailed, OutboundSender
from services.conversation import channel_state as channels
from tasks.context import task_context


def _sender(channel: str) -> OutboundSender:
    sender: OutboundSender = task_context().senders[channel]
    return sender


def _deliver(task: Any, channel: str, reply_id: int) -> str:
    try:
        return channels.deliver_pending_reply(task_context(), reply_id, _sender(channel))
    except DeliveryFailed as exc:
        raise task.retry(exc=exc, countdown=min(2 ** (task.request.retries or 0) * 5, 300)) from exc


@shared_task(name="channels.deliver_wechat_answer", bind=True, max_retries=5)
def deliver_wechat_answer(self: Any, reply_id: int) -> str:
    """An answer that missed WeChat's 5-second window, as a customer-service message."""
    return _deliver(self, "wechat", reply_id)


@shared_task(name="channels.send_alipay_answer", bind=True, max_retries=5)
def send_alipay_answer(self: Any, reply_id: int) -> str:
    """The answer to an Alipay service-window message, by custom send."""
    return _deliver(self, "alipay", reply_id)


@shared_task(name="channels.resend_stuck_replies")
def resend_stuck_replies() -> int:
    """Beat's sweep for answers whose task was never queued (broker down) or whose worker died."""
    ctx = task_context("worker:channels")
    return channels.resend_stuck_replies(ctx, ctx.senders)
