"""Rasa deployed without a model of its own: it pulls the active one from the app.

The schema check of every manifest is tests/unit/test_ops_deployment.py; here the wiring
a schema cannot see, and which only a cluster would otherwise show: Rasa starts on the
pull endpoints with no `-m`, its model server URL is the web Service's /rasa/model, each
pod names itself for the staggered rollout, readiness waits for a loaded model (the probe
script is run here against a stand-in for Rasa's /status), the image carries no model,
and web and worker share the volume the model files live on. No cluster ran these.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from tests.unit.test_ops_deployment import COMPOSE, DOCKER, ROOT, Doc, containers, of_kind

READY_SCRIPT = ROOT / "ops" / "docker" / "rasa_ready.py"


def _rasa() -> Doc:
    return containers(of_kind("Deployment")["rasa"])[0]


def _env(container: Doc) -> dict[str, Doc]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def test_rasa_pulls_from_the_web_service_and_names_its_pod() -> None:
    rasa, config = _rasa(), of_kind("ConfigMap")["hospital-config"]["data"]
    args = rasa["args"]
    assert "-m" not in args and "--model" not in args, "no model of its own"
    assert args[args.index("--endpoints") + 1] == "/app/bot/endpoints-pull.yml"
    env = _env(rasa)
    assert env["RASA_MODEL_SERVER_URL"]["valueFrom"]["configMapKeyRef"]["key"] == "RASA_MODEL_SERVER_URL"
    assert env["RASA_REPLICA_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["RASA_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "RASA_AUTH_TOKEN"  # the pull's ?token=
    # The URL is the web Service, on its port, at the path web/model_server.py serves.
    url = urlparse(config["RASA_MODEL_SERVER_URL"])
    web = of_kind("Service")["web"]
    assert url.hostname == f"{web['metadata']['name']}.{web['metadata']['namespace']}.svc.cluster.local"
    assert url.port in {p["port"] for p in web["spec"]["ports"]} and url.path == "/rasa/model"
    assert config["RASA_MODEL_PULL"] == "true" and float(config["RASA_ROLLOUT_STEP_SECONDS"]) > 0


def test_readiness_waits_for_a_loaded_model_and_loading_is_never_a_kill() -> None:
    rasa = _rasa()
    for probe in ("startupProbe", "readinessProbe"):
        assert rasa[probe]["exec"]["command"] == ["python", "/app/rasa_ready.py"], probe
    startup = rasa["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600, "a first pull and load on a busy node"
    liveness = rasa["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 240, "a model load blocks Rasa for minutes"
    dockerfile = (DOCKER / "rasa.Dockerfile").read_text(encoding="utf-8")
    assert "COPY --chown=1001:0 ops/docker/rasa_ready.py /app/rasa_ready.py" in dockerfile
    assert ".tar.gz" not in dockerfile.split("FROM python:3.10-slim-bookworm\n")[-1], "no model in the image"


def test_web_and_worker_share_the_models_volume_rasa_does_not_mount_it() -> None:
    claims = of_kind("PersistentVolumeClaim")
    assert claims["rasa-models"]["spec"]["accessModes"] == ["ReadWriteMany"]
    models_dir = of_kind("ConfigMap")["hospital-config"]["data"]["RASA_MODELS_DIR"]
    deployments = of_kind("Deployment")
    for name in ("web", "worker"):
        pod = deployments[name]["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in containers(deployments[name])[0]["volumeMounts"]}
        assert volumes[mounts[models_dir]]["persistentVolumeClaim"]["claimName"] == "rasa-models", name
        assert pod["securityContext"]["fsGroup"] == 1001, f"{name}: user 1001 writes the volume"
    assert "volumes" not in deployments["rasa"]["spec"]["template"]["spec"]


def test_compose_rasa_pulls_from_web() -> None:
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    rasa = services["rasa"]
    assert "-m" not in rasa["command"] and "/app/bot/endpoints-pull.yml" in rasa["command"]
    assert rasa["environment"]["RASA_MODEL_SERVER_URL"] == "http://web:5000/rasa/model"
    assert services["web"]["environment"]["RASA_MODEL_PULL"] == "true"
    assert "models:/app/var/rasa/models" in services["web"]["volumes"]
    assert "models:/app/var/rasa/models" in services["worker"]["volumes"]


@contextmanager
def _rasa_status(answer: tuple[int, dict[str, object]]) -> Iterator[tuple[int, list[str]]]:
    """Rasa's /status as the probe meets it: 409 before a model, then the model file."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            seen.extend(query.get("token", []))
            status, body = answer if query.get("token") == ["the-token"] else (401, {})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def _probe(port: int) -> int:
    env = {"RASA_PORT": str(port), "RASA_AUTH_TOKEN": "the-token", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(READY_SCRIPT)], env=env, capture_output=True, timeout=30).returncode


@pytest.mark.parametrize(
    ("answer", "ready"),
    [
        ((200, {"model_file": "version-7.tar.gz", "fingerprint": "x"}), True),
        ((409, {"reason": "No agent loaded"}), False),
        ((200, {"model_file": None}), False),
    ],
)
def test_the_readiness_script_says_ready_only_with_a_model(answer: tuple[int, dict[str, object]], ready: bool) -> None:
    with _rasa_status(answer) as (port, tokens):
        assert (_probe(port) == 0) is ready
    assert tokens == ["the-token"], "it asked /status with Rasa's token"


def test_the_readiness_script_says_not_ready_when_rasa_does_not_answer() -> None:
    with _rasa_status((200, {})) as (port, _):
        pass  # and now nothing listens there
    assert _probe(port) == 1
