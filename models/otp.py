"""One-time codes sent by SMS, and the per-phone row that serialises their sending.

A code is never stored, only its keyed hash; the phone only as its blind index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class OtpPhone(Base):
    """One row per phone that ever asked for a code.

    Sending first bumps `seq` on this row (a row lock on PostgreSQL, the write
    lock on SQLite), so the "count recent sends, then insert" of the rate limit
    cannot race with another process sending to the same phone.
    """

    __tablename__ = "otp_phones"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class OtpCode(Base):
    __tablename__ = "otp_codes"
    __table_args__ = (
        Index("ix_otp_codes_phone_sent", "phone_hash", "created_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))  # results | bind_patient | refill
    code_hash: Mapped[str] = mapped_column(String(64))
    # Every comparison counts, right or wrong; the fifth one is the last.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # A newer code for the same phone and purpose retires this one.
    superseded_at: Mapped[datetime | None]
    # The grant this code earned was used (grants are one-time: services/patients/otp.py).
    grant_spent_at: Mapped[datetime | None]
