"""Cancelling says whether and when money returns (issue 12): an unpaid hold's cancellation
carries no refund, a paid one carries the amount and the working days, and a refund that
completes is messaged to the patient once, through the outbox."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select

from models import OutboxMessage
from services.context import ServiceContext
from services.notifications.outbox import BODY_CONTEXT
from services.payments import settlement as payments
from services.payments.refunds import REFUND_WORKING_DAYS, pending_refund_ids, process_refund
from tests.conftest import AUTH
from tests.factories import make_department, make_doctor, make_patient, make_slot


def _held(client: FlaskClient, ctx: ServiceContext, day: date) -> dict[str, object]:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3050), day)
    body = {"patient_id": make_patient(ctx, phone="13722225555"), "slot_id": slot}
    answer = client.post("/api/v1/appointments", json=body, headers=AUTH)
    assert answer.status_code == 201
    return answer.json  # type: ignore[return-value]


def _refund_messages(ctx: ServiceContext) -> list[str]:
    with ctx.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "refund_succeeded")).all()
        return [ctx.cipher.decrypt(row.body_enc, BODY_CONTEXT) for row in rows]


def test_cancelling_an_unpaid_hold_promises_no_refund(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    held = _held(client, ctx, clinic_day)
    answer = client.post(f"/api/v1/appointments/{held['id']}/cancel", headers=AUTH)
    assert answer.status_code == 200 and answer.json["status"] == "cancelled"  # type: ignore[index]
    assert answer.json["refund"] is None  # type: ignore[index]
    assert pending_refund_ids(ctx) == [] and _refund_messages(ctx) == []


def test_a_paid_cancellation_says_when_and_the_completed_refund_is_messaged_once(
    client: FlaskClient, ctx: ServiceContext, clinic_day: date
) -> None:
    held = _held(client, ctx, clinic_day)
    payments.settle_payment(ctx, str(held["payment"]["out_trade_no"]), 3050, "T1")  # type: ignore[index]
    answer = client.post(f"/api/v1/appointments/{held['id']}/cancel", headers=AUTH)
    refund = answer.json["refund"]  # type: ignore[index]
    assert refund["amount_fen"] == 3050 and refund["working_days"] == REFUND_WORKING_DAYS
    assert _refund_messages(ctx) == []  # decided, not yet paid out: nothing said yet
    [refund_id] = pending_refund_ids(ctx)
    assert process_refund(ctx, refund_id) == "succeeded"
    assert process_refund(ctx, refund_id) == "succeeded"  # a repeated task says nothing twice
    [text] = _refund_messages(ctx)
    assert "30.50元挂号费已原路退回" in text and f"{REFUND_WORKING_DAYS}个工作日" in text
