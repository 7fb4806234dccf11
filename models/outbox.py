"""Notifications written in the same transaction as their cause, sent later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_pending", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One business effect ("confirm:apt_…", "remind-18h:apt_…") is sent at most once.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    channel: Mapped[str] = mapped_column(String(12))  # sms | wechat | alipay | web
    kind: Mapped[str] = mapped_column(String(24))  # otp | booking_confirmed | reminder | …
    recipient_enc: Mapped[str] = mapped_column(String(300))
    recipient_hash: Mapped[str] = mapped_column(String(64), index=True)
    body_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
