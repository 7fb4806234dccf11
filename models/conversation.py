"""Every patient message that reached the front door, kept until it is answered.

If the bot is down when a message arrives, the row stays `unanswered` and a
task answers it later on the patient's own channel; platforms' retries of the
same message (same channel and platform message id) find the row and are not
handled twice.

For the conversation review, a message the bot answered also keeps what the
NLU made of it (its best intent and that intent's confidence, read from Rasa's
tracker after the turn); NULL when the bot never saw it (red flags, hand-off)
or when that read failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ConversationMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "platform_msg_id"),
        Index("ix_inbound_messages_status", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(12))
    platform_msg_id: Mapped[str | None] = mapped_column(String(128))
    conversation_hash: Mapped[str] = mapped_column(String(64), index=True)
    conversation_enc: Mapped[str] = mapped_column(String(400))
    text_enc: Mapped[str] = mapped_column(Text)
    # received → answered | emergency | unanswered (→ answered later)
    status: Mapped[str] = mapped_column(String(12), default="received")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    intent: Mapped[str | None] = mapped_column(String(120))
    confidence: Mapped[float | None] = mapped_column(Float)


class RasaSender(Base):
    """The conversation behind the pseudonym Rasa knows it by: Rasa's tracker keys a
    conversation by `c_<hex>` (a keyed HMAC of `channel:sender`), never the phone, openid or
    user id; the v1 API maps the pseudonym the action server sends back to the conversation
    here (services/conversation/pseudonyms.py)."""

    __tablename__ = "rasa_senders"

    pseudonym: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_enc: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
