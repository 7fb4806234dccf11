"""Who decided a refill in the console: the clinician who signed or declined it
(the online prescription that signing created, and the fee it fixed), and the
pharmacist's review, after which the patient is asked to pay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class RefillReview(Base):
    __tablename__ = "refill_reviews"

    refill_id: Mapped[str] = mapped_column(ForeignKey("refill_requests.id"), primary_key=True)
    clinician_id: Mapped[str] = mapped_column(ForeignKey("staff_accounts.id"))
    clinician_decision: Mapped[str] = mapped_column(String(10))  # signed | declined
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The online prescription signing created (origin "online").
    prescription_id: Mapped[str | None] = mapped_column(ForeignKey("prescriptions.id"), unique=True)
    # The fee signed for (entered, or the drugs' prices): the order waits for the pharmacist's
    # approval. None on reviews signed before it was kept; their orders carry the amount.
    fee_fen: Mapped[int | None]
    pharmacist_id: Mapped[str | None] = mapped_column(ForeignKey("staff_accounts.id"))
    pharmacist_decision: Mapped[str | None] = mapped_column(String(10))  # approved | rejected
    pharmacist_note: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None]
