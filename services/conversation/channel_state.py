"""What the channel edge keeps in the database: SMS opt-outs, answers waiting to be
pushed to WeChat/Alipay, and the shared access token when there is no Redis."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from db import rows_changed
from integrations.channels.wechat import TokenStore
from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender
from models import ChannelToken, PendingReply, SmsOptOut, utcnow
from services.context import ServiceContext
from services.crypto import FieldCipher

log = logging.getLogger(__name__)

OPT_OUT_CONTEXT = "sms.opt_out"
REPLY_RECIPIENT_CONTEXT = "channel_replies.recipient"
REPLY_BODY_CONTEXT = "channel_replies.body"
TOKEN_CONTEXT = "channel_tokens.value"  # noqa: S105 - an encryption context name
MAX_REPLY_ATTEMPTS = 5
# A claimed answer not marked sent or pending by then belongs to a worker that died
# mid-send; the sweep takes it over (at least once: the dead worker may have sent it).
REPLY_LEASE_SECONDS = 120
# A fresh answer is left this long to the task queued with it before the sweep takes it.
SWEEP_GRACE_SECONDS = 30
SWEEP_BATCH = 100


# -- SMS opt-outs -----------------------------------------------------------------------------
def _phone_hash(ctx: ServiceContext, number: str) -> str:
    return ctx.cipher.blind_index(number, OPT_OUT_CONTEXT)


def opt_out(ctx: ServiceContext, number: str) -> None:
    with ctx.db.transaction() as session:
        key = _phone_hash(ctx, number)
        if session.get(SmsOptOut, key) is None:
            session.add(SmsOptOut(phone_hash=key))


def opt_in(ctx: ServiceContext, number: str) -> None:
    with ctx.db.transaction() as session:
        session.execute(delete(SmsOptOut).where(SmsOptOut.phone_hash == _phone_hash(ctx, number)))


def is_opted_out(ctx: ServiceContext, number: str) -> bool:
    with ctx.db.reading() as session:
        return session.get(SmsOptOut, _phone_hash(ctx, number)) is not None


# -- answers pushed later ---------------------------------------------------------------------
def save_pending_reply(ctx: ServiceContext, channel: str, recipient: str, text: str) -> int:
    with ctx.db.transaction() as session:
        row = PendingReply(
            channel=channel,
            recipient_enc=ctx.cipher.encrypt(recipient, REPLY_RECIPIENT_CONTEXT),
            body_enc=ctx.cipher.encrypt(text, REPLY_BODY_CONTEXT),
        )
        session.add(row)
        session.flush()
        return row.id


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Waiting, or claimed by a worker whose lease ran out."""
    return or_(
        PendingReply.status == "pending",
        and_(PendingReply.status == "sending", PendingReply.lease_until < now),
    )


def deliver_pending_reply(
    ctx: ServiceContext, reply_id: int, sender: OutboundSender, now: datetime | None = None
) -> str:
    """Push one kept answer. Claimed by a conditional update with a lease, so two workers
    (the queued task and the sweep) never both send it, and a crashed worker's claim lapses.
    Returns the row's status; raises DeliveryFailed (retryable) for the task to retry."""
    return _deliver(ctx, reply_id, sender, now)[0]


def _deliver(
    ctx: ServiceContext, reply_id: int, sender: OutboundSender, now: datetime | None = None
) -> tuple[str, bool]:
    """The row's status, and whether this call sent it (a sweep counts only its own sends:
    a row another sweep finished meanwhile also reads "sent")."""
    now = now or utcnow()
    with ctx.db.transaction() as session:
        claimed = rows_changed(
            session,
            update(PendingReply)
            .where(PendingReply.id == reply_id, PendingReply.attempts < MAX_REPLY_ATTEMPTS, _claimable(now))
            .values(
                status="sending",
                attempts=PendingReply.attempts + 1,
                lease_until=now + timedelta(seconds=REPLY_LEASE_SECONDS),
            ),
        )
        row = session.get(PendingReply, reply_id)
        if row is None:
            return "missing", False
        if claimed != 1:
            return row.status, False
        recipient = ctx.cipher.decrypt(row.recipient_enc, REPLY_RECIPIENT_CONTEXT)
        text = ctx.cipher.decrypt(row.body_enc, REPLY_BODY_CONTEXT)
        attempts = row.attempts
    try:
        sender.send(OutboundMessage(recipient=recipient, text=text, kind="chat_reply"))
    except DeliveryFailed as exc:
        final = not exc.retryable or attempts >= MAX_REPLY_ATTEMPTS
        _set_status(ctx, reply_id, "failed" if final else "pending")
        log.warning(
            "channel reply not delivered",
            extra={"reply_id": reply_id, "channel": sender.channel, "reason": str(exc), "final": final},
        )
        if final:
            return "failed", False
        raise
    _set_status(ctx, reply_id, "sent")
    return "sent", True


