"""Delivering outbox messages through `OutboundSender`s, each due message once.

One message's life: `pending` → (claim) `sending` → `sent` | `pending` again
later (a retryable failure, with backoff) | `failed` | `cancelled` (no longer
wanted, e.g. a reminder for a cancelled visit).

- The claim is a conditional UPDATE (`pending`, due → `sending`) committed
  before the network call, so two workers never both send a message. It also
  bumps `attempts` and sets a lease (`not_before` = now + OUTBOX_CLAIM_SECONDS).
- Marking the result is conditional on the same `attempts` value (a fencing
  token): a worker whose lease ran out cannot overwrite a newer attempt.
- A worker that dies after claiming leaves `sending` with a lapsed lease; the
  next sweep claims it again. That is the only way a message can go out twice:
  a crash after the platform accepted it and before `sent` was committed, a
  window of one network round trip (see docs/notifications.md).
- An app channel (WeChat, Alipay) that refuses for good falls back to SMS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from db import rows_changed
from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender
from models import OutboxMessage, Patient, utcnow
from services.context import ServiceContext
from services.notifications import metrics, outbox, reminders
from services.notifications.outbox import BODY_CONTEXT, RECIPIENT_CONTEXT
from services.patients.registry import patient_phone

log = logging.getLogger(__name__)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# Kinds whose sending depends on the world still being as it was when queued.
GUARDS: dict[str, Callable[[Session, str], bool]] = {kind: reminders.still_wanted for kind in reminders.KINDS}


class OutboxOnlySender(OutboundSender):
    """Development and test without the real senders: the outbox row is the message
    (read back from /api/v1/dev/outbox), nothing leaves the machine."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: OutboundMessage) -> str:
        return f"outbox-{self.channel}"


def default_senders() -> dict[str, OutboundSender]:
    return {channel: OutboxOnlySender(channel) for channel in ("sms", "wechat", "alipay", "web")}


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    channel: str
    kind: str
    dedupe_key: str
    patient_id: str | None
    recipient: str
    text: str
    queued_at: datetime


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


def due_ids(ctx: ServiceContext, now: datetime, batch: int) -> list[int]:
    with ctx.db.reading() as session:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status.in_(("pending", "sending")),
                    OutboxMessage.not_before <= now,
                    OutboxMessage.channel != "web",  # the chat page collects its own (web_inbox)
                )
                .order_by(OutboxMessage.not_before, OutboxMessage.id)
                .limit(batch)
            )
        )


def _claim(ctx: ServiceContext, message_id: int, now: datetime) -> _Claimed | str:
    with ctx.db.transaction() as session:
        # When it became due (its schedule, or its retry's): delivery time counts from there.
        due_at = session.scalar(select(OutboxMessage.not_before).where(OutboxMessage.id == message_id))
        claimed = rows_changed(
            session,
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                or_(
                    and_(OutboxMessage.status == "pending", OutboxMessage.not_before <= now),
                    and_(OutboxMessage.status == "sending", OutboxMessage.not_before <= now),  # lease lapsed
                ),
            )
            .values(
                status="sending",
                attempts=OutboxMessage.attempts + 1,
                not_before=now + timedelta(seconds=ctx.settings.outbox_claim_seconds),
            ),
        )
        if claimed != 1:
            return "not_due"
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        session.refresh(message)
        guard = GUARDS.get(message.kind)
        # "<kind>:<subject>" or, for an SMS fallback, "<kind>:<subject>:sms".
        if guard is not None and not guard(session, message.dedupe_key.split(":")[1]):
            message.status = "cancelled"
            return "cancelled"
        return _Claimed(
            id=message.id,
            attempts=message.attempts,
            channel=message.channel,
            kind=message.kind,
            dedupe_key=message.dedupe_key,
            patient_id=message.patient_id,
            recipient=ctx.cipher.decrypt(message.recipient_enc, RECIPIENT_CONTEXT),
            text=ctx.cipher.decrypt(message.body_enc, BODY_CONTEXT),
            queued_at=max(_aware(message.created_at), _aware(due_at or message.created_at)),
        )


