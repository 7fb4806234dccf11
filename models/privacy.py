"""What a patient agreed to, and the short-lived steps of the privacy journeys (issue 11).

- `PrivacyConsent`: one row per answer to the separate consent the chat asks before
  the first sensitive question (PIPL arts. 28-29), with the wording's version
  (data/consent.yml) and when; the latest row of an account is its state.
- `PrivacyRequest`: "查看我的数据" / "删除我的数据" waiting for the SMS code sent to
  the phone on file; keyed by the conversation's blind index, so nothing here names anyone.
- `WindowBindCode`: the one-time code a patient shows at the registration window;
  only its HMAC is kept, spent once by the clerk who checked the ID card.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class PrivacyConsent(Base):
    __tablename__ = "privacy_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(10))  # granted | declined | withdrawn | asked
    channel: Mapped[str] = mapped_column(String(12))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class PrivacyRequest(Base):
    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_hash: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(8))  # view | delete
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))  # whose phone got the code
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class WindowBindCode(Base):
    __tablename__ = "window_bind_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
