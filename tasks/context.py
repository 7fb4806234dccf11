"""How a task reaches the service context of the app its worker built."""

from __future__ import annotations

from flask import current_app

from services.context import ServiceContext


def task_context(actor: str = "worker") -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx.acting_as(actor)
