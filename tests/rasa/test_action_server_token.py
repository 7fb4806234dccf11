"""The action server (scripts/action_server.py) runs an action only for a caller
that carries the shared secret Rasa sends; the health probe stays open."""

from __future__ import annotations

import subprocess
from pathlib import Path

import requests

from tests.rasa.conftest import RASA_PYTHON, ROOT, free_port, rasa_env, require_rasa, stop, wait_for

TOKEN = "action-secret-for-tests"


def test_actions_need_the_shared_secret(tmp_path: Path) -> None:
    require_rasa()
    port = free_port()
    log = tmp_path / "actions.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(RASA_PYTHON), "scripts/action_server.py", "--port", str(port)],
            cwd=ROOT, env=rasa_env(ACTION_SERVER_TOKEN=TOKEN, ACTION_SERVER_SANIC_WORKERS="1"),
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/health", proc, 120, log)
            assert requests.get(f"{base}/actions", timeout=5).status_code == 401
            wrong = {"X-Action-Token": TOKEN[:-1] + "x"}
            assert requests.post(f"{base}/webhook", json={}, headers=wrong, timeout=5).status_code == 401
            listed = requests.get(f"{base}/actions", headers={"X-Action-Token": TOKEN}, timeout=5)
            assert listed.status_code == 200
            assert "action_answer_faq" in {a["name"] for a in listed.json()}
        finally:
            stop(proc)


def test_production_refuses_to_start_without_a_secret() -> None:
    require_rasa()
    env = rasa_env(APP_ENV="production", ACTION_SERVER_TOKEN="")
    result = subprocess.run(
        [str(RASA_PYTHON), "scripts/action_server.py", "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "ACTION_SERVER_TOKEN must be set" in result.stderr
