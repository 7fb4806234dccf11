"""`GET /rasa/model`: the app as Rasa's model server (`models: url` in
bot/endpoints-pull.yml). Rasa sends the ETag of the model it runs in If-None-Match and
gets 304 until the console activates another version; then 200 with the file, which it
loads beside the old one and swaps. Every replica polls, so every replica follows, one
at a time (services/teaching/model_rollout.py): each says who it is in X-Rasa-Replica
(bot/endpoints-pull.yml; else its address counts), and a replica whose turn has not come
keeps getting 304 for the model it runs. `GET /rasa/rollout` shows where each replica is.

Rasa presents `?token=` (RASA_AUTH_TOKEN, the secret the app already shares with Rasa's
HTTP API); without the right one the answer is 401. Internal only: the ingress routes
patients to the app's public paths, never /rasa/ (docs/operations.md).
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from flask import Blueprint, Flask, Response, abort, jsonify, request, send_file

from services.teaching.model_lifecycle import LifecyclePaths
from services.teaching.model_rollout import hand_file, rollout_status
from services.teaching.model_serving import served_model
from web.context import service_context

log = logging.getLogger(__name__)
bp = Blueprint("model_server", __name__)
REPLICA_HEADER = "X-Rasa-Replica"
REPLICA_NAME = re.compile(r"[\w.:\-]{1,120}")  # a pod name, a host:port, an address


def _authorised() -> None:
    token = service_context().settings.rasa_auth_token
    if token and not hmac.compare_digest(request.args.get("token", "").encode(), token.encode()):
        abort(401)


def _replica() -> str:
    name = request.headers.get(REPLICA_HEADER) or request.remote_addr or ""
    if not REPLICA_NAME.fullmatch(name):
        abort(400)
    return name


@bp.get("/rasa/model")
def model() -> Response:
    _authorised()
    ctx = service_context()
    served = served_model(ctx, LifecyclePaths.from_settings(ctx.settings))
    if served is None:
        log.warning("no model to serve to Rasa")
        abort(404)
    replica = _replica()
    reported = next(iter(request.if_none_match.as_set()), None)
    send = hand_file(
        ctx, replica=replica, reported=reported, target=served.etag, step_seconds=ctx.settings.rasa_rollout_step_seconds
    )
    if not send:  # up to date, or not its turn yet: it keeps the tag it sent
        response = Response(status=304)
        response.set_etag(reported or served.etag)
    else:
        log.info("serving a model to Rasa", extra={"etag": served.etag, "replica": replica})
        response = send_file(served.path, mimetype="application/gzip", conditional=False, etag=False)
        response.headers["filename"] = served.filename  # Rasa names the downloaded file by it
        response.set_etag(served.etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/rasa/rollout")
def rollout() -> Response:
    """Where each replica stands: the model it runs, the one loading now."""
    _authorised()
    ctx = service_context()
    served = served_model(ctx, LifecyclePaths.from_settings(ctx.settings))
    view = rollout_status(ctx, served.etag if served else None)

    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return jsonify(
        {
            "target": view.target,
            "done": view.done,
            "moving": view.moving,
            "moving_since": when(view.moving_since),
            "replicas": [
                {"replica": r.replica, "running": r.running, "last_seen_at": when(r.last_seen_at), "handed": r.handed}
                for r in view.replicas
            ],
        }
    )


def init_app(app: Flask) -> None:
    """Registered from app.py; polled by machines on a timer, so no per-IP limit."""
    from web.extensions import limiter

    app.register_blueprint(bp)
    limiter.exempt(bp)