def resend_stuck_replies(
    ctx: ServiceContext, senders: Mapping[str, OutboundSender], now: datetime | None = None
) -> int:
    """Beat's sweep: answers whose task never ran (the broker was down when the webhook
    queued it) or whose worker died mid-send are sent again. Each goes through the same
    leased claim as the task, so a sweep racing the task or another sweep sends it once.
    Returns how many were sent."""
    now = now or utcnow()
    _give_up_on_exhausted(ctx, now)
    with ctx.db.reading() as session:
        due = session.execute(
            select(PendingReply.id, PendingReply.channel)
            .where(
                or_(
                    and_(
                        PendingReply.status == "pending",
                        PendingReply.created_at < now - timedelta(seconds=SWEEP_GRACE_SECONDS),
                    ),
                    and_(PendingReply.status == "sending", PendingReply.lease_until < now),
                )
            )
            .order_by(PendingReply.id)
            .limit(SWEEP_BATCH)
        ).all()
    sent = 0
    for reply_id, channel in due:
        sender = senders.get(channel)
        if sender is None:
            log.warning("no sender for a kept channel reply", extra={"reply_id": reply_id, "channel": channel})
            continue
        try:
            sent += _deliver(ctx, reply_id, sender, now)[1]
        except DeliveryFailed:
            continue  # left pending (logged by the delivery); the next sweep tries again
    return sent


def _give_up_on_exhausted(ctx: ServiceContext, now: datetime) -> None:
    """A lapsed claim that already used every attempt is failed, not left claimed forever."""
    with ctx.db.transaction() as session:
        rows_changed(
            session,
            update(PendingReply)
            .where(_claimable(now), PendingReply.attempts >= MAX_REPLY_ATTEMPTS)
            .values(status="failed", lease_until=None),
        )


def _set_status(ctx: ServiceContext, reply_id: int, status: str) -> None:
    with ctx.db.transaction() as session:
        rows_changed(
            session,
            update(PendingReply)
            .where(PendingReply.id == reply_id)
            .values(status=status, lease_until=None, sent_at=utcnow() if status == "sent" else None),
        )


# -- the access token without Redis -------------------------------------------------------------
class DbTokenStore(TokenStore):
    """The token, encrypted, in `channel_tokens`; the refresh lease is a conditional update."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.db = ctx.db
        self.cipher: FieldCipher = ctx.cipher

    def get(self, key: str) -> str | None:
        with self.db.reading() as session:
            row = session.get(ChannelToken, key)
            if row is None or row.value_enc is None or row.expires_at is None or row.expires_at <= utcnow():
                return None
            return self.cipher.decrypt(row.value_enc, TOKEN_CONTEXT)

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._ensure(key)
        with self.db.transaction() as session:
            rows_changed(
                session,
                update(ChannelToken)
                .where(ChannelToken.key == key)
                .values(
                    value_enc=self.cipher.encrypt(value, TOKEN_CONTEXT),
                    expires_at=utcnow() + timedelta(seconds=ttl_seconds),
                ),
            )

    def delete(self, key: str) -> None:
        with self.db.transaction() as session:
            rows_changed(
                session, update(ChannelToken).where(ChannelToken.key == key).values(value_enc=None, expires_at=None)
            )

    def acquire(self, key: str, owner: str, lease_seconds: int) -> bool:
        self._ensure(key)
        now = utcnow()
        with self.db.transaction() as session:
            return (
                rows_changed(
                    session,
                    update(ChannelToken)
                    .where(
                        ChannelToken.key == key,
                        or_(
                            ChannelToken.lock_owner.is_(None),
                            ChannelToken.lock_owner == owner,
                            ChannelToken.lock_until < now,
                        ),
                    )
                    .values(lock_owner=owner, lock_until=now + timedelta(seconds=lease_seconds)),
                )
                == 1
            )

    def release(self, key: str, owner: str) -> None:
        with self.db.transaction() as session:
            rows_changed(
                session,
                update(ChannelToken)
                .where(ChannelToken.key == key, ChannelToken.lock_owner == owner)
                .values(lock_owner=None, lock_until=None),
            )

    def _ensure(self, key: str) -> None:
        with self.db.reading() as session:
            if session.scalar(select(ChannelToken.key).where(ChannelToken.key == key)) is not None:
                return
        try:
            with self.db.transaction() as session:
                session.add(ChannelToken(key=key))
        except IntegrityError:
            pass  # another process created it first
