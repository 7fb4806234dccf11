"""Hypothesis drives the booking engine (book, cancel, pay, expire, no-show,
advance the clock) and compares every answer with a small model of the rules:
one booking per department and day, three active a week, holds that lapse
after 15 minutes, cancellation cut-off, and the no-show restriction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import text

from app import build_context
from services.booking import holds, quotas, transitions
from services.booking.calendar import clinic_days, local_datetime
from services.errors import DomainError
from services.payments import settlement as payments
from tests.conftest import settings_for
from tests.databases import sqlite_copy, sqlite_template
from tests.factories import make_department, make_doctor, make_patient, make_slot

START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # a Monday, 08:30 in Shanghai
HOLD = timedelta(minutes=15)
CUTOFF = timedelta(hours=2)
QUOTA, NO_SHOW_LIMIT, WINDOW, RESTRICTION = 3, 3, timedelta(days=90), timedelta(days=90)
_TEMPLATE: list[Path] = []


@dataclass
class ModelSlot:
    id: str
    department: int
    day: date
    start: datetime
    capacity: int
    fee: int


@dataclass
class ModelAppointment:
    id: str
    patient: str
    slot: ModelSlot
    status: str
    hold_deadline: datetime | None
    trade_no: str | None
    finished_at: datetime | None = None


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        import tempfile

        self.dir = Path(tempfile.mkdtemp())
        if not _TEMPLATE:
            _TEMPLATE.append(sqlite_template(Path(tempfile.mkdtemp())))
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        # the caps on open holds per account and phone are tested in test_hold_caps.py; this model
        # covers the per-patient rules, with its three patients on one phone
        caps = {"max_open_holds_per_account": 100, "max_open_holds_per_phone": 100}
        self.ctx = build_context(settings_for(sqlite_copy(_TEMPLATE[0], self.dir), **caps))
        self.slots: list[ModelSlot] = []
        self.patients: list[str] = []
        self.appointments: list[ModelAppointment] = []
        self.restricted_until: dict[str, datetime] = {}

    def teardown(self) -> None:
        self.ctx.db.dispose()
        self.traveller.stop()

    @property
    def now(self) -> datetime:
        return datetime.now(UTC)

    @initialize()
    def hospital(self) -> None:
        days = clinic_days(START.date() + timedelta(days=1), 12)
        for n in range(2):
            department = make_department(self.ctx, f"d{n}", f"科室{n}")
            doctor = make_doctor(self.ctx, department, fee_fen=1500 * n)  # one free department, one paid
            for day in days[:6]:
                for hour in (9, 14):
                    slot_id = make_slot(
                        self.ctx, doctor, day, capacity=2, at=time(hour, 0), released_at=START - timedelta(days=1)
                    )
                    self.slots.append(
                        ModelSlot(slot_id, department, day, local_datetime(day, time(hour, 0)), 2, 1500 * n)
                    )
        self.patients = [make_patient(self.ctx, name=f"病人{i}") for i in range(3)]

    # --- the model ----------------------------------------------------------------

    def effective(self, a: ModelAppointment) -> str:
        if a.status == "held" and a.hold_deadline is not None and self.now >= a.hold_deadline:
            return "expired"
        return a.status

    def occupying(self, a: ModelAppointment) -> bool:
        return self.effective(a) in ("held", "confirmed")

    def predict_booking(self, patient: str, slot: ModelSlot) -> str:
        if self.restricted_until.get(patient, START) > self.now:
            return "restricted"
        if slot.start <= self.now:
            return "slot_unavailable"
        mine = [a for a in self.appointments if a.patient == patient and self.occupying(a)]
        if any(a.slot.department == slot.department and a.slot.day == slot.day for a in mine):
            return "duplicate"
        week = slot.day.isocalendar()[:2]
        if sum(1 for a in mine if a.slot.day.isocalendar()[:2] == week) >= QUOTA:
            return "quota_exceeded"
        # A missed visit keeps its place (the time was used), like held and confirmed ones.
        taken = sum(1 for a in self.appointments if a.slot is slot and (self.occupying(a) or a.status == "no_show"))
        return "sold_out" if taken >= slot.capacity else "ok"

    # --- rules --------------------------------------------------------------------

    @rule(patient=st.integers(0, 2), slot=st.integers(0, 23))
    def book(self, patient: int, slot: int) -> None:
        pid, model_slot = self.patients[patient], self.slots[slot]
        expected = self.predict_booking(pid, model_slot)
        try:
            result = holds.book(self.ctx, patient_id=pid, slot_id=model_slot.id)
        except DomainError as exc:
            assert exc.code == expected, f"engine said {exc.code}, rules say {expected}"
            return
        assert expected == "ok", f"engine booked, rules say {expected}"
        # A booking that went through expired the patient's lapsed holds in that week (quotas).
        week = model_slot.day.isocalendar()[:2]
        for a in self.appointments:
            if a.patient == pid and a.slot.day.isocalendar()[:2] == week and self.effective(a) == "expired":
                a.status = "expired"
        body = result.appointment
        assert body["status"] == ("confirmed" if model_slot.fee == 0 else "held")
        self.appointments.append(
            ModelAppointment(
                body["id"],
                pid,
                model_slot,
                body["status"],
                self.now + HOLD if model_slot.fee else None,
                body.get("payment", {}).get("out_trade_no"),
            )
        )

    @precondition(lambda self: any(a.trade_no for a in self.appointments))
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        appointment = data.draw(st.sampled_from([a for a in self.appointments if a.trade_no]))
        outcome = payments.settle_payment(self.ctx, appointment.trade_no, appointment.slot.fee, "T").outcome  # type: ignore[arg-type]
        effective = self.effective(appointment)
        if outcome == "duplicate":
            return
        if effective == "held":
            assert outcome == "confirmed"
            appointment.status, appointment.hold_deadline = "confirmed", None
        else:
            assert outcome == "refunding", f"payment for a {effective} appointment gave {outcome}"
            if effective == "expired":
                appointment.status = "expired"

    @precondition(lambda self: bool(self.appointments))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        appointment = data.draw(st.sampled_from(self.appointments))
        effective = self.effective(appointment)
        if appointment.status == "held":
            expected = "ok"  # a lapsed hold may still be cancelled: the place is free either way
        elif effective == "confirmed":
            expected = "too_late_to_cancel" if self.now > appointment.slot.start - CUTOFF else "ok"
        else:
            expected = "not_cancellable"
        try:
            transitions.cancel(self.ctx, appointment.id)
        except DomainError as exc:
            assert exc.code == expected
            return
        assert expected == "ok", f"cancelled, rules say {expected}"
        appointment.status = "cancelled"

    @precondition(lambda self: any(self.effective(a) == "confirmed" for a in self.appointments))
    @rule(data=st.data())
    def no_show(self, data: st.DataObject) -> None:
        appointment = data.draw(st.sampled_from([a for a in self.appointments if self.effective(a) == "confirmed"]))
        restricted = quotas.mark_no_show(self.ctx, appointment.id)
        appointment.status, appointment.finished_at = "no_show", self.now
        misses = [
            a
            for a in self.appointments
            if a.patient == appointment.patient
            and a.status == "no_show"
            and a.finished_at
            and a.finished_at >= self.now - WINDOW
        ]
        assert restricted == (len(misses) >= NO_SHOW_LIMIT)
        if restricted:
            self.restricted_until[appointment.patient] = self.now + RESTRICTION

    @rule()
    def expire(self) -> None:
        transitions.expire_holds(self.ctx)
        for a in self.appointments:
            a.status = self.effective(a)

    @rule(minutes=st.sampled_from([1, 14, 16, 60 * 5, 60 * 24, 60 * 24 * 40]))
    def advance_clock(self, minutes: int) -> None:
        self.clock.shift(timedelta(minutes=minutes))

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def places_add_up(self) -> None:
        if not self.slots:
            return
        with self.ctx.db.reading() as session:
            rows = session.execute(
                text(
                    "SELECT s.id, s.capacity, s.remaining, (SELECT count(*) FROM appointments a WHERE a.slot_id = s.id "
                    "AND a.status IN ('held','confirmed','checked_in','completed','no_show')) FROM slots s"
                )
            ).all()
        for slot_id, capacity, remaining, taken in rows:
            assert taken + remaining == capacity, f"{slot_id}: {taken} + {remaining} != {capacity}"
            assert 0 <= remaining <= capacity

    @invariant()
    def database_agrees_with_the_model(self) -> None:
        if not self.appointments:
            return
        with self.ctx.db.reading() as session:
            stored = dict(session.execute(text("SELECT id, status FROM appointments")).all())
        for a in self.appointments:
            actual = stored[a.id]
            # A lapsed hold may still read "held" until something expires it.
            assert actual == self.effective(a) or (actual == "held" and self.effective(a) == "expired"), (a, actual)


BookingMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_booking_rules_match_the_model = BookingMachine.TestCase
