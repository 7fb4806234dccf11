"""The outbox delivered through senders (once each, retries with backoff, SMS
fallback), reminders at the right times under a frozen clock, SMS replies,
follow-ups, refills and the waitlist."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from integrations.messaging import DeliveryFailed, OutboundMessage, OutboundSender
from models import (
    Account,
    AccountPatient,
    Appointment,
    LabReport,
    NurseTask,
    OutboxMessage,
    PaymentOrder,
    Prescription,
    RefillRequest,
    utcnow,
)
from services.booking import holds, queries, transitions, waitlist
from services.booking.calendar import SHANGHAI, local_datetime
from services.clinical import followups, refill_announcements
from services.context import ServiceContext
from services.errors import Conflict
from services.notifications import delivery as notifications
from services.notifications import reminders
from services.patients.identities import new_identity
from services.payments import settlement as payments
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.wiring import use


@dataclass
class RecordingSender(OutboundSender):
    channel: str
    sent: list[OutboundMessage] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)

    def send(self, message: OutboundMessage) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)
        return f"id-{len(self.sent)}"


@pytest.fixture
def senders(app: Flask) -> dict[str, RecordingSender]:
    recording = {name: RecordingSender(name) for name in ("sms", "wechat", "alipay")}
    use(app, senders=recording)
    return recording


def _paid_booking(ctx: ServiceContext, start: datetime, phone: str = "13700001111") -> str:
    local = start.astimezone(SHANGHAI)
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx)), local.date(), at=local.time())
    held = holds.book(ctx, patient_id=make_patient(ctx, phone=phone), slot_id=slot).appointment
    payments.settle_payment(ctx, held["payment"]["out_trade_no"], held["payment"]["amount_fen"], "T1")
    return str(held["id"])


def _kinds(ctx: ServiceContext) -> list[tuple[str, str]]:
    with ctx.db.reading() as session:
        return [(m.kind, m.status) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _deliver(ctx: ServiceContext, senders: dict[str, RecordingSender]) -> int:
    return notifications.deliver_due(ctx, senders)  # type: ignore[arg-type]


# --- delivery ----------------------------------------------------------------------


def test_each_due_message_is_sent_once_through_its_channel_sender(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    _paid_booking(ctx, local_datetime(clinic_day, time(9)))
    assert _deliver(ctx, senders) == 1
    assert _deliver(ctx, senders) == 0
    (message,) = senders["sms"].sent
    assert message.kind == "booking_confirmed" and message.recipient == "13700001111"
    assert "预约成功" in message.text and "2小时" in message.text


def test_a_retryable_failure_backs_off_then_sends(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    _paid_booking(ctx, local_datetime(clinic_day, time(9)))
    senders["sms"].failures = [DeliveryFailed("gateway 503"), DeliveryFailed("gateway 503")]
    assert _deliver(ctx, senders) == 0
    assert _deliver(ctx, senders) == 0  # not due again yet: backing off
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        assert _deliver(ctx, senders) == 0  # second failure, next wait is 60 s
    with time_machine.travel(utcnow() + timedelta(seconds=100), tick=False):
        assert _deliver(ctx, senders) == 1
    assert len(senders["sms"].sent) == 1
    with ctx.db.reading() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking_confirmed"))
        assert message is not None and message.status == "sent" and message.attempts == 3


def test_an_app_channel_that_refuses_for_good_falls_back_to_sms(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    patient = make_patient(ctx, phone="13700002222")
    with ctx.db.transaction() as session:
        account = Account()
        session.add(account)
        session.flush()
        session.add(AccountPatient(account_id=account.id, patient_id=patient))
        session.add(new_identity(ctx.cipher, account, "wechat", "oOPENID123"))
    start = local_datetime(clinic_day, time(9))
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx)), clinic_day)
    with time_machine.travel(start - timedelta(days=2), tick=False):
        held = holds.book(ctx, patient_id=patient, slot_id=slot).appointment
        payments.settle_payment(ctx, held["payment"]["out_trade_no"], 3000, "T1")
        _deliver(ctx, senders)  # the confirmation goes to the patient's WeChat
    senders["wechat"].failures = [DeliveryFailed("user blocked the account", retryable=False)]
    with time_machine.travel(local_datetime(clinic_day - timedelta(days=1), time(18)), tick=False):
        _deliver(ctx, senders)  # the evening reminder tries WeChat first
        _deliver(ctx, senders)  # and its SMS twin goes out
    assert [m.kind for m in senders["wechat"].sent] == ["booking_confirmed"]
    assert [m.kind for m in senders["sms"].sent] == ["reminder_eve"]
    assert senders["sms"].sent[0].recipient == "13700002222"
    assert ("reminder_eve", "failed") in _kinds(ctx) and ("reminder_eve", "sent") in _kinds(ctx)


def test_a_claim_whose_worker_died_is_taken_again_after_the_lease(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    _paid_booking(ctx, local_datetime(clinic_day, time(9)))
    (message_id,) = notifications.due_ids(ctx, utcnow(), 10)
    claimed = notifications._claim(ctx, message_id, utcnow())  # a worker claims, then dies
    assert not isinstance(claimed, str)
    assert _deliver(ctx, senders) == 0  # its lease still holds
    with time_machine.travel(utcnow() + timedelta(seconds=121), tick=False):
        assert _deliver(ctx, senders) == 1
    # The dead worker's late "sent" cannot overwrite the newer attempt.
    assert notifications._finish(ctx, claimed, utcnow(), status="failed") is False


# --- reminders ---------------------------------------------------------------------


def test_reminders_arrive_the_evening_before_at_18_and_two_hours_before(
    app: Flask, ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    start = local_datetime(clinic_day, time(9, 30))
    booked_at = start - timedelta(days=2)
    with time_machine.travel(booked_at, tick=False):
        _paid_booking(ctx, start)
        _deliver(ctx, senders)
    eve = local_datetime(clinic_day - timedelta(days=1), time(18))
    with time_machine.travel(eve - timedelta(minutes=1), tick=False):
        assert _deliver(ctx, senders) == 0
        assert [m["kind"] for m in app.test_client().get("/api/v1/dev/outbox", headers=AUTH).json] == [
            "booking_confirmed"
        ]
    with time_machine.travel(eve, tick=False):
        assert _deliver(ctx, senders) == 1
    with time_machine.travel(start - timedelta(hours=2, minutes=1), tick=False):
        assert _deliver(ctx, senders) == 0
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        assert _deliver(ctx, senders) == 1
        outbox = app.test_client().get("/api/v1/dev/outbox", headers=AUTH).json
    assert [m["kind"] for m in outbox] == ["reminder_soon", "reminder_eve", "booking_confirmed"]
    eve_text, soon_text = senders["sms"].sent[1].text, senders["sms"].sent[2].text
    assert "明天09:30" in eve_text and "回复1确认" in eve_text and "今天09:30" in soon_text


def test_a_cancelled_appointment_gets_no_reminder(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    start = local_datetime(clinic_day, time(10))
    with time_machine.travel(start - timedelta(days=2), tick=False):
        appointment = _paid_booking(ctx, start)
        transitions.cancel(ctx, appointment)
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        _deliver(ctx, senders)
    assert [m.kind for m in senders["sms"].sent] == ["booking_confirmed"]
    assert sorted(k for k in _kinds(ctx) if k[0].startswith("reminder")) == [
        ("reminder_eve", "cancelled"),
        ("reminder_soon", "cancelled"),
    ]


def test_the_sweep_queues_reminders_for_free_bookings_once(ctx: ServiceContext, clinic_day: date) -> None:
    start = local_datetime(clinic_day, time(9))
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=0), clinic_day)
    with time_machine.travel(start - timedelta(days=2), tick=False):
        holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot)
        assert reminders.schedule_upcoming(ctx) == 2
        assert reminders.schedule_upcoming(ctx) == 0


def _reminded(ctx: ServiceContext, senders: dict[str, RecordingSender], day: date, phone: str) -> tuple[str, datetime]:
    start = local_datetime(day, time(15))
    with time_machine.travel(start - timedelta(days=2), tick=False):
        appointment = _paid_booking(ctx, start, phone=phone)
    with time_machine.travel(local_datetime(day - timedelta(days=1), time(18, 5)), tick=False):
        _deliver(ctx, senders)
    return appointment, start


def test_replying_2_to_a_reminder_cancels_and_refunds(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    appointment, _ = _reminded(ctx, senders, clinic_day, "13700003333")
    with time_machine.travel(local_datetime(clinic_day - timedelta(days=1), time(18, 10)), tick=False):
        reply = reminders.handle_sms_reply(ctx, "+86 137 0000 3333", " 2 ")
        assert "已取消" in reply and "退回" in reply
        assert queries.get_appointment(ctx, appointment)["status"] == "cancelled"
        assert "已经取消" in reminders.handle_sms_reply(ctx, "13700003333", "2")
        assert "无需确认" in reminders.handle_sms_reply(ctx, "13700003333", "1")


def test_replying_1_confirms_and_anything_else_explains(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    appointment, _ = _reminded(ctx, senders, clinic_day, "13700004444")
    assert "已确认" in reminders.handle_sms_reply(ctx, "13700004444", "1")
    assert "回复1确认" in reminders.handle_sms_reply(ctx, "13700004444", "你好")
    assert "没有找到" in reminders.handle_sms_reply(ctx, "13700009999", "1")
    assert queries.get_appointment(ctx, appointment)["status"] == "confirmed"


def test_cancelling_by_reply_inside_the_cutoff_is_refused_kindly(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    appointment, start = _reminded(ctx, senders, clinic_day, "13700005555")
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        reply = reminders.handle_sms_reply(ctx, "13700005555", "2")
    assert "2小时" in reply and queries.get_appointment(ctx, appointment)["status"] == "confirmed"


# --- follow-ups, results, refills, waitlist ---------------------------------------------


def test_a_worrying_followup_answer_opens_one_nurse_task(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    appointment = _paid_booking(ctx, local_datetime(clinic_day, time(9)))
    transitions.check_in(ctx, appointment)
    transitions.complete(ctx, appointment)
    with ctx.db.reading() as session:
        finished = session.get(Appointment, appointment).finished_at  # type: ignore[union-attr]
    assert finished is not None
    with time_machine.travel(finished + timedelta(days=2), tick=False):
        assert followups.send_questionnaires(ctx) == 0
    with time_machine.travel(finished + timedelta(days=3, minutes=1), tick=False):
        assert followups.send_questionnaires(ctx) == 1
        assert followups.send_questionnaires(ctx) == 0
    assert followups.record_answers(ctx, appointment, {"感觉": "C", "其他": "晚上有点胸痛，喘不上气"}) == {
        "recorded": True,
        "nurse_task": True,
    }
    with pytest.raises(Conflict):
        followups.record_answers(ctx, appointment, {"感觉": "A"})
    with ctx.db.reading() as session:
        (task,) = session.scalars(select(NurseTask)).all()
        assert task.source == f"followup:{appointment}" and "感觉" in task.reason


def test_a_reassuring_followup_opens_no_task(ctx: ServiceContext, clinic_day: date) -> None:
    appointment = _paid_booking(ctx, local_datetime(clinic_day, time(9)))
    assert followups.record_answers(ctx, appointment, {"感觉": "A 好多了"})["nurse_task"] is False


def _refill(ctx: ServiceContext, patient: str, status: str, price: int | None = 1250) -> str:
    item = {"drug": "氨氯地平片", "spec": "5mg*28", "dose": "每日一次", "quantity": 2}
    if price is not None:
        item["price_fen"] = price
    with ctx.db.transaction() as session:
        doctor = make_doctor(ctx, make_department(ctx, code=f"d{status}{price}", name="心内"))
        prescription = Prescription(
            patient_id=patient,
            doctor_id=doctor,
            department_id=session.scalar(select(Appointment.department_id).limit(1)) or 1,
            diagnosis_enc=ctx.cipher.encrypt("高血压", "prescriptions.diagnosis"),
            is_chronic=True,
            issued_on=date.today(),
            items_enc=ctx.cipher.encrypt(json.dumps([item], ensure_ascii=False), "prescriptions.items"),
        )
        session.add(prescription)
        session.flush()
        refill = RefillRequest(
            patient_id=patient,
            prescription_id=prescription.id,
            status=status,
            decided_at=utcnow(),
            fulfilment="delivery",
        )
        session.add(refill)
        session.flush()
        return refill.id


def test_a_signed_refill_is_announced_and_an_approved_one_paid_and_its_delivery_told(
    ctx: ServiceContext, senders: dict[str, RecordingSender], clinic_day: date
) -> None:
    _paid_booking(ctx, local_datetime(clinic_day, time(9)), phone="13700006666")
    with ctx.db.reading() as session:
        patient_id = session.scalar(select(Appointment.patient_id))
    assert patient_id is not None
    signed = _refill(ctx, patient_id, "signed")
    assert refill_announcements.announce_refill_decisions(ctx) == 1
    assert refill_announcements.announce_refill_decisions(ctx) == 0  # told once
    with pytest.raises(payments.NotPayable):  # the pharmacist has not approved it yet
        payments.create_refill_payment(ctx, signed)
    refill = _refill(ctx, patient_id, "reviewed")
    order = payments.create_refill_payment(ctx, refill)
    assert order["amount_fen"] == 2500 and payments.create_refill_payment(ctx, refill) == order
    assert payments.settle_payment(ctx, order["out_trade_no"], 2500, "T2").outcome == "confirmed"
    with pytest.raises(Conflict):
        payments.create_refill_payment(ctx, refill)
    _deliver(ctx, senders)
    texts = [m.text for m in senders["sms"].sent if m.kind.startswith("refill")]
    assert any("医生已通过" in t and "药师审核" in t and "还不用付款" in t for t in texts)
    assert any("配送" in t for t in texts)
    with ctx.db.reading() as session:
        assert session.get(RefillRequest, refill).status == "paid"  # type: ignore[union-attr]


def test_an_unapproved_or_unpriced_refill_is_not_payable(ctx: ServiceContext) -> None:
    patient = make_patient(ctx)
    make_department(ctx)
    with pytest.raises(Conflict):
        payments.create_refill_payment(ctx, _refill(ctx, patient, "submitted"))
    with pytest.raises(Conflict):  # signed, the pharmacist still to approve
        payments.create_refill_payment(ctx, _refill(ctx, patient, "signed"))
    with pytest.raises(Exception, match="药费尚未核定"):
        payments.create_refill_payment(ctx, _refill(ctx, patient, "reviewed", price=None))
    with ctx.db.reading() as session:
        assert session.scalars(select(PaymentOrder)).all() == []


def test_results_ready_is_told_once_without_the_results(ctx: ServiceContext) -> None:
    patient = make_patient(ctx, phone="13700007777")
    with ctx.db.transaction() as session:
        session.add(
            LabReport(
                patient_id=patient,
                kind="lab",
                title_enc=ctx.cipher.encrypt("血常规", "lab_reports.title"),
                sampled_at=utcnow() - timedelta(days=1),
                reported_at=utcnow(),
                status="final",
            )
        )
    assert followups.announce_results(ctx) == 1 and followups.announce_results(ctx) == 0
    with ctx.db.reading() as session:
        (message,) = session.scalars(select(OutboxMessage)).all()
        assert message.kind == "results_ready"


def test_a_waitlisted_patient_is_told_once_when_places_appear(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    department = make_department(ctx)
    doctor = make_doctor(ctx, department)
    slot = make_slot(ctx, doctor, clinic_day, capacity=1)
    holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot)
    waiting = make_patient(ctx, phone="13700008888")
    waitlist.join(ctx, waiting, "cardiology", clinic_day)
    with pytest.raises(Conflict):
        waitlist.join(ctx, waiting, "cardiology", clinic_day)
    assert waitlist.notify_released(ctx) == 0  # still full
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=16), tick=False):
        transitions.expire_holds(ctx)  # the unpaid hold returns its place
        assert waitlist.notify_released(ctx) == 1
        assert waitlist.notify_released(ctx) == 0
        sent = client.get("/api/v1/dev/outbox?to=13700008888", headers=AUTH).json
    assert [m["kind"] for m in sent] == ["waitlist_open"] and "有号了" in sent[0]["text"]
