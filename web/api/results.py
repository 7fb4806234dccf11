"""Lab and exam results, behind a `results` verification grant."""

from __future__ import annotations

from flask import Response, jsonify, request

from services.clinical import results
from web.api import bp, conversation_header, service_context

TOKEN_HEADER = "X-Verification-Token"  # noqa: S105 - a header name, not a secret


@bp.get("/patients/<patient_id>/results")
def patient_results(patient_id: str) -> Response:
    token = request.headers.get(TOKEN_HEADER)
    conversation = conversation_header()
    return jsonify(results.list_results(service_context(), patient_id, token, conversation))
