"""Start the real app under gunicorn on a free local port, for black-box tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from config import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    env: dict[str, str], workers: int = 2, threads: int = 8, log_dir: Path | None = None, port: int | None = None
) -> Iterator[str]:
    port = port or free_port()
    log_path = (log_dir or Path(ROOT / "var")) / f"gunicorn-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_dir = log_path.parent / f"prometheus-{port}"
    full_env = {
        **os.environ,
        "APP_ENV": "test",
        "APP_PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        # cancelled places return at once, as in tests/conftest.py (the delay has its own test)
        "RELEASE_DELAY_SECONDS_MIN": "0",
        "RELEASE_DELAY_SECONDS_MAX": "0",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), "app:create_app()"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        # Each worker trains the triage layer before it answers (gunicorn.conf.py's post_worker_init):
        # about 13 s of CPU each, minutes on a loaded shared machine.
        deadline = time.monotonic() + 240
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
