from __future__ import annotations

from flask import Response, jsonify

from services.booking import catalogue
from web.api import bp, query, service_context
from web.api.schemas import SlotsQuery


@bp.get("/departments")
def departments() -> Response:
    return jsonify(catalogue.list_departments(service_context()))


@bp.get("/slots")
def slots() -> Response:
    params = query(SlotsQuery)
    return jsonify(catalogue.open_slots(service_context(), params.department, params.date))
