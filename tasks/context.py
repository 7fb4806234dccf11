"""How a task reaches the service context of the app its worker built."""

from __future__ import annotations

from celery import current_task
from flask import current_app

from services.context import ServiceContext


def task_id() -> str | None:
    """The running Celery task's id as audit entries keep it in place of a request id,
    "task:<id>" (dashes dropped, to fit 40 characters); None outside a task."""
    request = getattr(current_task, "request", None) if current_task else None
    found = getattr(request, "id", None)
    return f"task:{str(found).replace('-', '')}"[:40] if found else None


def task_context(actor: str = "worker") -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["hospital"]
    return ctx.acting_as(actor, task_id())
