"""How web code reaches the one service context `create_app` built."""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from flask import Flask, Request, current_app, g, has_request_context, request
from flask.ctx import _AppCtxGlobals

from services.context import ServiceContext


# Werkzeug's proxies (`request`, `g`, `current_app`) find an attribute only after the normal
# lookup on the proxy has failed: each read makes and drops an AttributeError and a partial,
# some microseconds, and a booking attempt read them about 45 times (issue 14; docs/
# benchmarks.md, session 30). Code on a hot path takes the objects once and reads them directly.
def current_request() -> Request:
    """The request in hand itself, not the proxy."""
    return cast(Request, request._get_current_object())  # type: ignore[attr-defined]


def current_g() -> _AppCtxGlobals:
    """This request's `g` itself, not the proxy."""
    return cast(_AppCtxGlobals, g._get_current_object())


def current_flask() -> Flask:
    """The app in hand itself, not the proxy."""
    return cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]


def service_context() -> ServiceContext:
    """The context, carrying the id of the request in hand (web/requestlog.py), so every
    audit entry written under it, helpers' included, names the request."""
    ctx: ServiceContext = current_app.extensions["hospital"]
    request_id = g.get("request_id") if has_request_context() else None
    if request_id and ctx.request_id != request_id:
        return replace(ctx, request_id=request_id)
    return ctx
