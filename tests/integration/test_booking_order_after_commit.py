"""The payment order is asked of the provider after the booking commits (issue 14):
nothing that waits on the network holds the booking's locks, and a provider that
fails gives the place back at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from models import Appointment, PaymentOrder, Slot
from payments.base import PaymentError, PaymentLink, PaymentRequest
from payments.console import ConsolePaymentProvider
from services.booking import holds
from services.context import ServiceContext
from services.payments import links
from tests.factories import make_department, make_doctor, make_patient, make_slot
from web.error_status import status_for


class WitnessProvider(ConsolePaymentProvider):
    """Records what a separate reader sees when the provider is asked: the committed hold or not."""

    def __init__(self, ctx: ServiceContext, fail: bool = False) -> None:
        super().__init__("http://127.0.0.1")
        self.ctx, self.fail = ctx, fail
        self.seen: list[str | None] = []

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        with self.ctx.db.reading() as session:
            self.seen.append(
                session.scalar(select(PaymentOrder.status).where(PaymentOrder.out_trade_no == request.out_trade_no))
            )
        if self.fail:
            raise PaymentError("gateway timeout", code="timeout")
        return super().create_order(request)


@pytest.fixture
def slot(ctx: ServiceContext, clinic_day: date) -> str:
    return make_slot(ctx, make_doctor(ctx, make_department(ctx), fee_fen=3000), clinic_day, capacity=1)


def test_the_provider_is_asked_after_the_commit(ctx: ServiceContext, slot: str) -> None:
    provider = WitnessProvider(ctx)
    result = holds.book(replace(ctx, payments=provider), patient_id=make_patient(ctx), slot_id=slot)
    assert result.created and result.appointment["status"] == "held"
    # A reader in another connection already saw the order row: the booking had committed.
    assert provider.seen == ["pending"]
    payment = result.appointment["payment"]
    assert payment["pay_url"].endswith(payment["out_trade_no"])
    # The short link made from the row id in hand is the one a lookup of the order gives.
    assert payment["pay_link"] == links.pay_link(ctx, payment["out_trade_no"])


def test_a_failed_order_gives_the_place_back_and_a_retry_books_afresh(ctx: ServiceContext, slot: str) -> None:
    patient = make_patient(ctx)
    failing = replace(ctx, payments=WitnessProvider(ctx, fail=True))
    with pytest.raises(holds.PaymentUnavailable) as refused:
        holds.book(failing, patient_id=patient, slot_id=slot, idempotency_key="retry-key-1")
    assert status_for(refused.value) == 503 and "支付" in refused.value.message
    with ctx.db.reading() as session:
        assert session.scalar(select(Slot.remaining).where(Slot.id == slot)) == 1
        assert session.scalars(select(Appointment.status).where(Appointment.slot_id == slot)).all() == ["expired"]
        assert session.scalars(select(PaymentOrder.status)).all() == ["closed"]
    # The same key again, once the provider is back: a new hold, not a replay of the dead one.
    again = holds.book(
        replace(ctx, payments=WitnessProvider(ctx)), patient_id=patient, slot_id=slot, idempotency_key="retry-key-1"
    )
    assert again.created and not again.replayed and again.appointment["status"] == "held"


def test_a_replay_carries_the_pay_url(ctx: ServiceContext, slot: str) -> None:
    patient = make_patient(ctx)
    first = holds.book(ctx, patient_id=patient, slot_id=slot, idempotency_key="replay-key-1")
    second = holds.book(ctx, patient_id=patient, slot_id=slot, idempotency_key="replay-key-1")
    assert second.replayed and second.appointment["id"] == first.appointment["id"]
    assert second.appointment["payment"]["pay_url"] == first.appointment["payment"]["pay_url"]
