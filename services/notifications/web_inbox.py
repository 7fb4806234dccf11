"""Messages for the web chat page, which has no platform to push to: the page collects them.

An outbox row on the `web` channel (recipient: the page's sender id) is not
sent by the delivery sweep; the page's poll (`/api/v1/chat/pending`) takes it,
once, with the same conditional UPDATE the sweep uses to claim a row.
"""

from __future__ import annotations

from sqlalchemy import select, update

from db import rows_changed
from models import OutboxMessage, utcnow
from services.context import ServiceContext
from services.notifications.outbox import BODY_CONTEXT, RECIPIENT_CONTEXT

CHANNEL = "web"


def collect(ctx: ServiceContext, sender: str, limit: int = 20) -> list[str]:
    """The texts waiting for this page, oldest first, each handed out once."""
    now = utcnow()
    recipient_hash = ctx.cipher.blind_index(sender, RECIPIENT_CONTEXT)
    with ctx.db.reading() as session:
        waiting = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == CHANNEL,
                OutboxMessage.recipient_hash == recipient_hash,
                OutboxMessage.status == "pending",
                OutboxMessage.not_before <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    if not waiting:
        return []
    texts = []
    with ctx.db.transaction() as session:
        for message_id in waiting:
            taken = rows_changed(
                session,
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
                .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1),
            )
            row = session.get(OutboxMessage, message_id) if taken else None
            if row is not None:
                texts.append(ctx.cipher.decrypt(row.body_enc, BODY_CONTEXT))
    return texts
