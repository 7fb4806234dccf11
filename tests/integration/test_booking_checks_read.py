"""The booking's one read after the patient's lock (services/booking/holds.py) on SQLite and
PostgreSQL: the patient's ISO week is worked out by the database from the slot's day, a
lapsed hold in that week is expired and not counted, and a free place's confirmation goes
to the app channel read with the slot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app import build_context
from models import Account, AccountPatient, Appointment, OutboxMessage, utcnow
from services.booking import holds
from services.booking.calendar import local_today
from services.context import ServiceContext
from services.errors import DuplicateAppointment, QuotaExceeded
from services.patients.identities import new_identity
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_ctx(request: pytest.FixtureRequest, database_url: str) -> Iterator[ServiceContext]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    context = build_context(settings_for(url, weekly_appointment_quota=3))
    yield context
    context.db.dispose()


def _monday_ahead() -> date:
    today = local_today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=2)


def test_the_quota_counts_monday_to_sunday_of_the_slots_week(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    doctor = make_doctor(ctx, make_department(ctx), fee_fen=0)
    patient = make_patient(ctx)
    monday = _monday_ahead()
    for day in (monday - timedelta(days=1), monday + timedelta(days=7), monday, monday + timedelta(days=6)):
        holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, doctor, day))  # the weeks around count apart
    holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, doctor, monday + timedelta(days=2)))  # third
    with pytest.raises(QuotaExceeded):
        holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, doctor, monday + timedelta(days=3)))
    with pytest.raises(DuplicateAppointment):  # one a day per department, whatever the week
        holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, doctor, monday - timedelta(days=1)))


def test_a_lapsed_hold_in_the_week_is_expired_and_not_counted(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    department = make_department(ctx)
    paid, free = make_doctor(ctx, department, fee_fen=2500), make_doctor(ctx, department, fee_fen=0, name="李医生")
    patient = make_patient(ctx)
    monday = _monday_ahead()
    lapsed = holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, paid, monday)).appointment["id"]
    for offset in (1, 2):
        holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, free, monday + timedelta(days=offset)))
    with ctx.db.transaction() as session:
        session.execute(
            update(Appointment).where(Appointment.id == lapsed).values(hold_expires_at=utcnow() - timedelta(minutes=1))
        )
    # Its day and department are free again, and it no longer counts against the quota.
    again = holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, free, monday)).appointment
    assert again["status"] == "confirmed"
    with ctx.db.reading() as session:
        assert session.scalar(select(Appointment.status).where(Appointment.id == lapsed)) == "expired"
    with pytest.raises(QuotaExceeded):
        holds.book(ctx, patient_id=patient, slot_id=make_slot(ctx, free, monday + timedelta(days=3)))


def _message_channel(ctx: ServiceContext, appointment_id: str) -> str | None:
    with ctx.db.reading() as session:
        return session.scalar(
            select(OutboxMessage.channel).where(OutboxMessage.dedupe_key == f"booking_confirmed:{appointment_id}")
        )


def test_a_free_places_confirmation_goes_to_the_app_channel_else_sms(any_ctx: ServiceContext) -> None:
    ctx = any_ctx
    doctor = make_doctor(ctx, make_department(ctx), fee_fen=0)
    on_wechat, on_sms = make_patient(ctx, phone="13700001111"), make_patient(ctx, phone="13700002222")
    with ctx.db.transaction() as session:
        account = Account()
        session.add(account)
        session.flush()
        session.add(AccountPatient(account_id=account.id, patient_id=on_wechat))
        session.add(new_identity(ctx.cipher, account, "alipay", "2088000000000001"))
        session.add(new_identity(ctx.cipher, account, "wechat", "oOPENID123"))
    monday = _monday_ahead()
    booked = holds.book(ctx, patient_id=on_wechat, slot_id=make_slot(ctx, doctor, monday)).appointment
    assert _message_channel(ctx, booked["id"]) == "wechat"  # WeChat before Alipay
    from_web = holds.book(  # booked from the web page, where they have no identity: their app channel
        ctx, patient_id=on_wechat, slot_id=make_slot(ctx, doctor, monday + timedelta(days=1)), channel="web"
    ).appointment
    assert _message_channel(ctx, from_web["id"]) == "wechat"
    from_alipay = holds.book(
        ctx, patient_id=on_wechat, slot_id=make_slot(ctx, doctor, monday + timedelta(days=2)), channel="alipay"
    ).appointment
    assert _message_channel(ctx, from_alipay["id"]) == "alipay"  # the channel booked from
    by_sms = holds.book(ctx, patient_id=on_sms, slot_id=make_slot(ctx, doctor, monday)).appointment
    assert _message_channel(ctx, by_sms["id"]) == "sms"
