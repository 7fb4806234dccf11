"""Metrics from Celery workers. A worker is its own pod in production, so it serves
its own `/metrics` on WORKER_METRICS_PORT (0: off, as under `make run`, where the
web process's multiprocess directory is not the worker's). With a prefork pool the
tasks run in child processes: PROMETHEUS_MULTIPROC_DIR must be set in the worker's
environment (ops/k8s: an emptyDir), and the exporter aggregates the children.

Exported here: task failures by task name; the tasks' own metrics live beside
them (tasks/metrics.py, services/notifications/metrics.py)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from celery.signals import task_failure, worker_init, worker_process_shutdown
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from config import Settings
from tasks.metrics import TASK_FAILURES

log = logging.getLogger(__name__)


def exporter_registry() -> CollectorRegistry:
    """Every process's values when the worker runs in multiprocess mode, else this process's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def start_exporter(address: str, port: int) -> int:
    """Serve /metrics on (address, port); returns the bound port (useful with port 0 in tests)."""
    server, _thread = start_http_server(port, addr=address, registry=exporter_registry())
    return int(server.server_port)


def _count_failure(sender: Any = None, **_: Any) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


def init_worker_metrics(settings: Settings) -> None:
    """Wire the signals once per process that builds Celery (web, worker, beat)."""
    task_failure.connect(_count_failure, weak=False, dispatch_uid="hospital.task_failures")
    if settings.worker_metrics_port:

        def _on_worker_init(**_: Any) -> None:
            directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
            if directory:  # the children are not forked yet: a fresh directory per worker start
                shutil.rmtree(directory, ignore_errors=True)
                Path(directory).mkdir(parents=True, exist_ok=True)
            port = start_exporter(settings.bind_address, settings.worker_metrics_port)
            log.info("worker metrics exporter listening", extra={"port": port})

        worker_init.connect(_on_worker_init, weak=False, dispatch_uid="hospital.worker_exporter")
        worker_process_shutdown.connect(_mark_dead, weak=False, dispatch_uid="hospital.worker_dead")


def _mark_dead(pid: int | None = None, **_: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())
