"""Development and test only: what the outbox "sent". Absent in production."""

from __future__ import annotations

from flask import Response, abort, jsonify, request

from services.notifications import outbox
from web.api import bp, service_context


@bp.get("/dev/outbox")
def dev_outbox() -> Response:
    ctx = service_context()
    if not ctx.settings.outbox_visible:
        abort(404)
    with ctx.db.reading() as session:
        return jsonify(outbox.read_outbox(session, ctx.cipher, request.args.get("to")))
