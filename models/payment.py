"""Payment orders, refunds and the append-only ledger of money movements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, new_id, utcnow


class PaymentOrder(Base):
    __tablename__ = "payment_orders"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: new_id("pay"))
    kind: Mapped[str] = mapped_column(String(16))  # registration | refill
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointments.id"), index=True)
    refill_request_id: Mapped[str | None] = mapped_column(ForeignKey("refill_requests.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(16))  # console | alipay | wechat
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|paid|closed|refunded
    provider_trade_no: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # When the platform was told to stop taking money for a closed order (hold expired, cancelled).
    provider_closed_at: Mapped[datetime | None]
    # The last time reconciliation asked the platform about this order.
    queried_at: Mapped[datetime | None]


# The order's state machine: a closed order can still receive money (a payment in flight
# when the hold lapsed), which is then refunded; nothing leaves `refunded`.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"paid", "closed"}),
    "closed": frozenset({"paid"}),
    "paid": frozenset({"refunded"}),
    "refunded": frozenset(),
}


class Refund(Base):
    """Money going back on one order. An order may be refunded in parts (a paid visit moved
    to a cheaper one gives the difference back, a later cancellation the rest), each part
    decided once: `cause` names the decision ("full": whatever is left of the order;
    "reschedule:<appointment>": the difference of one move), unique per order."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        UniqueConstraint("payment_order_id", "cause", name="uq_refunds_order_cause"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    out_refund_no: Mapped[str] = mapped_column(String(40), unique=True, default=lambda: new_id("rfd"))
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    cause: Mapped[str] = mapped_column(String(60), default="full", server_default="full")
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | succeeded | failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]


class LedgerEntry(Base):
    """One row per money movement; the unique key makes a replayed event a no-op."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(120))  # e.g. "paid:pay_ab12…"
    payment_order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)  # + received, - refunded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
