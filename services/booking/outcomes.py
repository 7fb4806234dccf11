"""What a booking or rescheduling request came to, and the Idempotency-Key answers that
give it again: a retried request (a patient tapping twice, a proxy resending) gets
the first call's answer, never a second hold. Booking (`holds`) and rescheduling
(`reschedule`) share these; the answer is stored in the same transaction as the
change it describes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db import connection_of
from models import IdempotencyRecord
from services.errors import IdempotencyMismatch


@dataclass(frozen=True)
class BookingOutcome:
    """What became of a booking request: the appointment as the patient sees it, and
    whether this call made it or gave again what an earlier call with the same
    Idempotency-Key got. The edge chooses how to say that in HTTP."""

    appointment: dict[str, Any]
    replayed: bool = False

    @property
    def created(self) -> bool:
        return not self.replayed


def fingerprint(patient_id: str, slot_id: str) -> str:
    return hashlib.sha256(f"{patient_id}\x00{slot_id}".encode()).hexdigest()


def replay_outcome(session: Session, scope: str, key: str, fingerprint: str) -> BookingOutcome | None:
    """The answer a request with this Idempotency-Key got (booking and rescheduling share it)."""
    record = session.execute(
        select(IdempotencyRecord.fingerprint, IdempotencyRecord.response_json).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    ).one_or_none()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyMismatch()
    return BookingOutcome(json.loads(record.response_json), replayed=True)


def remember_outcome(
    session: Session | Connection, scope: str, key: str, fingerprint: str, outcome: BookingOutcome
) -> None:
    """Keep the answer in the same transaction as the change it describes."""
    connection_of(session).execute(
        insert(IdempotencyRecord).values(
            scope=scope,
            key=key,
            fingerprint=fingerprint,
            response_json=json.dumps(outcome.appointment, ensure_ascii=False),
        )
    )
