"""Hand-off to a person: tickets, the staff's replies waiting for the web chat,
and how many times in a row the bot gave up on a conversation.

Conversation ids (`wechat:<openid>`, `web:<sender>`) identify a patient on a
platform: stored encrypted, found by a blind index, as in `inbound_messages`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class HandoffTicket(Base):
    __tablename__ = "handoff_tickets"
    __table_args__ = (Index("ix_handoff_tickets_conversation", "conversation_hash", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_hash: Mapped[str] = mapped_column(String(64))
    conversation_enc: Mapped[str] = mapped_column(String(400))
    channel: Mapped[str] = mapped_column(String(12))  # web | wechat | alipay | sms
    reason: Mapped[str] = mapped_column(String(20))  # asked_for_human | bot_gave_up
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | claimed | closed
    # Opened right after a red-flag (emergency) answer, or a red flag came while open:
    # the inbox lists these first.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class StaffReply(Base):
    """What staff said in a hand-off; for the web chat it waits here until the page polls."""

    __tablename__ = "staff_replies"
    __table_args__ = (Index("ix_staff_replies_pending", "conversation_hash", "delivered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("handoff_tickets.id"), index=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_accounts.id"))
    conversation_hash: Mapped[str] = mapped_column(String(64))
    text_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class FallbackStreak(Base):
    """Consecutive fallback answers of the bot in one conversation; two open a ticket."""

    __tablename__ = "fallback_streaks"

    conversation_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
