"""The action server's event loop never waits on the hospital (scripts/action_server.py).

The actions call the hospital's API with blocking `requests`. Here the hospital (a local
HTTP server, the far side of the network) takes 2 s to open a hand-off; three patients
ask for a person at once on a one-worker action server. All three are answered in about
2 s, not 6, and the health probe answers at once meanwhile: before the fix the first
slow call held the whole process.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.rasa.conftest import RASA_PYTHON, ROOT, free_port, rasa_env, require_rasa, stop, wait_for

TOKEN = "action-secret-for-event-loop-test"
DELAY = 2.0
PATIENTS = 3


class SlowHospital(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(DELAY)
        body = json.dumps({"id": "h1", "answer_when": "5分钟内"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def action_server(tmp_path: Path) -> Iterator[str]:
    require_rasa()
    hospital = ThreadingHTTPServer(("127.0.0.1", 0), SlowHospital)
    threading.Thread(target=hospital.serve_forever, daemon=True).start()
    port = free_port()
    log = tmp_path / "actions.log"
    env = rasa_env(
        ACTION_SERVER_TOKEN=TOKEN,
        ACTION_SERVER_SANIC_WORKERS="1",
        HOSPITAL_API_URL=f"http://127.0.0.1:{hospital.server_port}",
        HOSPITAL_API_TOKEN="hospital-token",
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(RASA_PYTHON), "scripts/action_server.py", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/health", proc, 120, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        hospital.shutdown()


def _handoff(base: str, n: int) -> tuple[float, dict[str, Any]]:
    sender = f"web:patient{n}"
    call = {
        "next_action": "action_handoff",
        "sender_id": sender,
        "tracker": {"sender_id": sender, "slots": {}, "latest_message": {}, "events": [], "paused": False},
        "domain": {},
    }
    started = time.monotonic()
    response = requests.post(f"{base}/webhook", json=call, headers={"X-Action-Token": TOKEN}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return time.monotonic() - started, response.json()


def test_slow_hospital_calls_run_side_by_side_and_the_loop_stays_free(action_server: str) -> None:
    with ThreadPoolExecutor(PATIENTS) as pool:
        started = time.monotonic()
        futures = [pool.submit(_handoff, action_server, n) for n in range(PATIENTS)]
        time.sleep(0.5)  # every action is now waiting on the hospital
        probe_started = time.monotonic()
        assert requests.get(f"{action_server}/health", timeout=10).status_code == 200
        probe = time.monotonic() - probe_started
        results = [future.result() for future in futures]
        total = time.monotonic() - started

    for _, body in results:  # each patient got the hand-off, from the hospital's answer
        assert {"event": "slot", "timestamp": None, "name": "handoff", "value": True} in body["events"]
        assert body["responses"][0]["response"] == "utter_handoff"
        assert body["responses"][0]["handoff_when"] == "5分钟内"
    print(f"\n{PATIENTS} slow actions in {total:.2f} s (each waits {DELAY} s), health probe {probe * 1000:.0f} ms")
    assert probe < 0.5, f"the health probe waited {probe:.2f} s behind the actions"
    assert total < DELAY * 2, f"{PATIENTS} actions took {total:.2f} s: they ran one after another"