def _finish(ctx: ServiceContext, claimed: _Claimed, now: datetime, **values: object) -> bool:
    with ctx.db.transaction() as session:
        return (
            rows_changed(
                session,
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == claimed.id,
                    OutboxMessage.status == "sending",
                    OutboxMessage.attempts == claimed.attempts,
                )
                .values(**values),
            )
            == 1
        )


def _fall_back_to_sms(ctx: ServiceContext, claimed: _Claimed) -> None:
    if claimed.channel == "sms" or claimed.patient_id is None:
        return
    with ctx.db.transaction() as session:
        patient = session.get(Patient, claimed.patient_id)
        if patient is None:
            return
        outbox.enqueue(
            session,
            ctx.cipher,
            dedupe_key=f"{claimed.dedupe_key}:sms",
            channel="sms",
            kind=claimed.kind,
            recipient=patient_phone(ctx.cipher, patient),
            text=claimed.text,
            patient_id=patient.id,
        )


def deliver_one(
    ctx: ServiceContext, message_id: int, senders: Mapping[str, OutboundSender], now: datetime | None = None
) -> str:
    """Claim, send, mark. Returns sent | retry | failed | cancelled | not_due | lost_lease."""
    now = now or utcnow()
    claimed = _claim(ctx, message_id, now)
    if isinstance(claimed, str):
        return claimed
    sender = senders.get(claimed.channel)
    if sender is None:
        log.warning("no sender for channel", extra={"outbox_id": claimed.id, "channel": claimed.channel})
        _finish(ctx, claimed, now, status="failed")
        metrics.DELIVERIES.labels(channel=claimed.channel, result="failed").inc()
        _fall_back_to_sms(ctx, claimed)
        return "failed"
    try:
        sender.send(OutboundMessage(recipient=claimed.recipient, text=claimed.text, kind=claimed.kind))
    except DeliveryFailed as exc:
        if exc.retryable and claimed.attempts < ctx.settings.outbox_max_attempts:
            _finish(ctx, claimed, now, status="pending", not_before=now + backoff(claimed.attempts))
            log.info("delivery will be retried", extra={"outbox_id": claimed.id, "reason": str(exc)})
            metrics.DELIVERIES.labels(channel=claimed.channel, result="retry").inc()
            return "retry"
        _finish(ctx, claimed, now, status="failed")
        metrics.DELIVERIES.labels(channel=claimed.channel, result="failed").inc()
        log.warning("delivery failed", extra={"outbox_id": claimed.id, "reason": str(exc)})
        _fall_back_to_sms(ctx, claimed)
        return "failed"
    acknowledged = utcnow()
    metrics.DELIVERY_SECONDS.labels(channel=claimed.channel).observe(_seconds_between(claimed.queued_at, acknowledged))
    metrics.DELIVERIES.labels(channel=claimed.channel, result="sent").inc()
    if not _finish(ctx, claimed, acknowledged, status="sent", sent_at=acknowledged):
        return "lost_lease"
    log.info("message delivered", extra={"outbox_id": claimed.id, "channel": claimed.channel})
    return "sent"


def deliver_due(ctx: ServiceContext, senders: Mapping[str, OutboundSender] | None = None, batch: int = 100) -> int:
    """Send every due message once; returns how many went out."""
    senders = senders if senders is not None else default_senders()
    now = utcnow()
    sent = sum(deliver_one(ctx, message_id, senders, now) == "sent" for message_id in due_ids(ctx, now, batch))
    record_backlog(ctx, utcnow())
    return sent


def record_backlog(ctx: ServiceContext, now: datetime) -> tuple[int, float]:
    """How many due messages still wait after a sweep, and how long past due the oldest is:
    the outbox alerts' input (a stuck provider shows as a growing age, not an error)."""
    with ctx.db.reading() as session:
        count, oldest = session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.not_before)).where(
                OutboxMessage.status.in_(("pending", "sending")),
                OutboxMessage.not_before <= now,  # a reminder for tomorrow is not late
                OutboxMessage.channel != "web",
            )
        ).one()
    age = _seconds_between(oldest, now) if oldest is not None else 0.0
    metrics.PENDING.set(count)
    metrics.OLDEST_PENDING_SECONDS.set(age)
    return int(count), age


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _seconds_between(earlier: datetime, later: datetime) -> float:
    return max(0.0, (_aware(later) - _aware(earlier)).total_seconds())
