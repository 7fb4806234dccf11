"""Hypothesis throws payment events at the system in any order: notifications
(and their replays), platform closes, hold expiry, cancellation, refunds paid
out, platform-side refunds, reconciliation, and the clock moving. After every
step it checks that no order or appointment took an illegal transition and
that the money and messages add up.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select

from app import build_context
from models import ORDER_TRANSITIONS, Appointment, LedgerEntry, OutboxMessage, PaymentOrder
from models.appointment import TRANSITIONS, AppointmentStatus
from payments.base import (
    NotificationRejected,
    PaymentLink,
    PaymentNotification,
    PaymentProvider,
    PaymentRequest,
    RefundRequest,
    TradeQuery,
    TradeState,
)
from services.booking import holds, transitions
from services.booking.calendar import clinic_days
from services.errors import DomainError
from services.payments import settlement as payments
from services.payments.refunds import pending_refund_ids, process_refund
from tests.conftest import settings_for
from tests.databases import sqlite_copy, sqlite_template
from tests.factories import make_department, make_doctor, make_patient, make_slot

START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
FEE = 2000
_TEMPLATE: list[Path] = []


class FakePlatform(PaymentProvider):
    """The fake twin of a live platform: it remembers what happened to each trade."""

    name = "alipay"

    def __init__(self) -> None:
        self.trades: dict[str, TradeState] = {}

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        self.trades.setdefault(request.out_trade_no, "pending")
        return PaymentLink(pay_url=f"fake://{request.out_trade_no}")

    def query(self, out_trade_no: str) -> TradeQuery:
        state = self.trades.get(out_trade_no, "pending")
        return TradeQuery(out_trade_no, state, FEE if state in ("paid", "refunded") else None, f"T-{out_trade_no}")

    def refund(self, request: RefundRequest) -> str:
        self.trades[request.out_trade_no] = "refunded"
        return request.out_refund_no

    def close(self, out_trade_no: str) -> None:
        if self.trades.get(out_trade_no, "pending") == "pending":
            self.trades[out_trade_no] = "closed"

    def parse_notification(self, headers: Mapping[str, str], body: bytes, now: datetime) -> PaymentNotification:
        raise NotificationRejected("not used")


class PaymentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        if not _TEMPLATE:
            _TEMPLATE.append(sqlite_template(Path(tempfile.mkdtemp())))
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.platform = FakePlatform()
        from dataclasses import replace

        base = build_context(settings_for(sqlite_copy(_TEMPLATE[0], Path(tempfile.mkdtemp()))))
        self.ctx = replace(base, payments=self.platform)
        self.slots: list[str] = []
        self.patients: list[str] = []
        self.trades: list[str] = []
        self.order_seen: dict[str, str] = {}
        self.appointment_seen: dict[str, str] = {}
        self.ever_confirmed: set[str] = set()

    def teardown(self) -> None:
        self.ctx.db.dispose()
        self.traveller.stop()

    @initialize()
    def hospital(self) -> None:
        doctor = make_doctor(self.ctx, make_department(self.ctx), fee_fen=FEE)
        for day in clinic_days(START.date() + timedelta(days=1), 3):
            for hour in (9, 10, 14):
                self.slots.append(make_slot(self.ctx, doctor, day, capacity=2, at=time(hour), released_at=START))
        self.patients = [make_patient(self.ctx, name=f"病人{i}") for i in range(4)]

    # --- rules ------------------------------------------------------------------

    @rule(patient=st.integers(0, 3), slot=st.integers(0, 8))
    def book(self, patient: int, slot: int) -> None:
        try:
            body = holds.book(self.ctx, patient_id=self.patients[patient], slot_id=self.slots[slot]).appointment
        except DomainError:
            return
        self.trades.append(body["payment"]["out_trade_no"])

    def _trade(self, index: int) -> str:
        return self.trades[index % len(self.trades)]

    @precondition(lambda self: self.trades)
    @rule(index=st.integers(0, 50), copies=st.integers(1, 3))
    def pay_notification(self, index: int, copies: int) -> None:
        trade = self._trade(index)
        if self.platform.trades.get(trade) in ("closed",):
            return  # a closed trade cannot be paid at the platform
        if self.platform.trades.get(trade) != "refunded":
            self.platform.trades[trade] = "paid"
        for _ in range(copies):
            payments.settle_payment(self.ctx, trade, FEE, f"T-{trade}")

    @precondition(lambda self: self.trades)
    @rule(index=st.integers(0, 50))
    def platform_close_notification(self, index: int) -> None:
        payments.close_from_platform(self.ctx, self._trade(index))

    @precondition(lambda self: self.trades)
    @rule(index=st.integers(0, 50))
    def patient_cancels(self, index: int) -> None:
        with self.ctx.db.reading() as session:
            appointment_id = session.scalar(
                select(PaymentOrder.appointment_id).where(PaymentOrder.out_trade_no == self._trade(index))
            )
        with contextlib.suppress(DomainError):
            transitions.cancel(self.ctx, str(appointment_id))

    @rule(minutes=st.sampled_from([1, 5, 14, 16, 60]))
    def time_passes(self, minutes: int) -> None:
        self.clock.shift(timedelta(minutes=minutes))

    @rule()
    def expiry_task(self) -> None:
        transitions.expire_holds(self.ctx)

    @rule()
    def refund_task(self) -> None:
        for refund_id in pending_refund_ids(self.ctx):
            process_refund(self.ctx, refund_id)

    @precondition(lambda self: self.trades)
    @rule(index=st.integers(0, 50))
    def staff_refund_at_the_platform(self, index: int) -> None:
        trade = self._trade(index)
        if self.platform.trades.get(trade) == "paid":
            self.platform.trades[trade] = "refunded"

    @rule()
    def reconciliation_task(self) -> None:
        for order_id in payments.orders_to_reconcile(self.ctx, now=datetime.now(UTC) + timedelta(minutes=10)):
            payments.reconcile_order(self.ctx, order_id)

    # --- invariants --------------------------------------------------------------

    @invariant()
    def only_legal_transitions(self) -> None:
        with self.ctx.db.reading() as session:
            for trade, status in session.execute(select(PaymentOrder.out_trade_no, PaymentOrder.status)):
                before = self.order_seen.get(trade, "pending")
                assert status == before or status in ORDER_TRANSITIONS[before], f"order {before} → {status}"
                self.order_seen[trade] = status
            for appointment_id, status in session.execute(select(Appointment.id, Appointment.status)):
                before = AppointmentStatus(self.appointment_seen.get(appointment_id, "held"))
                now = AppointmentStatus(status)
                assert now == before or now in TRANSITIONS[before], f"appointment {before} → {now}"
                self.appointment_seen[appointment_id] = status
                if now is AppointmentStatus.CONFIRMED:
                    self.ever_confirmed.add(appointment_id)

    @invariant()
    def money_adds_up(self) -> None:
        with self.ctx.db.reading() as session:
            orders = session.scalars(select(PaymentOrder)).all()
            for order in orders:
                entries = session.scalars(
                    select(LedgerEntry.amount_fen).where(LedgerEntry.payment_order_id == order.id)
                ).all()
                assert sum(1 for e in entries if e > 0) <= 1 and sum(1 for e in entries if e < 0) <= 1
                total = sum(entries)
                if order.status in ("pending", "closed"):
                    assert entries == [], f"{order.status} order has ledger {entries}"
                elif order.status == "paid":
                    assert total == FEE
                else:
                    assert total == 0 and len(entries) == 2
                appointment = session.get(Appointment, order.appointment_id)
                assert appointment is not None
                if appointment.status == "confirmed":
                    assert order.status == "paid", "a confirmed appointment whose money is not held"
                if order.status == "paid" and appointment.status in ("expired", "cancelled"):
                    # Money for something that will not happen is on its way back.
                    from models import Refund

                    assert session.scalar(select(Refund.id).where(Refund.payment_order_id == order.id)) is not None

    @invariant()
    def one_confirmation_per_confirmed_appointment(self) -> None:
        self.only_legal_transitions()  # brings `ever_confirmed` up to date, whatever order invariants run in
        with self.ctx.db.reading() as session:
            keys = session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "booking_confirmed")
            ).all()
        assert sorted(keys) == sorted(f"booking_confirmed:{a}" for a in self.ever_confirmed)


PaymentMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_payment_state_machine = PaymentMachine.TestCase
