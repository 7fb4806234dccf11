from __future__ import annotations

from flask import Response, jsonify

from services.patients import registry as patients
from web.api import body, bp, query, service_context
from web.api.schemas import AccountPatientsQuery, PatientIn


@bp.post("/patients")
def register_patient() -> tuple[Response, int]:
    data = body(PatientIn)
    view, created = patients.register_patient(
        service_context(),
        name=data.name,
        id_number=data.id_number,
        phone=data.phone,
        channel=data.account.channel if data.account else None,
        channel_user_id=data.account.channel_user_id if data.account else None,
        relation=data.relation,
    )
    return jsonify(view.as_dict()), 201 if created else 200


@bp.get("/patients/<patient_id>")
def get_patient(patient_id: str) -> Response:
    return jsonify(patients.get_patient(service_context(), patient_id).as_dict())


@bp.get("/accounts/patients")
def account_patients() -> Response:
    params = query(AccountPatientsQuery)
    found = patients.account_patients(service_context(), params.channel, params.channel_user_id)
    return jsonify([p.as_dict() for p in found])
