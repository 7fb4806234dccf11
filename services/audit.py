"""Append one audit entry in the caller's transaction, so the record and the
action it describes commit or vanish together."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from models import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    patient_id: str | None = None,
    subject: str | None = None,
    reason: str | None = None,
    request_id: str | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            patient_id=patient_id,
            subject=subject,
            reason=reason,
            request_id=request_id,
            detail=json.dumps(detail, ensure_ascii=False) if detail else None,
        )
    )
