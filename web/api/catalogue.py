from __future__ import annotations

from flask import Response, jsonify, request

from services.booking import catalogue
from web.api import bp, query, service_context
from web.api.schemas import SlotsQuery


@bp.get("/departments")
def departments() -> Response:
    return jsonify(catalogue.list_departments(service_context()))


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
