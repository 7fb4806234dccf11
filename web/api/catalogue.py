from __future__ import annotations

from flask import Response, jsonify, request

from services.booking import catalogue
from services.clinical.triage.routing import resolve_department
from services.errors import InvalidInput
from web.api import bp, query, service_context
from web.api.schemas import SlotsQuery


@bp.get("/departments")
def departments() -> Response:
    return jsonify(catalogue.list_departments(service_context()))


@bp.get("/departments/resolve")
def department_named() -> Response:
    """The department a patient's words name, however typed: "皮服科", "內分秘科", "皮膚科",
    "看心脏的" (names, aliases, known typos, then pinyin; services/clinical/triage/routing.py).
    The bot asks this when its own catalogue match fails, so the booking form understands
    what the triage router already did. ``{"code": null}`` when nothing is named."""
    text = request.args.get("text", "")
    if len(text) > 200:
        raise InvalidInput("文字太长了，请只说科室名字", field="text")
    return jsonify({"code": resolve_department(text)})


@bp.get("/slots")
def slots() -> Response:
    """From a cache of a second or two (issue 14); If-None-Match with the ETag gets a 304."""
    params = query(SlotsQuery)
    listing = catalogue.cached_open_slots(service_context(), params.department, params.date)
    if listing.etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(listing.body, mimetype="application/json")
    response.set_etag(listing.etag)
    response.headers["Cache-Control"] = "private, max-age=1"
    return response
