"""Chronic prescriptions that can be refilled, and refill requests."""

from __future__ import annotations

from flask import Response, jsonify

from services.clinical import refills
from services.payments import refill_pay
from web.api import body, bp, service_context
from web.api.clinical_schemas import RefillIn


@bp.get("/patients/<patient_id>/prescriptions")
def patient_prescriptions(patient_id: str) -> Response:
    return jsonify(refills.list_prescriptions(service_context(), patient_id))


@bp.post("/refills")
def create_refill() -> tuple[Response, int]:
    data = body(RefillIn)
    created = refills.request_refill(
        service_context(),
        patient_id=data.patient_id,
        prescription_id=data.prescription_id,
        answers=data.answers.texts() if data.answers else None,
        fulfilment=data.fulfilment,
    )
    return jsonify(created), 201


@bp.get("/patients/<patient_id>/refills/payable")
def payable_refills(patient_id: str) -> Response:
    """Approved refills whose fee is open, each with its short pay link (the bot's 去支付), and
    signed ones still waiting for the pharmacist, without one."""
    return jsonify(refill_pay.payable_refills(service_context(), patient_id))
