"""A paid visit moved to another time carries its payment (issue 12): the same fee is
confirmed at once with nothing paid or refunded, a cheaper slot gives back only the
difference, a dearer one asks only for the difference; each move happens once, however
often or concurrently it is asked for (SQLite here, PostgreSQL below)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import build_context
from models import Appointment, LedgerEntry, OutboxMessage, PaymentOrder, Refund, utcnow
from services.booking import holds, reschedule, transitions
from services.booking.calendar import clinic_days, local_today
from services.context import ServiceContext
from services.payments import settlement as payments
from services.payments.refunds import pending_refund_ids, process_refund
from tests.conftest import AUTH, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


def _paid_visit(ctx: ServiceContext, day: date, fee: int = 3000) -> tuple[str, str, str]:
    """(patient, paid appointment, department) with its fee settled."""
    department = make_department(ctx)
    slot = make_slot(ctx, make_doctor(ctx, department, fee_fen=fee), day)
    patient = make_patient(ctx, phone="13722226666")
    held = holds.book(ctx, patient_id=patient, slot_id=slot, channel="web").appointment
    assert payments.settle_payment(ctx, held["payment"]["out_trade_no"], fee, "T-old").outcome == "confirmed"
    return patient, held["id"], str(department)


def _other_slot(ctx: ServiceContext, department: str, day: date, fee: int) -> str:
    return make_slot(ctx, make_doctor(ctx, int(department), fee_fen=fee, name="李医生"), day, at=time(10, 30))


def _move(client: FlaskClient, appointment_id: str, slot_id: str, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/api/v1/appointments/{appointment_id}/reschedule", json={"slot_id": slot_id}, headers=headers)


def _orders(ctx: ServiceContext, appointment_id: str) -> list[tuple[int, str]]:
    with ctx.db.reading() as session:
        rows = session.execute(
            select(PaymentOrder.amount_fen, PaymentOrder.status)
            .where(PaymentOrder.appointment_id == appointment_id)
            .order_by(PaymentOrder.id)
        ).all()
        return [(row[0], row[1]) for row in rows]


def _status(ctx: ServiceContext, appointment_id: str) -> str:
    with ctx.db.reading() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        return appointment.status


def _refunds(ctx: ServiceContext) -> list[tuple[int, str]]:
    with ctx.db.reading() as session:
        return [(r.amount_fen, r.status) for r in session.scalars(select(Refund).order_by(Refund.id))]


def _balance(ctx: ServiceContext) -> int:
    with ctx.db.reading() as session:
        return int(session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))) or 0)


def test_same_fee_is_confirmed_at_once_without_paying_or_refunding(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    _, old, department = _paid_visit(ctx, clinic_day)
    answer = _move(client, old, _other_slot(ctx, department, clinic_day, 3000), key="move-same-1")
    assert answer.status_code == 201, answer.json
    moved = answer.json
    assert moved["status"] == "confirmed" and moved["rescheduled_from"] == old
    assert moved["carried_over"] == {"paid_fen": 3000, "difference_fen": 0, "refund": None}
    assert "pay_link" not in moved["payment"] and moved["payment"]["status"] == "paid"
    assert _status(ctx, old) == "cancelled" and _orders(ctx, old) == []
    assert _orders(ctx, moved["id"]) == [(3000, "paid")]  # the same order, now paying for the new visit
    assert _refunds(ctx) == [] and _balance(ctx) == 3000
    with ctx.db.reading() as session:  # the usual confirmation goes to the chat it was booked from
        sent = session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "booking_confirmed"))
        assert f"booking_confirmed:{moved['id']}" in list(sent)
    # Cancelled later, the carried fee goes back from the new visit.
    cancelled = client.post(f"/api/v1/appointments/{moved['id']}/cancel", headers=AUTH).json
    assert cancelled["refund"]["amount_fen"] == 3000


def test_a_cheaper_slot_refunds_only_the_difference_and_a_later_cancel_the_rest(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    _, old, department = _paid_visit(ctx, clinic_day, fee=3000)
    moved = _move(client, old, _other_slot(ctx, department, clinic_day, 1800)).json
    assert moved["status"] == "confirmed"
    assert moved["carried_over"]["difference_fen"] == -1200
    assert moved["carried_over"]["refund"]["amount_fen"] == 1200
    assert moved["carried_over"]["refund"]["working_days"] == 7
    [refund_id] = pending_refund_ids(ctx)
    assert process_refund(ctx, refund_id) == "succeeded"
    assert _orders(ctx, moved["id"]) == [(3000, "paid")]  # partly returned: still paid
    cancelled = client.post(f"/api/v1/appointments/{moved['id']}/cancel", headers=AUTH).json
    assert cancelled["refund"]["amount_fen"] == 1800
    for refund_id in pending_refund_ids(ctx):
        process_refund(ctx, refund_id)
    assert _refunds(ctx) == [(1200, "succeeded"), (1800, "succeeded")]
    assert _orders(ctx, moved["id"]) == [(3000, "refunded")] and _balance(ctx) == 0


def test_a_dearer_slot_is_held_for_the_difference_and_confirmed_when_it_is_paid(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    _, old, department = _paid_visit(ctx, clinic_day, fee=3000)
    moved = _move(client, old, _other_slot(ctx, department, clinic_day, 5000)).json
    assert moved["status"] == "held" and moved["carried_over"]["difference_fen"] == 2000
    assert moved["payment"]["amount_fen"] == 2000 and moved["payment"]["pay_link"].split("/p/")[1]
    assert _orders(ctx, moved["id"]) == [(3000, "paid"), (2000, "pending")]
    page = client.get("/p/" + moved["payment"]["pay_link"].split("/p/")[1]).get_data(as_text=True)
    assert "¥20.00" in page and "改约补差价：挂号费50.00元，已付30.00元" in page  # the page says why only 20
    settled = payments.settle_payment(ctx, moved["payment"]["out_trade_no"], 2000, "T-diff")
    assert settled.outcome == "confirmed" and _status(ctx, moved["id"]) == "confirmed"
    cancelled = client.post(f"/api/v1/appointments/{moved['id']}/cancel", headers=AUTH).json
    assert cancelled["refund"]["amount_fen"] == 5000  # both orders go back


def test_an_unpaid_difference_lapses_and_the_carried_fee_goes_back(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    _, old, department = _paid_visit(ctx, clinic_day, fee=3000)
    moved = _move(client, old, _other_slot(ctx, department, clinic_day, 5000)).json
    assert transitions.expire_holds(ctx, now=utcnow() + timedelta(hours=1)) == 1
    assert _status(ctx, moved["id"]) == "expired"
    assert _orders(ctx, moved["id"]) == [(3000, "paid"), (2000, "closed")]
    assert _refunds(ctx) == [(3000, "pending")]


def test_an_unpaid_hold_moves_as_a_fresh_hold_for_the_whole_fee(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    department = make_department(ctx)
    slot = make_slot(ctx, make_doctor(ctx, department, fee_fen=3000), clinic_day)
    held = holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot).appointment
    moved = _move(client, held["id"], _other_slot(ctx, str(department), clinic_day, 3000)).json
    assert moved["status"] == "held" and moved["carried_over"]["paid_fen"] == 0
    assert moved["payment"]["amount_fen"] == 3000 and moved["payment"]["pay_link"]
    assert _orders(ctx, held["id"]) == [(3000, "closed")]


def test_the_same_key_answers_the_same_move_and_a_second_move_of_the_old_visit_is_refused(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    _, old, department = _paid_visit(ctx, clinic_day)
    slot = _other_slot(ctx, department, clinic_day, 3000)
    first, again = _move(client, old, slot, key="move-key-123"), _move(client, old, slot, key="move-key-123")
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]
    refused = _move(client, old, slot, key="move-key-456")
    assert refused.status_code == 409 and refused.json["error"] == "not_reschedulable"
    assert "改约" in refused.json["message"]
    assert _move(client, old, slot, key="move-key-123").json["id"] == first.json["id"]


def test_bad_moves_are_refused_in_chinese_and_change_nothing(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    _, old, _ = _paid_visit(ctx, clinic_day)
    with ctx.db.reading() as session:
        appointment = session.get(Appointment, old)
        assert appointment is not None
        same = appointment.slot_id
    assert _move(client, old, same).status_code == 422
    assert _move(client, "apt_missing", same).status_code == 404
    missing_slot = _move(client, old, "slot_missing")
    assert missing_slot.status_code == 404 and "号源" in missing_slot.json["message"]
    empty = client.post(f"/api/v1/appointments/{old}/reschedule", json={}, headers=AUTH)
    assert empty.status_code == 422
    assert _status(ctx, old) == "confirmed" and _orders(ctx, old) == [(3000, "paid")]


def _race(ctx: ServiceContext, old: str, slots: list[str], key: str | None) -> list[str]:
    """Several moves of one visit released together; each says the new id or the error code."""
    start = threading.Barrier(len(slots))
    outcomes: list[str] = []

    def move(slot: str) -> None:
        start.wait()
        try:
            outcomes.append(reschedule.reschedule(ctx, old, slot, idempotency_key=key).appointment["id"])
        except Exception as exc:  # the outcome, whatever it is, is what the test compares
            outcomes.append(getattr(exc, "code", type(exc).__name__))

    threads = [threading.Thread(target=move, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _check_one_move(ctx: ServiceContext, old: str, outcomes: list[str], same_key: bool) -> None:
    moved = [o for o in outcomes if o.startswith("apt_")]
    if same_key:
        assert len(moved) == len(outcomes) and len(set(moved)) == 1, outcomes
    else:
        assert len(moved) == 1 and sorted(set(outcomes) - set(moved)) == ["not_reschedulable"], outcomes
    with ctx.db.reading() as session:
        new_visits = session.scalars(select(Appointment.id).where(Appointment.status == "confirmed")).all()
        orders = session.execute(select(PaymentOrder.appointment_id, PaymentOrder.status)).all()
    assert list(new_visits) == [moved[0]] and _status(ctx, old) == "cancelled"
    assert [tuple(row) for row in orders] == [(moved[0], "paid")]  # the one order, moved once
    assert _refunds(ctx) == [] and _balance(ctx) == 3000


@pytest.mark.parametrize("same_key", [True, False])
def test_concurrent_moves_of_one_visit_happen_once_on_sqlite(
    ctx: ServiceContext, clinic_day: date, same_key: bool
) -> None:
    _, old, department = _paid_visit(ctx, clinic_day)
    slots = [_other_slot(ctx, department, clinic_day, 3000) for _ in range(1 if same_key else 4)] * (
        4 if same_key else 1
    )
    _check_one_move(ctx, old, _race(ctx, old, slots, "race-key-1" if same_key else None), same_key)


@pytest.fixture
def pg_ctx(postgres_url: str) -> Iterator[ServiceContext]:
    context = build_context(settings_for(postgres_url))
    yield context
    context.db.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("same_key", [True, False])
def test_concurrent_moves_of_one_visit_happen_once_on_postgresql(pg_ctx: ServiceContext, same_key: bool) -> None:
    day = clinic_days(local_today() + timedelta(days=2), 10)[0]
    _, old, department = _paid_visit(pg_ctx, day)
    slots = [_other_slot(pg_ctx, department, day, 3000) for _ in range(1 if same_key else 4)] * (4 if same_key else 1)
    _check_one_move(pg_ctx, old, _race(pg_ctx, old, slots, "race-key-1" if same_key else None), same_key)


@pytest.mark.postgres
def test_a_cheaper_move_refunds_the_difference_once_on_postgresql(pg_ctx: ServiceContext) -> None:
    day = clinic_days(local_today() + timedelta(days=2), 10)[0]
    _, old, department = _paid_visit(pg_ctx, day, fee=3000)
    slot = _other_slot(pg_ctx, department, day, 2000)
    outcomes = _race(pg_ctx, old, [slot] * 4, "race-cheaper")
    assert len(set(outcomes)) == 1 and outcomes[0].startswith("apt_"), outcomes
    assert _refunds(pg_ctx) == [(1000, "pending")]
    assert _orders(pg_ctx, outcomes[0]) == [(3000, "paid")]
