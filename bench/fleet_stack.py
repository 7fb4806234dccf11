"""Several Rasa processes sharing conversations, for bench/rasa_fleet.py.

What `make run` starts (bench/chat_stack.py), with Rasa as a fleet:

- `api`: the app in its own gunicorn, the v1 API the action server calls and, with
  RASA_MODEL_PULL, Rasa's model server (GET /rasa/model) serving
  var/rasa/models/current.tar.gz; up for the whole run;
- `actions`: one scripts/action_server.py for every replica;
- `rasa-0..N-1`: Rasa on bot/endpoints-pull.yml (no `-m`: each pulls the model from
  `api`, naming itself in X-Rasa-Replica), a PostgreSQL tracker store all share (a fresh
  database on the test server) and a Redis lock store (one conversation's turns in
  turn, whichever replica takes them); all started at once, loaded in parallel;
- `web`: the chat edge, started per measurement with RASA_URL listing the first n
  replicas (the app spreads conversations over them, integrations/rasa/fleet.py).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.chat_stack import ACTION_TOKEN, RASA_TOKEN, TOKEN, _gunicorn
from config import ROOT
from tests.concurrency.server import free_port
from tests.databases import POSTGRES_ADMIN_URL
from tests.e2e.stack import MODEL, RASA, _process, seeded_database

LOCK_STORE_DB = "13"  # Redis database for Rasa's locks; the tests use 15
RASA_START_SECONDS = 1800.0  # three ~1.8 GB processes loading at once on a shared 2-core machine
APP_START_SECONDS = 300.0


@dataclass(frozen=True)
class Fleet:
    api_url: str
    rasa_urls: list[str]
    rasa_pids: list[int]
    database_url: str
    directory: Path
    app_env: dict[str, str]
    tracker_url: str = ""
    actions_env: dict[str, str] = field(default_factory=dict)
    action_port: int = 0

    def web(
        self, replicas: int, workers: int = 2, threads: int = 20, source: Path = ROOT
    ) -> AbstractContextManager[None]:
        """The chat edge spreading conversations over the first `replicas` servers, running
        the code of `source` (a checkout; this one by default)."""
        env = {**self.app_env, "RASA_URL": ",".join(self.rasa_urls[:replicas])}
        where = self.directory / _tag(source) / f"web-{replicas}"
        return _gunicorn(where, self.port, workers, threads, env, APP_START_SECONDS, source)

    @contextmanager
    def services(self, source: Path = ROOT) -> Iterator[None]:
        """The v1 API (also Rasa's model server) and the action server, running the code of
        `source`, on the fleet's fixed ports (Rasa knows them): started per row, so a row of
        one checkout and a row of another meet the same Rasa processes."""
        where = self.directory / _tag(source)
        api_port = int(self.api_url.rsplit(":", 1)[1])
        env = {**self.app_env, "RASA_URL": ",".join(self.rasa_urls)}  # the api's /readyz reports them
        actions_env = {**self.actions_env, "PYTHONPATH": str(source)}
        argv = [str(ROOT / ".venv-rasa" / "bin" / "python"), str(source / "scripts" / "action_server.py"),
                "--port", str(self.action_port)]  # fmt: skip
        ready = f"http://127.0.0.1:{self.action_port}/health"
        where.mkdir(parents=True, exist_ok=True)
        with (
            _gunicorn(where / "api", api_port, 1, 20, env, APP_START_SECONDS, source),
            _process(argv, actions_env, where / "actions.log", ready, 180),
        ):
            yield

    @property
    def port(self) -> int:
        return int(self.app_env["APP_PORT_FOR_WEB"])

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tracker_backends(self) -> list[tuple[int, str]]:
        """The PostgreSQL backends serving Rasa's tracker store now, as (pid, "postgres")."""
        if not self.tracker_url:
            return []
        name = self.tracker_url.rsplit("/", 1)[1]
        admin = create_engine(POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with admin.connect() as conn:
                rows = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": name}).all()
        finally:
            admin.dispose()
        return [(int(pid), "postgres") for (pid,) in rows]


def _rasa_env(base: dict[str, str], tracker_url: str, model_url: str, name: str) -> dict[str, str]:
    return {
        **base,
        "RASA_TRACKER_STORE_URL": tracker_url,
        "RASA_LOCK_STORE_TYPE": "redis",
        "RASA_LOCK_STORE_HOST": "127.0.0.1",
        "RASA_LOCK_STORE_PORT": "6379",
        "RASA_LOCK_STORE_DB": LOCK_STORE_DB,
        "RASA_LOCK_STORE_PASSWORD": "",
        "RASA_MODEL_SERVER_URL": model_url,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "RASA_REPLICA_ID": name,
    }


@contextmanager
def _rasa_processes(
    envs: list[dict[str, str]], ports: list[int], directory: Path
) -> Iterator[tuple[list[str], list[int]]]:
    """Start every replica first, then wait for each: they load side by side."""
    processes, urls = [], []
    try:
        for n, (env, port) in enumerate(zip(envs, ports, strict=True)):
            argv = [str(RASA), "run", "--enable-api", "--auth-token", RASA_TOKEN,
                    "--endpoints", str(ROOT / "bot" / "endpoints-pull.yml"),
                    "--credentials", str(ROOT / "bot" / "credentials.yml"),
                    "-i", "127.0.0.1", "-p", str(port)]  # fmt: skip
            with (directory / f"rasa-{n}.log").open("wb") as out:
                processes.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + RASA_START_SECONDS
        for n, (url, process) in enumerate(zip(urls, processes, strict=True)):
            _wait_for_model(url, process, directory / f"rasa-{n}.log", deadline)
        yield urls, [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for_model(url: str, process: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    """Ready means a model loaded (/status names it), as ops/docker/rasa_ready.py checks."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            status = requests.get(f"{url}/status", params={"token": RASA_TOKEN}, timeout=5)
            if status.status_code == 200 and status.json().get("model_file"):
                return
        except requests.RequestException:
            pass
        time.sleep(2)
    raise RuntimeError(f"{url} has no model in time:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def _tracker_database() -> Iterator[str]:
    """An empty UTF8 database on the test server for Rasa's tracker store, dropped afterwards."""
    name = f"rasa_bench_{secrets.token_hex(4)}"
    admin = create_engine(
        POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def fleet_stack(directory: Path, replicas: int) -> Iterator[Fleet]:
    if not MODEL.exists():
        raise RuntimeError("no trained model at var/rasa/models/current.tar.gz: run `make train`")
    models = directory / "models"
    models.mkdir()
    shutil.copyfile(MODEL, models / "current.tar.gz")  # what the app serves as the bootstrap model
    database_url = seeded_database(directory)
    api_port, action_port, web_port = free_port(), free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SANIC_HOST": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "HOSPITAL_API_URL": api_url,
        "HOSPITAL_API_TOKEN": TOKEN,
        "ACTION_SERVER_TOKEN": ACTION_TOKEN,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "LOG_LEVEL": "WARNING",
    }
    app_env = {
        "DATABASE_URL": database_url,
        "HOSPITAL_API_TOKEN": TOKEN,
        "RASA_AUTH_TOKEN": RASA_TOKEN,
        "RASA_MODEL_PULL": "true",
        "RASA_MODELS_DIR": str(models),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{directory / 'broker.sqlite3'}",
        "LOG_LEVEL": "WARNING",
        # As bench/chat_latency.py: consent asked once per patient, and every patient is one address here.
        "PRIVACY_CONSENT_REQUIRED": "false",
        "RATE_LIMIT_CHAT_PER_IP": "100000/minute",
    }
    with ExitStack() as stack:
        tracker_url = stack.enter_context(_tracker_database())
        rasa_ports = [free_port() for _ in range(replicas)]
        fleet = Fleet(
            api_url, [f"http://127.0.0.1:{port}" for port in rasa_ports], [], database_url, directory,
            {**app_env, "APP_PORT_FOR_WEB": str(web_port)}, tracker_url, base, action_port,
        )  # fmt: skip
        with fleet.services():  # the model server while the replicas load; each row starts its own
            envs = [_rasa_env(base, tracker_url, f"{api_url}/rasa/model", f"bench-rasa-{n}") for n in range(replicas)]
            urls, pids = stack.enter_context(_rasa_processes(envs, rasa_ports, directory))
        yield replace(fleet, rasa_urls=urls, rasa_pids=pids)


def _tag(source: Path) -> str:
    """The directory name of a checkout's processes: `here` for this one."""
    return "here" if source.resolve() == ROOT.resolve() else source.resolve().name
