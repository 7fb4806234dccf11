"""How web code reaches the one service context `create_app` built."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, g, has_request_context

from services.context import ServiceContext


def service_context() -> ServiceContext:
    """The context, carrying the id of the request in hand (web/requestlog.py), so every
    audit entry written under it, helpers' included, names the request."""
    ctx: ServiceContext = current_app.extensions["hospital"]
    request_id = g.get("request_id") if has_request_context() else None
    if request_id and ctx.request_id != request_id:
        return replace(ctx, request_id=request_id)
    return ctx
