"""`GET /rasa/model`: the app as Rasa's model server (`models: url` in
bot/endpoints-pull.yml). Rasa sends the ETag of the model it runs in If-None-Match and
gets 304 until the console activates another version; then 200 with the file, which it
loads beside the old one and swaps. Every replica polls, so every replica follows.

Rasa presents `?token=` (RASA_AUTH_TOKEN, the secret the app already shares with Rasa's
HTTP API); without the right one the answer is 401. Internal only: the ingress routes
patients to the app's public paths, never /rasa/ (docs/operations.md).
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Flask, Response, abort, request, send_file

from services.teaching.model_lifecycle import LifecyclePaths
from services.teaching.model_serving import served_model
from web.context import service_context

log = logging.getLogger(__name__)
bp = Blueprint("model_server", __name__)


@bp.get("/rasa/model")
def model() -> Response:
    ctx = service_context()
    token = ctx.settings.rasa_auth_token
    if token and not hmac.compare_digest(request.args.get("token", "").encode(), token.encode()):
        abort(401)
    served = served_model(ctx, LifecyclePaths.from_settings(ctx.settings))
    if served is None:
        log.warning("no model to serve to Rasa")
        abort(404)
    if request.if_none_match.contains(served.etag):
        response = Response(status=304)
    else:
        log.info("serving a model to Rasa", extra={"etag": served.etag})
        response = send_file(served.path, mimetype="application/gzip", conditional=False, etag=False)
        response.headers["filename"] = served.filename  # Rasa names the downloaded file by it
    response.set_etag(served.etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    """Registered from app.py; polled by machines on a timer, so no per-IP limit."""
    from web.extensions import limiter

    app.register_blueprint(bp)
    limiter.exempt(bp)
