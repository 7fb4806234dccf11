from __future__ import annotations

from flask import Response, jsonify, request

from services.booking import holds, queries, reschedule, transitions
from services.errors import DomainError, InvalidInput
from services.payments import checkout
from services.payments.links import with_pay_link
from web import booking_limit
from web.api import body, bp, service_context
from web.api.schemas import AppointmentIn, CancelIn, RescheduleIn
from web.context import current_request
from web.extensions import limiter
from web.metrics import BOOKINGS


@bp.post("/appointments")
def create_appointment() -> tuple[Response, int]:
    booking_limit.check(service_context().settings.rate_limit_bookings_per_patient)  # per patient
    data = body(AppointmentIn)
    key = _idempotency_key()
    try:
        result = holds.book(
            service_context(),
            patient_id=data.patient_id,
            slot_id=data.slot_id,
            idempotency_key=key,
            channel=data.channel,
        )
    except DomainError as exc:
        BOOKINGS.labels(exc.code).inc()
        raise
    BOOKINGS.labels("replayed" if result.replayed else result.appointment["status"]).inc()
    # 201 for a replay too: it gives again the answer the first request got
    return jsonify(with_pay_link(service_context(), result.appointment)), 201


@bp.get("/appointments")
def list_appointments() -> Response:
    patient_id = request.args.get("patient_id", "")
    if not patient_id:
        raise InvalidInput("请提供就诊人（patient_id）")
    ctx = service_context()
    return jsonify([with_pay_link(ctx, a) for a in queries.list_appointments(ctx, patient_id)])


@bp.get("/appointments/<appointment_id>")
def get_appointment(appointment_id: str) -> Response:
    ctx = service_context()
    return jsonify(with_pay_link(ctx, queries.get_appointment(ctx, appointment_id)))


@bp.post("/appointments/<appointment_id>/payment/check")
def check_payment(appointment_id: str) -> Response:
    """The patient says they paid: the platform is asked first, then the visit as it now stands."""
    ctx = service_context()
    return jsonify(with_pay_link(ctx, checkout.check_appointment(ctx, appointment_id)))


@bp.post("/appointments/<appointment_id>/cancel")
def cancel_appointment(appointment_id: str) -> Response:
    data = CancelIn.model_validate(request.get_json(silent=True) or {})
    return jsonify(transitions.cancel(service_context(), appointment_id, data.reason))


@bp.post("/appointments/<appointment_id>/reschedule")
@limiter.limit(
    lambda: service_context().settings.rate_limit_bookings_per_patient,
    key_func=lambda: f"move:{(request.view_args or {}).get('appointment_id')}",  # per visit, not per caller
)
def reschedule_appointment(appointment_id: str) -> tuple[Response, int]:
    """Move a visit to another slot; what was paid goes with it (or the difference is settled)."""
    data = body(RescheduleIn)
    ctx = service_context()
    result = reschedule.reschedule(ctx, appointment_id, data.slot_id, idempotency_key=_idempotency_key())
    return jsonify(with_pay_link(ctx, result.appointment)), 201  # a new visit (or that answer again)


def _idempotency_key() -> str | None:
    key = current_request().headers.get("Idempotency-Key")
    if key is not None and not 8 <= len(key) <= 128:
        raise InvalidInput("Idempotency-Key 长度应在8到128个字符之间")
    return key
