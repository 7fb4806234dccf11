"""A real Celery worker (prefork, one child) serves its own /metrics: a message the
child delivers shows up in the histogram the parent's exporter serves, so a worker
pod is scraped as one target whatever its pool does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from celery import Celery

from app import build_context
from config import ROOT
from db import Database
from services.notifications import outbox
from tests.conftest import settings_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scrape(url: str) -> str | None:
    try:
        return requests.get(url, timeout=2).text
    except requests.RequestException:
        return None


def test_a_prefork_worker_exports_what_its_children_measure(database_url: str, tmp_path: Path) -> None:
    ctx = build_context(settings_for(database_url), Database(database_url))
    with ctx.db.transaction() as session:
        outbox.enqueue(
            session, ctx.cipher, dedupe_key="exporter:1", channel="sms", kind="t", recipient="13800138000", text="x"
        )
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "WORKER_METRICS_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "-P", "prefork", "-c", "1", "-l", "info"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 90
        while _scrape(url) is None:  # the exporter is up once the worker has started
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        Celery(broker=broker).send_task("outbox.deliver_due")
        sample = 'hospital_outbox_delivery_seconds_count{channel="sms"} 1.0'
        while sample not in (_scrape(url) or ""):
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        assert 'hospital_outbox_deliveries_total{channel="sms",result="sent"} 1.0' in (_scrape(url) or "")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        ctx.db.dispose()
