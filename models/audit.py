"""The audit log: who did what to which patient's data, when and why.

Rows are append-only: the migration installs triggers that refuse UPDATE and
DELETE, so not even a compromised application account can rewrite history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # "service:actions", "staff:12", "system"
    action: Mapped[str] = mapped_column(String(60))  # "appointment.create", "results.view"
    patient_id: Mapped[str | None] = mapped_column(String(24), index=True)
    subject: Mapped[str | None] = mapped_column(String(60))  # the object acted on
    reason: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON, never personal data
