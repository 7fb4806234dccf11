"""What the channel edge keeps in the database: SMS opt-outs, answers waiting to be
pushed to WeChat/Alipay, and the shared access token when there is no Redis."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
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


def deliver_pending_reply(ctx: ServiceContext, reply_id: int, sender: OutboundSender) -> str:
    """Push one kept answer. Claimed by a conditional update, so two workers never both send it.
    Returns the row's status; raises DeliveryFailed (retryable) for the task to retry."""
    with ctx.db.transaction() as session:
        claimed = rows_changed(
            session,
            update(PendingReply)
            .where(PendingReply.id == reply_id, PendingReply.status == "pending")
            .values(status="sending", attempts=PendingReply.attempts + 1),
        )
        row = session.get(PendingReply, reply_id)
        if row is None:
            return "missing"
        if claimed != 1:
            return row.status
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
            return "failed"
        raise
    _set_status(ctx, reply_id, "sent")
    return "sent"


def _set_status(ctx: ServiceContext, reply_id: int, status: str) -> None:
    with ctx.db.transaction() as session:
        rows_changed(
            session,
            update(PendingReply)
            .where(PendingReply.id == reply_id)
            .values(status=status, sent_at=utcnow() if status == "sent" else None),
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
