"""Lab and exam results, behind a `results` verification grant."""

from __future__ import annotations

from flask import Response, jsonify, request

from services.clinical import results
from web.api import bp, service_context

TOKEN_HEADER = "X-Verification-Token"  # noqa: S105 - a header name, not a secret
CONVERSATION_HEADER = "X-Conversation-ID"  # the conversation the grant was earned in


@bp.get("/patients/<patient_id>/results")
def patient_results(patient_id: str) -> Response:
    token = request.headers.get(TOKEN_HEADER)
    conversation = request.headers.get(CONVERSATION_HEADER, "")[:200] or None
    return jsonify(results.list_results(service_context(), patient_id, token, conversation))
