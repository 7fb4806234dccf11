"""The refill's fee after the pharmacist's approval (issue 12): when the platform cannot
make the order at the approval, the approval stands and the minute's sweep makes the order
and sends the pay link later, once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import PaymentOrder
from payments.base import PaymentError, PaymentLink, PaymentRequest
from payments.console import ConsolePaymentProvider
from services.clinical import refill_announcements
from services.context import ServiceContext
from tests.console_helpers import post
from tests.integration.test_refill_review import PRICED, refill, staff_client, submitted, texts_to_patient
from tests.wiring import use


class PlatformDown(ConsolePaymentProvider):
    """The payment platform unreachable: every new order fails, as a timeout would."""

    def create_order(self, request: PaymentRequest) -> PaymentLink:
        raise PaymentError("connect timeout", code="SYSTEM_ERROR")


def _orders(ctx: ServiceContext, refill_id: str) -> list[PaymentOrder]:
    with ctx.db.reading() as session:
        return list(session.scalars(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id)))


def test_an_approval_while_the_platform_is_down_is_told_with_its_link_by_the_sweep(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    refill_id = submitted(ctx, PRICED)
    post(staff_client(app, ctx, "doc", "clinician"), f"/console/refills/{refill_id}/sign", confirmed="1")
    working = ctx.payments
    use(app, payments=PlatformDown(ctx.settings.public_base_url))
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 302
    assert refill(ctx, refill_id).status == "reviewed"  # the approval stands
    assert _orders(ctx, refill_id) == [] and not [t for t in texts_to_patient(client) if "药师已审核通过" in t]
    assert refill_announcements.announce_refill_decisions(app.extensions["hospital"]) == 0  # still down: nothing told

    back = use(app, payments=working)
    assert refill_announcements.announce_refill_decisions(back) == 1
    assert refill_announcements.announce_refill_decisions(back) == 0  # once
    [order] = _orders(back, refill_id)
    assert order.status == "pending" and order.amount_fen == 5700
    [told] = [t for t in texts_to_patient(client) if "药师已审核通过" in t]
    assert "/p/" in told and "药费57.00元" in told
