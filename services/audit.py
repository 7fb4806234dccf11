"""Append one audit entry in the caller's transaction, so the record and the
action it describes commit or vanish together. It takes the service context, so the
actor (unless the entry names another, e.g. the staff member who logs in) and the
request id are never lost."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from models import AuditEntry
from services.context import ServiceContext


def record(
    ctx: ServiceContext,
    session: Session,
    *,
    action: str,
    actor: str | None = None,
    patient_id: str | None = None,
    subject: str | None = None,
    reason: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor=actor or ctx.actor,
            action=action,
            patient_id=patient_id,
            subject=subject,
            reason=reason,
            request_id=ctx.request_id,
            detail=json.dumps(detail, ensure_ascii=False) if detail else None,
        )
    )


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    patient_id: str | None = None,
    subject: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """For scripts and benches that hold no service context at all. Services always
    have one (helpers inside a transaction take it too), so they use `record`, and
    their entries keep the request's or task's id (tests/unit/test_service_layer_http_free.py
    holds them to it)."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            patient_id=patient_id,
            subject=subject,
            detail=json.dumps(detail, ensure_ascii=False) if detail else None,
        )
    )
