"""The whole system on one machine, for end-to-end tests and benchmarks:
the app under gunicorn on a fresh, seeded SQLite database, the Rasa action
server, and the Rasa server with the trained model — each a real process on a
free local port, wired as `make run` wires them."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import xmltodict
from twilio.request_validator import RequestValidator

from app import build_context
from config import ROOT, load_settings
from services.seed import seed_demo_hospital
from tests.concurrency.server import free_port, running_server
from tests.databases import migrate

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# STACK_RASA_MODEL lets a developer play a model trained elsewhere (e.g. /tmp) without
# replacing the one `make train` keeps.
MODEL = Path(os.environ.get("STACK_RASA_MODEL") or ROOT / "var" / "rasa" / "models" / "current.tar.gz")
# Loading the model takes ~40-60 s on a quiet 2-core machine, far longer on a loaded one.
RASA_START_SECONDS = float(os.environ.get("STACK_RASA_START_SECONDS", "300"))
TOKEN = "e2e-service-token-0123456789"
TWILIO_TOKEN = "e2e-twilio-auth-token"  # the SMS channel's webhook signatures (the SMS journey)


@dataclass(frozen=True)
class Stack:
    app_url: str
    rasa_url: str
    database_url: str
    # Where the processes keep what they were told: Rasa's tracker store, the Celery broker
    # and the processes' logs (all in the stack's directory), for the PII scan (issue 11.5).
    tracker_url: str = ""
    broker_url: str = ""
    directory: Path | None = None
    token: str = TOKEN
    # One browser per sender: the server's session cookie carries the conversation (web/chat_session.py).
    browsers: dict[str, requests.Session] = field(default_factory=dict, compare=False)

    def chat(self, sender: str, message: str) -> list[dict[str, Any]]:
        browser = self.browsers.setdefault(sender, requests.Session())
        response = browser.post(f"{self.app_url}/api/v1/chat", json={"sender": sender, "message": message}, timeout=60)
        response.raise_for_status()
        return list(response.json()["messages"])

    def sms(self, phone: str, body: str) -> str:
        """A text from `phone` through the signed Twilio webhook; the TwiML answer's text."""
        fields = {"MessageSid": f"SM{secrets.token_hex(16)}", "AccountSid": "AC" + "0" * 32, "From": phone,
                  "To": "+15005550006", "Body": body, "NumMedia": "0"}  # fmt: skip
        url = f"{self.app_url}/channels/sms"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, fields)
        response = requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=60)
        response.raise_for_status()
        answer = xmltodict.parse(response.text, force_list=("Message",))["Response"] or {}
        return "\n".join(str(m) for m in answer.get("Message", []))

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.app_url + path, headers=headers, timeout=30, **kwargs)


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {seconds:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def _process(argv: list[str], env: dict[str, str], log: Path, ready_url: str, seconds: float) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(ready_url, process, log, seconds)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def seeded_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'hospital.sqlite3'}"
    migrate(url)
    ctx = build_context(load_settings(app_env="test", database_url=url, celery_broker_url="memory://"))
    seed_demo_hospital(ctx)
    ctx.db.dispose()
    return url


@contextmanager
def full_stack(directory: Path, app_env: dict[str, str] | None = None) -> Iterator[Stack]:
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train`")
    database_url = seeded_database(directory)
    app_port, api_port, rasa_port, action_port = free_port(), free_port(), free_port(), free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    # Rasa keeps its conversations in a SQLite tracker store of its own, as under `make run`,
    # and the app queues tasks in a SQLite broker: the PII scan reads both after the journeys.
    tracker_db, broker_url = directory / "tracker.db", f"sqla+sqlite:///{directory / 'broker.sqlite3'}"
    endpoints = directory / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: "{tracker_db}"\n',
        encoding="utf-8",
    )
    rasa_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SANIC_HOST": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
        "HOSPITAL_API_URL": f"http://127.0.0.1:{api_port}",  # the Procfile's `api`: not the chat edge
        "HOSPITAL_API_TOKEN": TOKEN,
    }
    with ExitStack() as stack:
        stack.enter_context(
            _process(
                [str(RASA), "run", "actions", "--actions", "actions", "-p", str(action_port)],
                rasa_env, directory / "actions.log", f"http://127.0.0.1:{action_port}/health", 120,
            )
        )  # fmt: skip
        stack.enter_context(
            _process(
                [str(RASA), "run", "--enable-api", "-m", str(MODEL), "--endpoints", str(endpoints),
                 "--credentials", str(ROOT / "bot" / "credentials.yml"), "-i", "127.0.0.1", "-p", str(rasa_port)],
                rasa_env, directory / "rasa.log", f"{rasa_url}/status", RASA_START_SECONDS,
            )
        )  # fmt: skip
        # The app reaches the same tracker store as Rasa (deletion, retention) and takes signed SMS.
        app_env = {"RASA_TRACKER_STORE_URL": f"sqlite:///{tracker_db}", "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                   **(app_env or {})}  # fmt: skip
        app_env_all = {"DATABASE_URL": database_url, "HOSPITAL_API_TOKEN": TOKEN, "RASA_URL": rasa_url,
                       "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}", "CELERY_BROKER_URL": broker_url,
                       **app_env}  # fmt: skip
        stack.enter_context(running_server(app_env_all, workers=1, log_dir=directory, port=api_port))
        app_url = stack.enter_context(
            running_server(
                {"DATABASE_URL": database_url, "HOSPITAL_API_TOKEN": TOKEN, "RASA_URL": rasa_url,
                 "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}", "CELERY_BROKER_URL": broker_url,
                 "RATE_LIMIT_CHAT_PER_SENDER": "1000/minute", "RATE_LIMIT_PUBLIC": "100000/minute",
                 "RATE_LIMIT_CHAT_PER_IP": "100000/minute", **app_env},
                log_dir=directory, port=app_port,
            )
        )  # fmt: skip
        yield Stack(
            app_url=app_url,
            rasa_url=rasa_url,
            database_url=database_url,
            tracker_url=f"sqlite:///{tracker_db}",
            broker_url=broker_url,
            directory=directory,
        )
