"""Celery wired to Flask (Flask's own pattern): every task runs in an app context.

`create_app` calls `celery_init_app`, so every process it builds (web, worker, beat)
has the same Celery and hands work to it through the services' `TaskQueue`. The
embedded default broker is a SQLite file through kombu's SQLAlchemy transport, so
`make run` needs no broker server; production sets CELERY_BROKER_URL to Redis.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from tasks.schedule import BEAT_SCHEDULE
from tasks.worker_metrics import init_worker_metrics

TASK_MODULES = [
    "tasks.maintenance",
    "tasks.channels",
    "tasks.handoffs",
    "tasks.payments",
    "tasks.notifications",
    "tasks.training",
    "tasks.retention",
]


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    settings = app.config["SETTINGS"]
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=settings.celery_broker_url,
        result_backend=settings.celery_result_backend,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        beat_schedule=BEAT_SCHEDULE,
        timezone="Asia/Shanghai",
        include=TASK_MODULES,
        # Redis hands a dead worker's unacked task to another after this long.
        broker_transport_options=(
            {"visibility_timeout": settings.celery_visibility_timeout, "unacked_restore_throttle": 1}
            if settings.celery_broker_url.startswith(("redis://", "rediss://"))
            else {}
        ),
    )
    celery.set_default()
    init_worker_metrics(settings)
    app.extensions["celery"] = celery
    return celery
