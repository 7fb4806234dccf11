"""Queue notifications inside the transaction that causes them.

A message is a row first and a network call later (by a Celery task), so a
crash between the two loses nothing, and the unique `dedupe_key` makes the same
business effect produce one message however often it is triggered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import OutboxMessage, utcnow
from services.crypto import FieldCipher

RECIPIENT_CONTEXT = "outbox.recipient"
BODY_CONTEXT = "outbox.body"


def enqueue(
    session: Session,
    cipher: FieldCipher,
    *,
    dedupe_key: str,
    channel: str,
    kind: str,
    recipient: str,
    text: str,
    patient_id: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add a message unless one with this dedupe key exists. Returns whether it was added."""
    exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if exists is not None:
        return False
    session.add(
        OutboxMessage(
            **message_row(
                cipher,
                dedupe_key=dedupe_key,
                channel=channel,
                kind=kind,
                recipient=recipient,
                text=text,
                patient_id=patient_id,
                not_before=not_before,
            )
        )
    )
    return True


def message_row(
    cipher: FieldCipher,
    *,
    dedupe_key: str,
    channel: str,
    kind: str,
    recipient: str,
    text: str,
    patient_id: str | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """A pending message's column values, sealed: for a caller that writes the row itself in
    its own statement (the booking's, services/booking/place_writes.py) under a dedupe key
    no earlier message can hold (a new appointment's); the unique index still stands."""
    now = utcnow()
    return {
        "dedupe_key": dedupe_key,
        "patient_id": patient_id,
        "channel": channel,
        "kind": kind,
        "recipient_enc": cipher.encrypt(recipient, RECIPIENT_CONTEXT),
        "recipient_hash": cipher.blind_index(recipient, RECIPIENT_CONTEXT),
        "body_enc": cipher.encrypt(text, BODY_CONTEXT),
        "status": "pending",
        "attempts": 0,
        "not_before": not_before or now,
        "created_at": now,
    }


def read_outbox(session: Session, cipher: FieldCipher, recipient: str | None, limit: int = 50) -> list[dict[str, str]]:
    """Messages as "sent", newest first: for development and tests only.

    A message shows once its time has come (a reminder queued for tomorrow 18:00
    appears then), and never when it was withdrawn (a reminder for a cancelled visit).
    """
    query = (
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status == "sent",
                and_(OutboxMessage.status != "cancelled", OutboxMessage.not_before <= utcnow()),
            )
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    if recipient:
        query = query.where(OutboxMessage.recipient_hash == cipher.blind_index(recipient, RECIPIENT_CONTEXT))
    return [
        {
            "to": cipher.decrypt(message.recipient_enc, RECIPIENT_CONTEXT),
            "channel": message.channel,
            "kind": message.kind,
            "text": cipher.decrypt(message.body_enc, BODY_CONTEXT),
            "status": message.status,
            "created_at": message.created_at.isoformat(),
        }
        for message in session.scalars(query)
    ]
