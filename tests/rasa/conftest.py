"""Fixtures that drive the Rasa side from the app's pytest (Python 3.11).

Rasa lives in its own venv (.venv-rasa, Python 3.10), so everything here shells
out to it: ``rasa data validate``, ``rasa test core``, and one session-wide
``rasa run --enable-api`` (loading the model costs a minute or more, so it is loaded
once; each module gets a fresh fake hospital) wired to a real action server, which talks over HTTP to a fake hospital
running in this process (tests/actions/fake_hospital.py, standard library).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.actions.fake_hospital import TOKEN, FakeHospital, FakeHospitalServer

ROOT = Path(__file__).resolve().parents[2]
RASA_VENV = ROOT / ".venv-rasa"
RASA = RASA_VENV / "bin" / "rasa"
RASA_PYTHON = RASA_VENV / "bin" / "python"
# STACK_RASA_MODEL: a model trained elsewhere (e.g. /tmp), as for tests/e2e/stack.py
MODEL = Path(os.environ.get("STACK_RASA_MODEL") or ROOT / "var" / "rasa" / "models" / "current.tar.gz")
# How long Rasa may take to load the model: 300 s, more on a shared machine (it took longer at load 13).
RASA_START_SECONDS = float(os.environ.get("RASA_START_SECONDS") or 300)


def rasa_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        PYTHONPATH=str(ROOT),
        TF_CPP_MIN_LOG_LEVEL="3",
        SANIC_HOST="127.0.0.1",
        **extra,
    )
    return env


def require_rasa() -> None:
    if not RASA.exists():
        pytest.skip("the Rasa venv is missing: run `make .venv-rasa/.stamp`")


def require_model() -> None:
    require_rasa()
    if not MODEL.exists():
        pytest.fail("no trained model at var/rasa/models/current.tar.gz: run `make train`")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, proc: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not ready after {seconds:.0f}s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@dataclass
class RasaStack:
    url: str
    hospital: FakeHospital

    def parse(self, text: str) -> dict[str, Any]:
        resp = requests.post(f"{self.url}/model/parse", json={"text": text}, timeout=30)
        resp.raise_for_status()
        return dict(resp.json())

    def say(self, sender: str, text: str, channel: str = "web") -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, "metadata": {"channel": channel}}
        resp = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        resp.raise_for_status()
        return list(resp.json())


@pytest.fixture(scope="session")
def _rasa_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """Fake hospital <- action server <- Rasa server with the trained model, started once
    for the session: loading the model costs a minute or more on a 2-core machine, and
    five modules talk to it (one load each cost CI about five minutes)."""
    require_model()
    tmp = tmp_path_factory.mktemp("rasa")
    rasa_port, action_port = free_port(), free_port()
    endpoints = tmp / "endpoints.yml"  # in-memory tracker store: nothing left behind
    endpoints.write_text("action_endpoint:\n  url: ${ACTION_SERVER_URL}\n", encoding="utf-8")
    with FakeHospitalServer() as fake:
        env = rasa_env(
            HOSPITAL_API_URL=fake.url,
            HOSPITAL_API_TOKEN=TOKEN,
            ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook",
        )
        action_log, rasa_log = tmp / "actions.log", tmp / "rasa.log"
        with action_log.open("wb") as alog, rasa_log.open("wb") as rlog:
            actions = subprocess.Popen(
                [str(RASA), "run", "actions", "--actions", "actions", "-p", str(action_port)],
                cwd=ROOT, env=env, stdout=alog, stderr=subprocess.STDOUT,
            )  # fmt: skip
            rasa = subprocess.Popen(
                [str(RASA), "run", "--enable-api", "-m", str(MODEL), "--endpoints", str(endpoints),
                 "--credentials", str(ROOT / "bot" / "credentials.yml"), "-i", "127.0.0.1", "-p", str(rasa_port)],
                cwd=ROOT, env=env, stdout=rlog, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                wait_for(f"http://127.0.0.1:{action_port}/health", actions, 120, action_log)
                wait_for(f"http://127.0.0.1:{rasa_port}/status", rasa, RASA_START_SECONDS, rasa_log)
                yield RasaStack(url=f"http://127.0.0.1:{rasa_port}", hospital=fake.hospital)
            finally:
                stop(rasa)
                stop(actions)


@pytest.fixture(scope="module")
def rasa_stack(_rasa_servers: RasaStack) -> RasaStack:
    """The session's Rasa stack with a fresh fake hospital for each module, as when every
    module started its own: a module's slots, patients and triage answer never reach the
    next. (Senders are unique per test, so Rasa's in-memory trackers do not mix.)"""
    _rasa_servers.hospital.__dict__.update(FakeHospital().__dict__)
    return _rasa_servers
