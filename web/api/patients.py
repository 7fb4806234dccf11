from __future__ import annotations

from flask import Response, jsonify

from services.patients import binding, claim
from services.patients import registry as patients
from web.api import body, bp, conversation_header, query, service_context
from web.api.clinical_schemas import ClaimIn
from web.api.schemas import AccountPatientsQuery, PatientIn
from web.error_status import status_for
from web.errors import error_response


@bp.post("/patients")
def register_patient() -> tuple[Response, int]:
    """Register a patient; binding one to a chat account needs the SMS code
    (a 403 `phone_code_sent` says where it went; send it again with `code`)."""
    data = body(PatientIn)
    try:
        view, created = binding.register_and_bind(
            service_context(),
            name=data.name,
            id_number=data.id_number,
            phone=data.phone,
            channel=data.account.channel if data.account else None,
            channel_user_id=data.account.channel_user_id if data.account else None,
            relation=data.relation,
            code=data.code,
        )
    except binding.PhoneCodeSent as exc:
        return error_response(exc.code, exc.message, status_for(exc), phone=exc.phone_masked)
    return jsonify(view.as_dict()), 201 if created else 200


@bp.get("/patients/<patient_id>")
def get_patient(patient_id: str) -> Response:
    return jsonify(patients.get_patient(service_context(), patient_id).as_dict())


@bp.get("/accounts/patients")
def account_patients() -> Response:
    params = query(AccountPatientsQuery)
    found = patients.account_patients(service_context(), params.channel, params.channel_user_id)
    return jsonify([p.as_dict() for p in found])


@bp.post("/accounts/patients/claim")
def claim_patients() -> tuple[Response, int]:
    """The code sent to a phone on file, typed back in a chat: the chat account gets that
    phone's patients and a one-time grant of the purpose, bound to the conversation
    (X-Conversation-ID) when the bot names it."""
    data = body(ClaimIn)
    conversation = conversation_header()
    answer = claim.claim_by_phone(
        service_context(),
        phone=data.phone,
        code=data.code,
        purpose=data.purpose,
        channel=data.account.channel,
        channel_user_id=data.account.channel_user_id,
        conversation=conversation,
    )
    return jsonify(answer), 200
