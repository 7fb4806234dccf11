"""Celery behind the services' `TaskQueue`."""

from __future__ import annotations

from celery import Celery

from services.task_queue import TaskQueue


class CeleryTaskQueue(TaskQueue):
    def __init__(self, celery: Celery) -> None:
        self._celery = celery

    def send(self, name: str, *args: object) -> None:
        self._celery.send_task(name, args=list(args))
