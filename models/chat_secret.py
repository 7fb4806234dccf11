"""The placeholder vault: what a patient typed that Rasa must never keep.

The chat edge replaces an ID number, a phone or a one-time code in a message by
a placeholder (``[身份证#k7Q2abcd]``) and keeps the real value here, encrypted
and bound to the conversation it was typed in (a blind index of its id), until
`expires_at`. The v1 API resolves a placeholder only for that conversation
(services/conversation/placeholders.py); the retention job removes expired rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ChatSecret(Base):
    __tablename__ = "chat_secrets"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)  # the placeholder's random part
    kind: Mapped[str] = mapped_column(String(12))  # id_number | phone | code
    conversation_hash: Mapped[str] = mapped_column(String(64), index=True)
    value_enc: Mapped[str] = mapped_column(String(400))  # context: chat-secret/<kind>/<token>
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
