"""The whole system for bench/chat_latency.py, wired as `make run` wires it (Procfile):

- `web`: the app under gunicorn (`WEB_CONCURRENCY` x `GUNICORN_THREADS`), the chat edge;
- `api`: the same app in its own gunicorn, the only one the action server calls
  (`HOSPITAL_API_URL`), so a chat turn never holds a thread its own actions need;
- `actions`: scripts/action_server.py (each action off Sanic's event loop, the shared
  secret checked), not bare `rasa run actions`, which runs the actions' blocking API
  calls on its event loop one at a time;
- `rasa`: the trained model, an auth token, a SQLite tracker store of its own.

tests/e2e/stack.py starts the same parts for the end-to-end tests; this one takes the
worker and thread counts as arguments and leaves every process's request log (the app's
JSON lines with `duration_ms`) in the directory for the profile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from config import ROOT
from tests.concurrency.server import free_port
from tests.e2e.stack import MODEL, RASA, _process, seeded_database

TOKEN = "bench-service-token-0123456789"
RASA_TOKEN = "bench-rasa-token-0123456789"
ACTION_TOKEN = "bench-action-token-0123456789"


@dataclass(frozen=True)
class Processes:
    """How many of each, as the Procfile's environment would set them."""

    web_workers: int = 2  # WEB_CONCURRENCY
    web_threads: int = 20  # GUNICORN_THREADS (gunicorn.conf.py)
    api_workers: int = 1  # API_CONCURRENCY
    api_threads: int = 20
    action_threads: int = 16  # ACTION_SERVER_THREADS
    rasa_start_seconds: float = 900.0  # the model loads in ~1 min on a quiet machine, far longer on a busy one
    app_start_seconds: float = 300.0  # each worker warms the triage engine up before it answers


@dataclass(frozen=True)
class ChatStack:
    app_url: str
    rasa_url: str
    rasa_token: str
    database_url: str
    directory: Path

    def logs(self, name: str) -> Path:
        return self.directory / name


@contextmanager
def chat_stack(directory: Path, processes: Processes, app_env: dict[str, str]) -> Iterator[ChatStack]:
    if not MODEL.exists():
        raise RuntimeError("no trained model at var/rasa/models/current.tar.gz: run `make train`")
    database_url = seeded_database(directory)
    app_port, api_port, rasa_port, action_port = free_port(), free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    env = {**rasa_env(directory, api_port, action_port), "ACTION_SERVER_THREADS": str(processes.action_threads)}
    app = {
        "DATABASE_URL": database_url,
        "HOSPITAL_API_TOKEN": TOKEN,
        "RASA_URL": rasa_url,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{directory / 'broker.sqlite3'}",
        "LOG_LEVEL": "INFO",  # one JSON line per request, with its duration: the profile reads them
        **app_env,
    }
    with ExitStack() as stack:
        stack.enter_context(
            _process(
                [str(ROOT / ".venv-rasa" / "bin" / "python"), "scripts/action_server.py", "--port", str(action_port)],
                env, directory / "actions.log", f"http://127.0.0.1:{action_port}/health", 180,
            )
        )  # fmt: skip
        stack.enter_context(
            _process(
                [str(RASA), "run", "--enable-api", "--auth-token", RASA_TOKEN, "-m", str(MODEL),
                 "--endpoints", str(ROOT / "bot" / "endpoints.yml"),
                 "--credentials", str(ROOT / "bot" / "credentials.yml"), "-i", "127.0.0.1", "-p", str(rasa_port)],
                env, directory / "rasa.log", f"{rasa_url}/status?token={RASA_TOKEN}", processes.rasa_start_seconds,
            )
        )  # fmt: skip
        for name, port, workers, threads in (
            ("api", api_port, processes.api_workers, processes.api_threads),
            ("web", app_port, processes.web_workers, processes.web_threads),
        ):
            stack.enter_context(_gunicorn(directory / name, port, workers, threads, app, processes.app_start_seconds))
        yield ChatStack(f"http://127.0.0.1:{app_port}", rasa_url, RASA_TOKEN, database_url, directory)


def rasa_env(directory: Path, api_port: int, action_port: int, path_first: str | None = None) -> dict[str, str]:
    """The environment of Rasa and the action server: the action server calls the v1 API on
    `api_port` (the Procfile's `api`, never the chat edge); one SQLite tracker store and an
    in-memory lock store, as under `make run`. `path_first`: directories put before the
    repository on PYTHONPATH (another version of a library, tried before it is pinned)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SANIC_HOST": "127.0.0.1",
        "PYTHONPATH": os.pathsep.join(p for p in (path_first, str(ROOT)) if p),
        "HOSPITAL_API_URL": f"http://127.0.0.1:{api_port}",
        "HOSPITAL_API_TOKEN": TOKEN,
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_TRACKER_STORE_URL": f"sqlite:///{directory / 'tracker.db'}",
        "RASA_LOCK_STORE_TYPE": "in_memory",
        **{f"RASA_LOCK_STORE_{k}": "" for k in ("HOST", "PORT", "DB", "PASSWORD")},
        "LOG_LEVEL": "WARNING",
    }


def _gunicorn(
    directory: Path,
    port: int,
    workers: int,
    threads: int,
    app: dict[str, str],
    seconds: float,
    source: Path = ROOT,
) -> AbstractContextManager[None]:
    """The app under gunicorn as tests/concurrency/server.py starts it, with a start-up wait
    a busy machine can meet (its 60 s is not). `source`: the checkout whose code it runs (a
    git worktree of another commit, for a before/after in one run), with this venv."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "APP_ENV": "test",
        "APP_PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "PROMETHEUS_MULTIPROC_DIR": str(directory / "prometheus"),
        "PYTHONPATH": str(source),
        **app,
    }
    argv = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(source / "gunicorn.conf.py"),
            "--chdir", str(source), "app:create_app()"]  # fmt: skip
    return _process(argv, env, directory / f"gunicorn-{port}.log", f"http://127.0.0.1:{port}/healthz", seconds)
