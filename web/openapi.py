"""The OpenAPI 3.1 document of the v1 API, built from the same pydantic models
that validate requests, so the document cannot drift from the code."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from pydantic import BaseModel

from web.api.clinical_schemas import OtpSendIn, OtpVerifyIn, RefillIn
from web.api.schemas import AccountPatientsQuery, AppointmentIn, CancelIn, PatientIn, RescheduleIn, SlotsQuery

bp = Blueprint("openapi", __name__)

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string", "description": "简体中文说明"}},
}


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _op(summary: str, responses: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "responses": {
            code: {
                "description": text,
                **({"content": {"application/json": {"schema": ERROR}}} if code >= "400" else {}),
            }
            for code, text in responses.items()
        },
        **extra,
    }


def build_document() -> dict[str, Any]:
    secured: list[dict[str, list[str]]] = [{"serviceToken": []}]
    paths: dict[str, Any] = {
        "/healthz": {"get": _op("Liveness", {"200": "alive"})},
        "/readyz": {"get": _op("Readiness: own database; broker, Rasa reported", {"200": "ready", "503": "db down"})},
        "/metrics": {"get": _op("Prometheus metrics", {"200": "text format"})},
        "/api/v1/departments": {"get": _op("Departments", {"200": "[{code, name, location}]"}, security=secured)},
        "/api/v1/slots": {
            "get": _op(
                "Released future slots of a department on a day",
                {"200": "slots", "404": "unknown department", "422": "bad query"},
                parameters=_query(SlotsQuery),
                security=secured,
            )
        },
        "/api/v1/patients": {
            "post": _op(
                "Register a real-name patient (GB 11643 ID check)",
                {
                    "201": "created",
                    "200": "already known",
                    "409": "phone bound to too many accounts",
                    "422": "bad ID number or phone",
                },
                requestBody=_json_body(PatientIn),
                security=secured,
            )
        },
        "/api/v1/accounts/patients": {
            "get": _op(
                "Patients bound to a chat account",
                {"200": "patients"},
                parameters=_query(AccountPatientsQuery),
                security=secured,
            )
        },
        "/api/v1/appointments": {
            "post": _op(
                "Hold a slot (confirmed at once when free)",
                {
                    "201": "held or confirmed",
                    "403": "restricted",
                    "404": "unknown patient or slot",
                    "409": "sold_out / duplicate / not_released",
                    "422": "invalid",
                    "429": "weekly quota or rate limit",
                },
                requestBody=_json_body(AppointmentIn),
                parameters=[
                    {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
                ],
                security=secured,
            ),
            "get": _op(
                "A patient's appointments",
                {"200": "list", "404": "unknown patient"},
                parameters=[{"name": "patient_id", "in": "query", "required": True, "schema": {"type": "string"}}],
                security=secured,
            ),
        },
        "/api/v1/appointments/{appointment_id}/cancel": {
            "post": _op(
                "Cancel, refunding if paid (refund: null when nothing was paid, else amount_fen and working_days)",
                {"200": "cancelled", "404": "unknown", "409": "too late or final"},
                requestBody={
                    "required": False,
                    "content": {"application/json": {"schema": CancelIn.model_json_schema()}},
                },
                security=secured,
            )
        },
        "/api/v1/appointments/{appointment_id}/reschedule": {
            "post": _op(
                "Move a visit to another slot; what was paid goes with it: carried_over {paid_fen, "
                "difference_fen (>0 to pay, held with payment.pay_link; <0 refunded), refund}",
                {
                    "201": "the new visit (confirmed, or held for the difference)",
                    "404": "unknown visit or slot",
                    "409": "already moved, cancelled or too late; sold out; duplicate",
                    "422": "same slot or bad input",
                },
                requestBody=_json_body(RescheduleIn),
                parameters=[
                    {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}
                ],
                security=secured,
            )
        },
        "/api/v1/appointments/{appointment_id}/payment/check": {
            "post": _op(
                "The patient says they paid: ask the platform about the held visit's order, then the visit "
                "(confirmed if paid, else held with payment.pay_link)",
                {"200": "the appointment", "404": "unknown"},
                security=secured,
            )
        },
        "/api/v1/dev/outbox": {"get": _op("Development only: messages sent", {"200": "messages"}, security=secured)},
        "/api/v1/otp": {
            "post": _op(
                "Send a one-time code by SMS (1 a minute, 5 an hour, 10 a day per phone)",
                {"202": "{sent, expires_in, resend_in}", "422": "bad phone or purpose", "429": "rate_limited"},
                requestBody=_json_body(OtpSendIn),
                security=secured,
            )
        },
        "/api/v1/otp/verify": {
            "post": _op(
                "Check a code; a right one earns a verification token",
                {
                    "200": "{verified, token, expires_in}",
                    "410": "otp_expired (expired, used or replaced)",
                    "422": "otp_invalid with tries_left",
                    "429": "otp_locked after 5 tries",
                },
                requestBody=_json_body(OtpVerifyIn),
                security=secured,
            )
        },
        "/api/v1/patients/{patient_id}/results": {
            "get": _op(
                "The patient's reports, newest first, with flags and a plain-words summary",
                {"200": "reports", "403": "verification_required"},
                parameters=[
                    {"name": "X-Verification-Token", "in": "header", "required": True, "schema": {"type": "string"}}
                ],
                security=secured,
            )
        },
        "/api/v1/patients/{patient_id}/prescriptions": {
            "get": _op(
                "Chronic prescriptions from offline visits, with whether a refill can be requested",
                {"200": "prescriptions", "404": "unknown patient"},
                security=secured,
            )
        },
        "/api/v1/patients/{patient_id}/refills/payable": {
            "get": _op(
                "Approved refills whose fee is open, and signed ones still waiting for the pharmacist: "
                "[{refill_id, status, amount_fen, drugs, pay_link, waiting_for}] (pay_link is the short /p/ "
                'page, good for a day from when it is given; null with waiting_for "pharmacist")',
                {"200": "list (empty when nothing is to pay)"},
                security=secured,
            )
        },
        "/api/v1/refills": {
            "post": _op(
                "Request a refill of a chronic prescription for a doctor to review",
                {
                    "201": "{id, status, next_steps, expected_by}",
                    "404": "unknown patient",
                    "409": "duplicate",
                    "422": "not_eligible / needs_offline_visit / invalid",
                },
                requestBody=_json_body(RefillIn),
                security=secured,
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Internet hospital front door API", "version": "1"},
        "paths": paths,
        "components": {"securitySchemes": {"serviceToken": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/api/v1/openapi.json")
def openapi() -> Any:
    return jsonify(build_document())
