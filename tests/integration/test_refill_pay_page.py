"""Refill fees through the pay page (issue 12): once the doctor has signed and the
pharmacist approved, the refill's open fee has a short /p/ link like a booking's, the page
names the drugs and masks the patient, and paying there moves the refill on (paid, the
pickup told) exactly once. Signed but not yet approved, there is nothing to pay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import OutboxMessage, PaymentOrder, RefillRequest, utcnow
from services.context import ServiceContext
from services.errors import NotFound
from services.payments import refill_pay
from tests.conftest import AUTH
from tests.console_helpers import post
from tests.integration.test_refill_review import PRICED, staff_client, submitted, texts_to_patient


def _signed(app: Flask, ctx: ServiceContext) -> tuple[str, str]:
    """(patient, refill) with the doctor's signature only: waiting for the pharmacist."""
    refill_id = submitted(ctx, PRICED)
    doctor = staff_client(app, ctx, "doc", "clinician")
    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 302
    with ctx.db.reading() as session:
        refill = session.get(RefillRequest, refill_id)
        assert refill is not None and refill.status == "signed"
        return refill.patient_id, refill_id


def _approved(app: Flask, ctx: ServiceContext) -> tuple[str, str]:
    """(patient, refill) signed and approved by the pharmacist, so its fee is open."""
    patient, refill_id = _signed(app, ctx)
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 302
    return patient, refill_id


def _path(link: str) -> str:
    return "/p/" + link.split("/p/", 1)[1]


def test_an_approved_refill_is_offered_with_a_short_link_not_the_order_number(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    patient, refill_id = _approved(app, ctx)
    answer = client.get(f"/api/v1/patients/{patient}/refills/payable", headers=AUTH)
    assert answer.status_code == 200
    [payable] = answer.json
    assert payable["refill_id"] == refill_id and payable["amount_fen"] == 2 * 2850
    assert payable["drugs"] == "苯磺酸氨氯地平片 ×2"
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id))
        assert order is not None
    assert "/p/" in payable["pay_link"] and order.out_trade_no not in payable["pay_link"]
    assert client.get(f"/api/v1/patients/{patient}/refills/payable").status_code == 401  # a service route


def test_the_approved_refill_is_told_with_its_link_which_opens_the_page(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    _, refill_id = _signed(app, ctx)
    [signed] = [text for text in texts_to_patient(client) if "医生已通过" in text]
    assert "药师审核" in signed and "/p/" not in signed  # no link before the approval
    assert not [text for text in texts_to_patient(client) if "药师已审核通过" in text]
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 302
    [told] = [text for text in texts_to_patient(client) if "药师已审核通过" in text]
    assert "药费57.00元" in told and "支付续方" in told
    link = re.search(r"https?://\S+/p/[0-9a-z]+", told)
    assert link is not None
    assert "苯磺酸氨氯地平片" in client.get(_path(link.group(0))).get_data(as_text=True)


def test_the_page_names_the_drugs_and_masks_the_patient(app: Flask, client: FlaskClient, ctx: ServiceContext) -> None:
    patient, _ = _approved(app, ctx)
    [payable] = refill_pay.payable_refills(ctx, patient)
    page = client.get(_path(payable["pay_link"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "续方药费" in html and "苯磺酸氨氯地平片 ×2" in html and "¥57.00" in html
    assert "张**" in html and "张建国" not in html  # the patient masked
    assert "到医院药房取药" in html and "号源" not in html  # nothing about a hold that a refill lacks


def test_paying_on_the_page_moves_the_refill_on_once(app: Flask, client: FlaskClient, ctx: ServiceContext) -> None:
    patient, refill_id = _approved(app, ctx)
    [payable] = refill_pay.payable_refills(ctx, patient)
    path = _path(payable["pay_link"])
    assert client.post(path + "/console").json["outcome"] == "confirmed"
    assert client.post(path + "/console").json["outcome"] == "duplicate"
    assert client.get(path + "/status").json["state"] == "paid"
    with ctx.db.reading() as session:
        refill = session.get(RefillRequest, refill_id)
        assert refill is not None and refill.status == "paid"
        told = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.kind == "refill_paid")).all()
    assert len(told) == 1  # the pickup told once
    assert refill_pay.payable_refills(ctx, patient) == []  # nothing left to pay
    assert "药费已支付" in client.get(path).get_data(as_text=True)


def test_a_refill_link_lasts_a_day_from_when_it_is_given(app: Flask, ctx: ServiceContext) -> None:
    _, refill_id = _approved(app, ctx)
    with ctx.db.reading() as session:
        order_id = session.scalar(select(PaymentOrder.id).where(PaymentOrder.refill_request_id == refill_id))
        assert order_id is not None
    later = utcnow() + timedelta(days=2)
    fresh = refill_pay.link_for(ctx, order_id, later)  # asked again two days on: a working link
    client = app.test_client()
    assert client.get(_path(fresh)).status_code == 200
    stale = refill_pay.link_for(ctx, order_id, utcnow() - timedelta(days=2))
    assert client.get(_path(stale)).status_code == 410


def test_nothing_to_pay_is_an_empty_list_and_an_unknown_refill_a_404(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    refill_id = submitted(ctx, PRICED)  # not signed yet: no fee to pay
    with ctx.db.reading() as session:
        refill = session.get(RefillRequest, refill_id)
        assert refill is not None
    assert client.get(f"/api/v1/patients/{refill.patient_id}/refills/payable", headers=AUTH).json == []
    with pytest.raises(NotFound):
        refill_pay.refill_pay_link(ctx, refill_id)


def test_a_signed_refill_waits_for_the_pharmacist_with_nothing_to_pay(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    patient, refill_id = _signed(app, ctx)
    [waiting] = client.get(f"/api/v1/patients/{patient}/refills/payable", headers=AUTH).json
    assert waiting == {
        "refill_id": refill_id,
        "status": "signed",
        "amount_fen": 2 * 2850,
        "drugs": "苯磺酸氨氯地平片 ×2",
        "pay_link": None,
        "waiting_for": "pharmacist",
    }
    with pytest.raises(NotFound):
        refill_pay.refill_pay_link(ctx, refill_id)
    with ctx.db.reading() as session:
        assert session.scalars(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id)).all() == []
