"""The worker and beat entry point: `celery -A celery_app worker` / `celery -A celery_app beat`
look up `app` here, which builds the application from the environment (and with it
its Celery, tasks/celery_wiring.py) only then, not at import."""

from __future__ import annotations

from typing import Any

from celery import Celery

from tasks.celery_wiring import celery_init_app

__all__ = ["celery_init_app"]

_built: list[Celery] = []


def _make() -> Celery:
    from app import create_app

    celery: Celery = create_app().extensions["celery"]
    return celery


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        if not _built:
            _built.append(_make())
        return _built[0]
    raise AttributeError(name)
