"""The app as Rasa's model server, with real Rasa processes pulling from it.

Two Rasa replicas start with bot/endpoints-pull.yml and no model of their own: each
pulls the app's (GET /rasa/model, with the token and ETag). A version activated in the
console (RASA_MODEL_PULL: activation only records the choice) then reaches both
replicas on their next poll, and both answer with it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from app import build_context
from integrations.rasa.fleet import model_server_for
from services.teaching import model_lifecycle as ml
from tests.concurrency.server import running_server
from tests.conftest import SERVICE_TOKEN, settings_for
from tests.databases import sqlite_copy
from tests.rasa.conftest import MODEL, RASA, ROOT, free_port, rasa_env, require_model, stop

pytestmark = [pytest.mark.slow, pytest.mark.rasa]
LOADS = pytest.mark.timeout(2700)  # two replicas load a 100 MB model twice, the second time one after the other
PULL_ENDPOINTS = ROOT / "bot" / "endpoints-pull.yml"
TOKEN = "rasa-pull-test-token-0123456789abcdef0123456789ab"
REPLICAS = 2


def test_the_pull_endpoints_are_the_usual_ones_plus_models() -> None:
    usual = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text(encoding="utf-8"))
    pull = yaml.safe_load(PULL_ENDPOINTS.read_text(encoding="utf-8"))
    models = pull.pop("models")
    assert pull == usual, "endpoints-pull.yml must differ from endpoints.yml only by `models`"
    assert models["url"] == "${RASA_MODEL_SERVER_URL}" and models["token"] == "${RASA_AUTH_TOKEN}"
    assert isinstance(models["wait_time_between_pulls"], int)  # Rasa schedules with it as a number
    assert models["headers"] == {"X-Rasa-Replica": "${RASA_REPLICA_ID}"}  # the rollout's turns


def _status(url: str) -> dict[str, Any] | None:
    try:
        response = requests.get(f"{url}/status", params={"token": TOKEN}, timeout=5)
    except requests.RequestException:
        return None
    return response.json() if response.status_code == 200 else None


def _wait_for_model(urls: list[str], wanted: Any, seconds: float, logs: list[Path]) -> dict[str, str]:
    """Each replica's loaded model file, once every one satisfies `wanted`."""
    deadline = time.monotonic() + seconds
    files: dict[str, str] = {}
    while time.monotonic() < deadline:
        for url in urls:
            status = _status(url)
            if status and status.get("model_file"):
                files[url] = status["model_file"]
        if len(files) == len(urls) and all(wanted(name) for name in files.values()):
            return files
        time.sleep(1)
    tails = "\n".join(log.read_text(errors="replace")[-1500:] for log in logs)
    raise AssertionError(f"replicas run {files} after {seconds:.0f} s\n{tails}")


@pytest.fixture
def app_server(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    require_model()
    models = tmp_path / "models"
    models.mkdir()
    shutil.copyfile(MODEL, models / "current.tar.gz")  # what `make train` made: the bootstrap
    database_url = sqlite_copy(sqlite_template, tmp_path)
    env = {
        "DATABASE_URL": database_url,
        "HOSPITAL_API_TOKEN": SERVICE_TOKEN,
        "RASA_AUTH_TOKEN": TOKEN,
        "RASA_MODEL_PULL": "true",
        "RASA_MODELS_DIR": str(models),
    }
    with running_server(env, workers=1, threads=4, log_dir=tmp_path) as base:
        yield base, database_url, models


@pytest.fixture
def replicas(app_server: tuple[str, str, Path], tmp_path: Path) -> Iterator[tuple[list[str], list[Path]]]:
    base = app_server[0]
    processes, urls, logs = [], [], []
    try:
        for n in range(REPLICAS):
            port = free_port()
            env = rasa_env(
                ACTION_SERVER_URL="http://127.0.0.1:9/webhook",
                ACTION_SERVER_TOKEN="unused",
                RASA_TRACKER_STORE_URL=f"sqlite:///{tmp_path / f'tracker{n}.db'}",
                RASA_LOCK_STORE_TYPE="in_memory",
                RASA_LOCK_STORE_HOST="",
                RASA_LOCK_STORE_PORT="",
                RASA_LOCK_STORE_DB="",
                RASA_LOCK_STORE_PASSWORD="",
                RASA_MODEL_SERVER_URL=f"{base}/rasa/model",
                RASA_AUTH_TOKEN=TOKEN,
                RASA_REPLICA_ID=f"replica-{n}",
            )
            log = tmp_path / f"rasa{n}.log"
            args = [str(RASA), "run", "--enable-api", "--auth-token", TOKEN, "--endpoints", str(PULL_ENDPOINTS)]
            args += ["-i", "127.0.0.1", "-p", str(port)]
            with log.open("wb") as out:
                processes.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        yield urls, logs
    finally:
        for process in processes:
            stop(process)


@LOADS
def test_activation_in_the_console_reaches_every_replica(
    app_server: tuple[str, str, Path], replicas: tuple[list[str], list[Path]]
) -> None:
    base, database_url, models = app_server
    urls, logs = replicas
    # No `-m`: what each replica runs, it pulled from the app.
    first = _wait_for_model(urls, lambda name: name.startswith("bootstrap-"), 900, logs)  # a busy 2-core machine
    assert len(set(first.values())) == 1
    # Each said who it is (X-Rasa-Replica from endpoints-pull.yml): the rollout's turns are per replica.
    rollout = requests.get(f"{base}/rasa/rollout", params={"token": TOKEN}, timeout=10).json()
    assert {r["replica"] for r in rollout["replicas"]} == {f"replica-{n}" for n in range(REPLICAS)}

    ctx = build_context(settings_for(database_url, rasa_models_dir=models, rasa_model_pull=True))
    try:
        version = ml.register_model(ctx, MODEL, author="staff:test", paths=ml.LifecyclePaths(models=models))
        activated_at = time.monotonic()
        ml.activate(ctx, version, model_server_for(ctx.settings.rasa_url, TOKEN, pulled=True), actor="staff:test")
    finally:
        ctx.db.dispose()

    _wait_for_model(urls, lambda name: name == f"{version}.tar.gz", 1200, logs)  # staggered: one load after the other
    print(f"\nthe activated model reached {REPLICAS} replicas in {time.monotonic() - activated_at:.1f} s")
    time.sleep(12)  # one more poll each: the last replica reports the new tag, which ends the rollout
    rollout = requests.get(f"{base}/rasa/rollout", params={"token": TOKEN}, timeout=10).json()
    assert rollout["done"] and {r["running"] for r in rollout["replicas"]} == {f"version-{version}"}, rollout
    for url in urls:  # and each answers with it
        parsed = requests.post(f"{url}/model/parse", params={"token": TOKEN}, json={"text": "我想挂号"}, timeout=60)
        assert parsed.status_code == 200 and parsed.json()["intent"]["name"], parsed.text[:300]
