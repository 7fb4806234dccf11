"""Refill review with the whole picture: drugs with price, answers under Chinese
labels, a confirmation before every decision, refusals on the refill's own page
with the viewing reason kept, the signer and the fee for the pharmacist, and the
handled refills in a history with filters."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from services.booking.calendar import local_today
from services.clinical import refills
from services.context import ServiceContext
from tests.clinical_factories import make_prescription
from tests.console_helpers import post
from tests.factories import make_patient
from tests.integration.test_refill_review import PRICED, refill, staff_client


def asked(ctx: ServiceContext, drugs: list[dict[str, object]] | None = PRICED, name: str = "张建国") -> str:
    patient = make_patient(ctx, name=name, phone="13900002222")
    view = refills.request_refill(
        ctx,
        patient_id=patient,
        prescription_id=make_prescription(ctx, patient, drugs=drugs),
        answers={"question": "最近早上有点头晕，药量要调吗"},
    )
    return str(view["id"])


def opened(client: FlaskClient, refill_id: str, why: str = "续方审核") -> str:
    assert post(client, f"/console/refills/{refill_id}/why", why=why).status_code == 302
    return client.get(f"/console/refills/{refill_id}").get_data(as_text=True)


def test_the_clinician_sees_priced_drugs_and_labelled_answers_and_confirms(app: Flask, ctx: ServiceContext) -> None:
    refill_id = asked(ctx)
    doctor = staff_client(app, ctx, "doc", "clinician")
    page = opened(doctor, refill_id)
    assert "<dt>患者想问医生的话</dt><dd>最近早上有点头晕，药量要调吗</dd>" in page and "<dt>question</dt>" not in page
    assert "¥28.50" in page and "药费合计：<strong>¥57.00</strong>" in page

    confirm = post(doctor, f"/console/refills/{refill_id}/sign")
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认签署处方" in body and "¥57.00" in body and "苯磺酸氨氯地平片" in body
    assert refill(ctx, refill_id).status == "submitted"  # nothing decided yet
    assert post(doctor, f"/console/refills/{refill_id}/sign", confirmed="1").status_code == 302
    assert refill(ctx, refill_id).status == "signed"

    declined = asked(ctx, name="李娜")
    opened(doctor, declined)
    step = post(doctor, f"/console/refills/{declined}/decline", reason="需要面诊").get_data(as_text=True)
    assert "确认拒绝续方申请" in step and "需要面诊" in step and refill(ctx, declined).status == "submitted"


def test_refusals_stay_on_the_page_with_the_reason(app: Flask, ctx: ServiceContext) -> None:
    unpriced = asked(ctx, drugs=None)
    doctor, other = staff_client(app, ctx, "doc", "clinician"), staff_client(app, ctx, "doc2", "clinician")
    page = opened(doctor, unpriced)
    assert "药品尚未定价" in page and 'id="amount" inputmode="decimal" maxlength="10" value="" required' in page
    early = post(doctor, f"/console/refills/{unpriced}/sign")  # before any confirmation
    text = early.get_data(as_text=True)
    assert early.status_code == 422 and "请先填写药费" in text and "查看原因：续方审核" in text and "签署处方…" in text
    bad = post(doctor, f"/console/refills/{unpriced}/sign", amount_yuan="abc").get_data(as_text=True)
    assert "药费请填写金额" in bad and 'value="abc"' in bad

    priced = asked(ctx, name="王芳")
    opened(other, priced, why="同事请我看看")
    post(doctor, f"/console/refills/{priced}/sign", confirmed="1")
    late = post(other, f"/console/refills/{priced}/sign", confirmed="1")
    assert late.status_code == 409
    assert "已经被处理过了" in late.get_data(as_text=True) and "查看原因：同事请我看看" in late.get_data(as_text=True)


def test_the_pharmacist_sees_the_signer_the_fee_and_the_signed_drugs(app: Flask, ctx: ServiceContext) -> None:
    refill_id = asked(ctx)
    post(staff_client(app, ctx, "doc", "clinician"), f"/console/refills/{refill_id}/sign", confirmed="1")
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    page = opened(pharmacist, refill_id, why="药师审核处方")
    assert '签署医生：<strong id="signed-by">Doc</strong>' in page
    assert '患者应付药费：<strong id="fee">¥57.00</strong>（<span id="fee-waits">药师审核通过后才请患者支付' in page
    signed = page.split('id="signed"')[1]
    assert "苯磺酸氨氯地平片" in signed and "每日1次" in signed
    step = post(pharmacist, f"/console/refills/{refill_id}/approve").get_data(as_text=True)
    assert "确认药师审核通过" in step and "签署医生：Doc" in step and refill(ctx, refill_id).status == "signed"
    assert "付款链接" in step  # the approval is what asks the patient to pay
    post(pharmacist, f"/console/refills/{refill_id}/approve", confirmed="1")
    page = opened(pharmacist, refill_id, why="药师审核处方")
    assert '患者应付药费：<strong id="fee">¥57.00</strong>（待支付）' in page  # the order, made at the approval


def test_handled_refills_are_kept_in_a_history_with_filters(app: Flask, ctx: ServiceContext) -> None:
    doctor = staff_client(app, ctx, "doc", "clinician")
    pharmacist = staff_client(app, ctx, "yaoshi", "pharmacist")
    approved, declined, waiting = asked(ctx, name="张建国"), asked(ctx, name="李娜"), asked(ctx, name="王芳")
    post(doctor, f"/console/refills/{approved}/sign", confirmed="1")
    post(pharmacist, f"/console/refills/{approved}/approve", confirmed="1")
    post(doctor, f"/console/refills/{declined}/decline", confirmed="1", reason="需要面诊")
    assert approved not in pharmacist.get("/console/refills").get_data(as_text=True)  # gone from the queue …

    history = pharmacist.get("/console/refills/history").get_data(as_text=True)
    assert approved in history and declined in history and waiting not in history  # … but kept here
    assert "张**" in history and "张建国" not in history and "Yaoshi：通过" in history and "¥57.00" in history
    only_approved = pharmacist.get("/console/refills/history?outcome=approved").get_data(as_text=True)
    assert approved in only_approved and declined not in only_approved
    mine = pharmacist.get("/console/refills/history?mine=1").get_data(as_text=True)
    assert approved in mine and declined not in mine
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    assert "共 0 个" in doctor.get(f"/console/refills/history?since={tomorrow}").get_data(as_text=True)
    assert doctor.get("/console/refills/history?outcome=maybe").status_code == 422
