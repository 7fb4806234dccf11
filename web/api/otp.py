"""One-time codes by SMS and their verification."""

from __future__ import annotations

from flask import Response, jsonify

from services.patients import otp
from web.api import body, bp, service_context
from web.api.clinical_schemas import OtpSendIn, OtpVerifyIn
from web.error_status import status_for
from web.errors import error_response


@bp.post("/otp")
def send_otp() -> tuple[Response, int]:
    data = body(OtpSendIn)
    try:
        sent = otp.send_code(service_context(), phone=data.phone, purpose=data.purpose)
    except otp.OtpRateLimited as exc:
        response, status = error_response(exc.code, exc.message, status_for(exc), retry_after=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response, status
    return jsonify(sent), 202


@bp.post("/otp/verify")
def verify_otp() -> tuple[Response, int]:
    data = body(OtpVerifyIn)
    try:
        verified = otp.verify_code(
            service_context(), phone=data.phone, purpose=data.purpose, code=data.code, conversation=data.conversation_id
        )
    except otp.OtpWrong as exc:
        return error_response(exc.code, exc.message, status_for(exc), tries_left=exc.tries_left)
    return jsonify(verified), 200
