"""Handing work to the background: a small interface the services and the web edge
use instead of importing Celery (which would run the import graph back up to the
application). Celery stands behind it in every process `create_app` builds
(tasks/queue.py); the in-memory twin records what was sent, for scripts and tests."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable


class TaskQueue(ABC):
    @abstractmethod
    def send(self, name: str, *args: object) -> None:
        """Queue the task registered under `name` (tasks are named explicitly) with
        plain arguments: ids, never ORM objects."""


class InMemoryTaskQueue(TaskQueue):
    """Keeps what was sent; `run`, when given, executes each task at once (tests)."""

    def __init__(self, run: Callable[[str, tuple[object, ...]], None] | None = None) -> None:
        self.sent: list[tuple[str, tuple[object, ...]]] = []
        self._run = run

    def send(self, name: str, *args: object) -> None:
        self.sent.append((name, args))
        if self._run is not None:
            self._run(name, args)
