"""Delivering outbox messages. In development and test the console sender only
marks them sent (they are read back from `/api/v1/dev/outbox`); the channel and
SMS senders plug in here."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from db import rows_changed
from models import OutboxMessage, utcnow
from services.context import ServiceContext

log = logging.getLogger(__name__)


def deliver_due(ctx: ServiceContext, batch: int = 100) -> int:
    now = utcnow()
    with ctx.db.reading() as session:
        due = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.not_before <= now)
            .order_by(OutboxMessage.id)
            .limit(batch)
        ).all()
    delivered = 0
    for message_id in due:
        with ctx.db.transaction() as session:
            # Claim by conditional update: two workers never send the same message.
            claimed = rows_changed(
                session,
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
                .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1),
            )
            if claimed == 1:
                log.info("message delivered", extra={"outbox_id": message_id, "sender": "console"})
                delivered += 1
    return delivered
