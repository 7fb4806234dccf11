"""What the channel layer keeps: SMS opt-outs, answers waiting to be pushed, and
the WeChat access token when there is no Redis to share it through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class SmsOptOut(Base):
    """A number that sent STOP/退订: no message goes to it until it sends START."""

    __tablename__ = "sms_opt_outs"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # blind index, never the number
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingReply(Base):
    """A bot answer that could not go back in the webhook's own response (WeChat past
    its budget, every Alipay answer): a row first, a platform push by a task later."""

    __tablename__ = "channel_pending_replies"
    __table_args__ = (Index("ix_channel_pending_replies_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(12))  # wechat | alipay
    recipient_enc: Mapped[str] = mapped_column(String(400))
    body_enc: Mapped[str] = mapped_column(Text)  # the rendered text, encrypted
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]  # while "sending": past it, the sweep may take the answer over
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class ChannelToken(Base):
    """A platform access token shared by every process, and the lease that lets one
    process at a time refresh it (the embedded default; Redis does this otherwise)."""

    __tablename__ = "channel_tokens"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value_enc: Mapped[str | None] = mapped_column(String(1200))
    expires_at: Mapped[datetime | None]
    lock_owner: Mapped[str | None] = mapped_column(String(64))
    lock_until: Mapped[datetime | None]
