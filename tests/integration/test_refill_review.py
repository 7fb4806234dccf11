"""Refill review in the console: a clinician sees the request with the prior
prescription and the answers, signs (an online prescription and its fee, the
patient told the pharmacist checks next) or declines with a reason; a pharmacist
then approves (only now the payment order, the patient sent the pay link) or
rejects (the request closed, nothing was charged). Each role only does its own part."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import PaymentOrder, Prescription, RefillRequest, RefillReview, Refund
from services.clinical import refills
from services.context import ServiceContext
from services.payments import refill_pay
from services.payments import settlement as payments
from tests.clinical_factories import make_prescription
from tests.conftest import AUTH
from tests.console_helpers import audit_actions, login, make_staff, post
from tests.factories import make_patient

PHONE = "13900001111"
PRICED = [{"drug": "苯磺酸氨氯地平片", "spec": "5mg×28片", "dose": "每日1次", "quantity": 2, "price_fen": 2850}]


def submitted(ctx: ServiceContext, drugs: list[dict[str, object]] | None = None) -> str:
    patient = make_patient(ctx, name="张建国", phone=PHONE)
    prescription = make_prescription(ctx, patient, drugs=drugs)
    view = refills.request_refill(
        ctx, patient_id=patient, prescription_id=prescription, answers={"近况": "血压控制在130/80左右，没有不舒服"}
    )
    return str(view["id"])


def staff_client(app: Flask, ctx: ServiceContext, username: str, *roles: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, make_staff(ctx, username, *roles)).status_code == 302
    return client


def texts_to_patient(client: FlaskClient) -> list[str]:
    return [m["text"] for m in client.get(f"/api/v1/dev/outbox?to={PHONE}", headers=AUTH).json]


def refill(ctx: ServiceContext, refill_id: str) -> RefillRequest:
    with ctx.db.reading() as session:
        found = session.get(RefillRequest, refill_id)
        assert found is not None
        return found


def test_a_clinician_reviews_with_the_prior_prescription_and_answers_then_signs(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    refill_id = submitted(ctx, PRICED)
    doctor = staff_client(app, ctx, "doc", "clinician")
    assert refill_id in doctor.get("/console/refills").get_data(as_text=True)
    assert "查看原因" in doctor.get(f"/console/refills/{refill_id}?why=续方审核").get_data(as_text=True)
    assert post(doctor, f"/console/refills/{refill_id}/why", why="续方审核").status_code == 302
    page = doctor.get(f"/console/refills/{refill_id}").get_data(as_text=True)
    assert "苯磺酸氨氯地平片" in page and "血压控制在130/80左右" in page and "高血压" in page
    assert "139****1111" in page and PHONE not in page

    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 302
    assert refill(ctx, refill_id).status == "signed"
    with ctx.db.reading() as session:
        review = session.get(RefillReview, refill_id)
        assert review is not None and review.clinician_decision == "signed"
        online = session.get(Prescription, review.prescription_id)
        assert online is not None and online.origin == "online"
        assert ctx.cipher.decrypt(online.diagnosis_enc, "prescriptions.diagnosis") == "高血压"
        assert json.loads(ctx.cipher.decrypt(online.items_enc, "prescriptions.items")) == PRICED
        assert review.fee_fen == 5700  # fixed now, charged only after the pharmacist's approval
        assert session.scalars(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id)).all() == []
    [told] = [text for text in texts_to_patient(client) if "医生已通过您的高血压续方申请" in text]
    assert "药师审核" in told and "还不用付款" in told and "/p/" not in told
    [waiting] = refill_pay.payable_refills(ctx, refill(ctx, refill_id).patient_id)
    assert waiting["waiting_for"] == "pharmacist" and waiting["pay_link"] is None and waiting["amount_fen"] == 5700
    actions = {(e.action, e.reason) for e in audit_actions(ctx)}
    assert ("refill.view", "续方审核") in actions and ("refill.sign", None) in actions
    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 409  # signed once


def test_unpriced_drugs_need_the_fee_when_signing(app: Flask, ctx: ServiceContext) -> None:
    refill_id = submitted(ctx)
    doctor = staff_client(app, ctx, "doc", "clinician")
    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 422
    assert refill(ctx, refill_id).status == "submitted"  # nothing changed
    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1", amount_yuan="abc").status_code == 422
    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1", amount_yuan="56.80").status_code == 302
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 302
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id))
        assert order is not None and order.amount_fen == 5680  # the fee the doctor entered


def test_a_clinician_declines_with_a_reason_the_patient_reads(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    refill_id = submitted(ctx)
    doctor = staff_client(app, ctx, "doc", "clinician")
    assert post(doctor, f"/console/refills/{refill_id}/decline", confirmed="1", reason="").status_code == 422
    assert (
        post(doctor, f"/console/refills/{refill_id}/decline", confirmed="1", reason="血压需要面诊调整用药").status_code
        == 302
    )
    current = refill(ctx, refill_id)
    assert current.status == "declined" and current.decision_reason == "血压需要面诊调整用药"
    assert any("血压需要面诊调整用药" in text for text in texts_to_patient(client))


def test_the_pharmacist_approves_what_was_signed(app: Flask, client: FlaskClient, ctx: ServiceContext) -> None:
    refill_id = submitted(ctx, PRICED)
    doctor = staff_client(app, ctx, "doc", "clinician")
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert refill_id not in pharmacist.get("/console/refills").get_data(as_text=True)  # not signed yet
    assert post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 409
    post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1")
    assert refill_id in pharmacist.get("/console/refills").get_data(as_text=True)
    assert refill_id not in doctor.get("/console/refills").get_data(as_text=True)
    assert post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 302
    assert refill(ctx, refill_id).status == "reviewed"
    with ctx.db.reading() as session:
        order = session.scalar(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id))
        assert order is not None and order.amount_fen == 5700 and order.status == "pending"  # made only now
    [told] = [text for text in texts_to_patient(client) if "药师已审核通过" in text]
    assert "药费57.00元" in told and "/p/" in told and order.out_trade_no not in told
    assert refill_id not in pharmacist.get("/console/refills").get_data(as_text=True)


def test_a_rejection_before_payment_closes_the_request_with_nothing_to_refund(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    refill_id = submitted(ctx, PRICED)
    post(staff_client(app, ctx, "doc", "clinician"), f"/console/refills/{refill_id}/sign", confirmed="1")
    with pytest.raises(payments.NotPayable):  # nothing can be paid before the pharmacist's approval
        payments.create_refill_payment(ctx, refill_id)
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert refill_id in pharmacist.get("/console/refills").get_data(as_text=True)
    step = post(pharmacist, f"/console/refills/{refill_id}/reject", note="与现用药物存在相互作用").get_data(
        as_text=True
    )
    assert "不涉及退款" in step and "原路退回" not in step
    reject = post(pharmacist, f"/console/refills/{refill_id}/reject", confirmed="1", note="与现用药物存在相互作用")
    assert reject.status_code == 302
    current = refill(ctx, refill_id)
    assert current.status == "declined" and current.decision_reason == "药师审核未通过：与现用药物存在相互作用"
    with ctx.db.reading() as session:
        assert session.scalars(select(PaymentOrder).where(PaymentOrder.refill_request_id == refill_id)).all() == []
        assert session.scalars(select(Refund)).all() == []
    [told] = [text for text in texts_to_patient(client) if "药师审核未通过" in text]
    assert "与现用药物存在相互作用" in told and "不用付任何费用" in told and "退回" not in told
    assert refill_pay.payable_refills(ctx, current.patient_id) == []


def test_a_refill_paid_before_its_review_is_still_reviewed_and_a_rejection_refunds(
    app: Flask, client: FlaskClient, ctx: ServiceContext
) -> None:
    """Orders made at signing, before the fee waited for the pharmacist, may still be paid:
    such a refill stays in the pharmacist's queue, and rejecting it gives the money back."""
    refill_id = submitted(ctx, PRICED)
    post(staff_client(app, ctx, "doc", "clinician"), f"/console/refills/{refill_id}/sign", confirmed="1")
    current = refill(ctx, refill_id)
    with ctx.db.transaction() as session:  # the order as signing used to make it
        order = PaymentOrder(kind="refill", refill_request_id=refill_id, patient_id=current.patient_id,
                             amount_fen=5700, provider=ctx.payments.name)  # fmt: skip
        session.add(order)
        session.flush()
        out_trade_no = order.out_trade_no
    assert payments.settle_payment(ctx, out_trade_no, 5700, "T1").outcome == "confirmed"
    assert refill(ctx, refill_id).status == "paid"
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    assert refill_id in pharmacist.get("/console/refills").get_data(as_text=True)
    post(pharmacist, f"/console/refills/{refill_id}/why", why="药师审核")  # the confirmation shows the refill
    assert "原路退回" in post(pharmacist, f"/console/refills/{refill_id}/reject", note="剂量需调整").get_data(
        as_text=True
    )
    assert post(pharmacist, f"/console/refills/{refill_id}/reject", confirmed="1", note="剂量需调整").status_code == 302
    assert refill(ctx, refill_id).status == "declined"
    with ctx.db.reading() as session:
        paid = session.scalar(select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no))
        assert paid is not None
        assert session.scalar(select(Refund).where(Refund.payment_order_id == paid.id)) is not None
    assert any("已支付的药费将原路退回" in text for text in texts_to_patient(client))


def test_each_role_does_only_its_own_part(app: Flask, ctx: ServiceContext) -> None:
    refill_id = submitted(ctx, PRICED)
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    editor = staff_client(app, ctx, "editor", "dialogue_editor")
    support = staff_client(app, ctx, "kefu", "support")
    assert post(pharmacist, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 403
    assert post(pharmacist, f"/console/refills/{refill_id}/decline", confirmed="1", reason="不行").status_code == 403
    for client in (editor, support):
        assert client.get("/console/refills").status_code == 403
        assert post(client, f"/console/refills/{refill_id}/why", why="看看").status_code == 403
        assert client.get(f"/console/refills/{refill_id}").status_code == 403
    doctor = staff_client(app, ctx, "doc", "clinician")
    post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1")
    assert post(doctor, f"/console/refills/{refill_id}/approve", confirmed="1").status_code == 403
    assert post(doctor, f"/console/refills/{refill_id}/reject", confirmed="1", note="不行").status_code == 403
    assert refill(ctx, refill_id).status == "signed"
