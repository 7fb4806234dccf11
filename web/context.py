"""How web code reaches the one service context `create_app` built."""

from __future__ import annotations

from flask import current_app

from services.context import ServiceContext


def service_context() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx
