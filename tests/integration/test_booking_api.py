"""Booking rules through the HTTP API on a real (SQLite) database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select, text

from models import Appointment, LedgerEntry, PaymentOrder, Refund, Slot, utcnow
from services.booking import holds, quotas, transitions
from services.booking.calendar import clinic_days
from services.context import ServiceContext
from services.payments import settlement as payments
from services.payments.refunds import pending_refund_ids, process_refund
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot


@pytest.fixture
def doctor(ctx: ServiceContext) -> str:
    return make_doctor(ctx, make_department(ctx), fee_fen=3000)


def book(client: FlaskClient, patient_id: str, slot_id: str, key: str | None = None):  # type: ignore[no-untyped-def]
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    return client.post("/api/v1/appointments", json={"patient_id": patient_id, "slot_id": slot_id}, headers=headers)


def remaining(ctx: ServiceContext, slot_id: str) -> int:
    with ctx.db.reading() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        return slot.remaining


def test_a_paid_slot_is_held_with_a_payment_link(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, capacity=2)
    response = book(client, make_patient(ctx), slot)
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "held" and body["hold_expires_at"]
    assert body["payment"]["amount_fen"] == 3000
    assert body["payment"]["pay_url"].endswith("/payments/console/" + body["payment"]["out_trade_no"])
    assert remaining(ctx, slot) == 1


def test_a_free_slot_is_confirmed_at_once_and_the_patient_told(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, fee_fen=0)
    response = book(client, make_patient(ctx, phone="13611112222"), slot)
    assert response.status_code == 201 and response.json["status"] == "confirmed"
    assert "payment" not in response.json
    sent = client.get("/api/v1/dev/outbox?to=13611112222", headers=AUTH).json
    assert [m["kind"] for m in sent] == ["booking_confirmed"]
    assert "预约成功" in sent[0]["text"] and "13611112222" not in sent[0]["text"]


def test_sold_out_is_409_and_leaves_the_count_alone(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, capacity=1)
    assert book(client, make_patient(ctx), slot).status_code == 201
    response = book(client, make_patient(ctx), slot)
    assert response.status_code == 409 and response.json["error"] == "sold_out"
    assert "约满" in response.json["message"]
    assert remaining(ctx, slot) == 0


def test_one_appointment_per_department_per_day(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    from datetime import time

    morning, later = make_slot(ctx, doctor, clinic_day), make_slot(ctx, doctor, clinic_day, at=time(10, 0))
    patient = make_patient(ctx)
    assert book(client, patient, morning).status_code == 201
    response = book(client, patient, later)
    assert response.status_code == 409 and response.json["error"] == "duplicate"
    assert remaining(ctx, later) == 3


def test_the_database_refuses_a_second_active_booking_even_if_code_forgot(
    ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    from sqlalchemy.exc import IntegrityError

    slot = make_slot(ctx, doctor, clinic_day)
    patient = make_patient(ctx)
    holds.book(ctx, patient_id=patient, slot_id=slot)
    with pytest.raises(IntegrityError), ctx.db.transaction() as session:
        first = session.scalars(select(Appointment)).one()
        session.add(
            Appointment(
                patient_id=patient,
                slot_id=slot,
                department_id=first.department_id,
                doctor_id=doctor,
                clinic_date=clinic_day,
                status="confirmed",
                fee_fen=0,
            )
        )


def test_the_database_refuses_a_negative_remaining_count(ctx: ServiceContext, doctor: str, clinic_day: date) -> None:
    from sqlalchemy.exc import IntegrityError

    slot = make_slot(ctx, doctor, clinic_day, capacity=1)
    with pytest.raises(IntegrityError), ctx.db.transaction() as session:
        session.execute(text("UPDATE slots SET remaining = remaining - 2 WHERE id = :id"), {"id": slot})


def test_weekly_quota_of_three_active_appointments(client: FlaskClient, ctx: ServiceContext, clinic_day: date) -> None:
    monday = clinic_day - timedelta(days=clinic_day.weekday()) + timedelta(days=7)
    days = [monday + timedelta(days=i) for i in range(5)]
    patient = make_patient(ctx)
    codes = []
    for n, day in enumerate(days[:4]):
        department = make_department(ctx, f"dept{n}", f"科室{n}")
        codes.append(book(client, patient, make_slot(ctx, make_doctor(ctx, department), day)).status_code)
    assert codes == [201, 201, 201, 429]
    # The next week is a new week.
    department = make_department(ctx, "next", "下周科室")
    assert (
        book(client, patient, make_slot(ctx, make_doctor(ctx, department), monday + timedelta(days=7))).status_code
        == 201
    )


def test_idempotency_key_returns_the_same_appointment(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day)
    patient = make_patient(ctx)
    first = book(client, patient, slot, key="retry-key-0001")
    again = book(client, patient, slot, key="retry-key-0001")
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert remaining(ctx, slot) == 2
    other_slot = make_slot(ctx, doctor, clinic_day + timedelta(days=1))
    misuse = book(client, patient, other_slot, key="retry-key-0001")
    assert misuse.status_code == 422 and misuse.json["error"] == "idempotency_mismatch"


def test_unknown_patient_or_slot_is_404(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day)
    assert book(client, "pat_missing", slot).json["error"] == "not_found"
    assert book(client, make_patient(ctx), "slt_missing").status_code == 404


def test_slots_are_bookable_only_after_release(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, released_at=utcnow() + timedelta(hours=1))
    response = book(client, make_patient(ctx), slot)
    assert response.status_code == 409 and response.json["error"] == "not_released"
    listed = client.get(f"/api/v1/slots?department=cardiology&date={clinic_day}", headers=AUTH).json
    assert listed == []


def test_slot_listing_shows_doctor_fee_and_remaining(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, capacity=4)
    listed = client.get(f"/api/v1/slots?department=cardiology&date={clinic_day}", headers=AUTH).json
    assert [(s["id"], s["doctor"]["name"], s["fee_fen"], s["remaining"]) for s in listed] == [(slot, "王医生", 3000, 4)]
    assert listed[0]["start"].endswith("+08:00")
    assert client.get(f"/api/v1/slots?department=nope&date={clinic_day}", headers=AUTH).status_code == 404


def test_an_unpaid_hold_expires_and_returns_the_place(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, capacity=1)
    held = book(client, make_patient(ctx), slot).json
    assert transitions.expire_holds(ctx) == 0
    assert transitions.expire_holds(ctx, now=utcnow() + timedelta(minutes=16)) == 1
    assert remaining(ctx, slot) == 1
    assert client.get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json["status"] == "expired"
    with ctx.db.reading() as session:
        assert session.scalars(select(PaymentOrder.status)).one() == "closed"


def test_a_full_slot_frees_expired_holds_for_the_next_patient(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, capacity=1)
    book(client, make_patient(ctx), slot)
    with time_machine.travel(utcnow() + timedelta(minutes=20)):
        assert book(client, make_patient(ctx), slot).status_code == 201


def test_payment_confirms_and_a_replayed_notification_changes_nothing(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day)
    held = book(client, make_patient(ctx, phone="13511112222"), slot).json
    trade = held["payment"]["out_trade_no"]
    outcomes = [payments.settle_payment(ctx, trade, 3000, "T1").outcome for _ in range(3)]
    assert outcomes == ["confirmed", "duplicate", "duplicate"]
    assert client.get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json["status"] == "confirmed"
    with ctx.db.reading() as session:
        assert session.scalars(select(LedgerEntry.amount_fen)).all() == [3000]
    assert len(client.get("/api/v1/dev/outbox?to=13511112222", headers=AUTH).json) == 1


def test_a_payment_with_the_wrong_amount_is_refused(
    ctx: ServiceContext, client: FlaskClient, doctor: str, clinic_day: date
) -> None:
    held = book(client, make_patient(ctx), make_slot(ctx, doctor, clinic_day)).json
    with pytest.raises(payments.AmountMismatch):
        payments.settle_payment(ctx, held["payment"]["out_trade_no"], 1, "T1")
    assert client.get(f"/api/v1/appointments/{held['id']}", headers=AUTH).json["status"] == "held"


def test_a_payment_after_expiry_is_refunded(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    held = book(client, make_patient(ctx), make_slot(ctx, doctor, clinic_day)).json
    transitions.expire_holds(ctx, now=utcnow() + timedelta(minutes=16))
    assert payments.settle_payment(ctx, held["payment"]["out_trade_no"], 3000, "T1").outcome == "refunding"
    [refund_id] = pending_refund_ids(ctx)
    assert process_refund(ctx, refund_id) == "succeeded"
    assert process_refund(ctx, refund_id) == "succeeded"
    with ctx.db.reading() as session:
        assert sorted(session.scalars(select(LedgerEntry.amount_fen))) == [-3000, 3000]
        assert session.scalars(select(Refund.status)).one() == "succeeded"


def test_cancelling_a_paid_appointment_refunds_and_returns_the_place(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day, capacity=1)
    held = book(client, make_patient(ctx), slot).json
    payments.settle_payment(ctx, held["payment"]["out_trade_no"], 3000, "T1")
    response = client.post(f"/api/v1/appointments/{held['id']}/cancel", headers=AUTH)
    assert response.status_code == 200
    assert response.json["status"] == "cancelled" and response.json["refund"]["amount_fen"] == 3000
    assert remaining(ctx, slot) == 1
    again = client.post(f"/api/v1/appointments/{held['id']}/cancel", headers=AUTH)
    assert again.status_code == 409 and again.json["error"] == "not_cancellable"


def test_no_cancel_online_within_the_cutoff(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    slot = make_slot(ctx, doctor, clinic_day)
    held = book(client, make_patient(ctx), slot).json
    payments.settle_payment(ctx, held["payment"]["out_trade_no"], 3000, "T1")
    with ctx.db.reading() as session:
        start = session.get(Slot, slot).start_at  # type: ignore[union-attr]
    with time_machine.travel(start - timedelta(hours=1)):
        response = client.post(f"/api/v1/appointments/{held['id']}/cancel", headers=AUTH)
    assert response.status_code == 409 and response.json["error"] == "too_late_to_cancel"


def test_three_no_shows_in_90_days_restrict_booking(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    patient = make_patient(ctx)
    days = clinic_days(clinic_day, 30)
    for day in (days[0], days[7], days[14]):
        booked = holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, doctor, day, fee_fen=0))
        restricted = quotas.mark_no_show(ctx, booked.appointment["id"])
    assert restricted
    response = book(client, patient, make_slot(ctx, doctor, days[20]))
    assert response.status_code == 403 and response.json["error"] == "restricted"
    with time_machine.travel(utcnow() + timedelta(days=91)):
        later = clinic_days(date.today() + timedelta(days=93), 10)[0]
        assert book(client, patient, make_slot(ctx, doctor, later)).status_code == 201


def test_every_booking_leaves_an_audit_entry_that_cannot_be_edited(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    from sqlalchemy.exc import DatabaseError

    book(client, make_patient(ctx), make_slot(ctx, doctor, clinic_day))
    with ctx.db.reading() as session:
        actions = session.execute(text("SELECT action, actor FROM audit_log ORDER BY id")).all()
    assert ("appointment.create", "service:api") in [tuple(a) for a in actions]
    with pytest.raises(DatabaseError, match="append-only"), ctx.db.transaction() as session:
        session.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(DatabaseError, match="append-only"), ctx.db.transaction() as session:
        session.execute(text("DELETE FROM audit_log"))


def test_bookings_are_rate_limited_per_patient(
    client: FlaskClient, ctx: ServiceContext, doctor: str, clinic_day: date
) -> None:
    patient, other = make_patient(ctx), make_patient(ctx)
    slot = make_slot(ctx, doctor, clinic_day)
    statuses = [book(client, patient, slot).status_code for _ in range(21)]
    assert statuses[-1] == 429 and 429 not in statuses[:20]
    assert book(client, other, slot).status_code == 201
