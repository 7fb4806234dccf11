"""Chronic prescriptions that can be refilled, and refill requests."""

from __future__ import annotations

from flask import Response, jsonify

from services.clinical import refills
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
