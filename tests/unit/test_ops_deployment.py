"""The deployment files are checked, not trusted. Kubernetes manifests are validated
against the API's own OpenAPI schemas for one pinned Kubernetes version, offline
(kubernetes-validate, pinned in requirements-dev.txt, strict: an unknown field is an
error), then for what a schema cannot see: selectors that select, HPAs on CPU with CPU
requests to scale on, disruption budgets, one beat, Rasa given every variable its
endpoints need, and a configuration that passes the app's own production checks.
Dockerfiles and the compose file get a structural check written here (no Docker
engine on CI: docs/operations.md says what only a cluster can show)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from config import load_settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "ops" / "k8s"
DOCKER = ROOT / "ops" / "docker"
COMPOSE = ROOT / "ops" / "compose.yaml"
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - a container listens on the pod network
KUBERNETES_VERSION = "1.31.0"  # the oldest version a supported cluster runs (docs/operations.md)
# Rasa runs on endpoints-pull.yml everywhere it is deployed: endpoints.yml's variables and the model server's.
ENDPOINT_VARIABLES = set(re.findall(r"\$\{(\w+)\}", (ROOT / "bot" / "endpoints-pull.yml").read_text(encoding="utf-8")))
PER_POD_VARIABLES = {"RASA_REPLICA_ID"}  # from the pod's own name, not from the ConfigMap or Secret
Doc = dict[str, Any]


def manifests() -> list[tuple[str, Doc]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return found


def of_kind(kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for _, doc in manifests() if doc["kind"] == kind}


def containers(workload: Doc) -> list[Doc]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def pod_labels(workload: Doc) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"]["labels"])


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize(("name", "doc"), manifests(), ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_each_manifest_matches_the_kubernetes_schema(name: str, doc: Doc) -> None:
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{name} {doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")


def test_the_validator_really_refuses_a_wrong_manifest() -> None:
    web = of_kind("Deployment")["web"]
    broken = yaml.safe_load(yaml.safe_dump(web))
    broken["spec"]["replicas"] = "two"
    containers(broken)[0]["imagePullPolicy"] = "Sometimes"
    containers(broken)[0]["cpu"] = 1  # a field in the wrong place
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_applies_every_manifest_and_sets_every_image() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    applied_separately = {"secret.example.yaml", "migrate-job.yaml"}
    expected = {p.name for p in K8S.glob("*.yaml")} - applied_separately - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == expected
    images = {c["image"] for _, doc in manifests() if doc["kind"] in ("Deployment", "Job") for c in containers(doc)}
    assert images == {entry["name"] for entry in kustomization["images"]}


def test_workloads_hpa_disruption_budgets_and_one_beat() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == {"web", "api", "rasa", "actions", "worker", "beat"}
    for name, deployment in deployments.items():
        assert selects(deployment["spec"]["selector"]["matchLabels"], pod_labels(deployment)), name
        for container in containers(deployment):
            assert container["resources"]["requests"]["cpu"], f"{name}: an HPA needs CPU requests"
    # Web and Rasa grow at peaks on CPU, never below two.
    hpas = of_kind("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {"web", "rasa"}
    for hpa in hpas.values():
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
        assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    # A node drain never takes the last web, API, Rasa, action server or worker.
    budgets = of_kind("PodDisruptionBudget")
    for name in ("web", "api", "rasa", "actions", "worker"):
        matched = [
            b for b in budgets.values() if selects(b["spec"]["selector"]["matchLabels"], pod_labels(deployments[name]))
        ]
        assert len(matched) == 1 and matched[0]["spec"]["minAvailable"] >= 1, name
    # Exactly one beat, and an upgrade never runs two side by side.
    beats = [d for d in deployments.values() for c in containers(d) if "beat" in c.get("command", [])]
    assert len(beats) == 1 and beats[0]["spec"]["replicas"] == 1
    assert beats[0]["spec"]["strategy"]["type"] == "Recreate"
    assert "beat" not in of_kind("HorizontalPodAutoscaler")


def test_services_select_pods_and_name_their_ports() -> None:
    workloads = list(of_kind("Deployment").values())
    for name, service in of_kind("Service").items():
        backing = [w for w in workloads if selects(service["spec"]["selector"], pod_labels(w))]
        assert backing, f"Service {name} selects no pods"
        port_names = {p["name"] for w in backing for c in containers(w) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, f"Service {name}: no container port {port['targetPort']}"


def test_probes_drain_web_on_its_database_only() -> None:
    web = containers(of_kind("Deployment")["web"])[0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["readinessProbe"]["timeoutSeconds"] >= 3  # /readyz may wait 1.5 s on each dependency
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"


def _env_names(container: Doc) -> set[str]:
    return {entry["name"] for entry in container.get("env", [])}


def test_rasa_gets_every_variable_its_endpoints_need_and_a_token() -> None:
    rasa = containers(of_kind("Deployment")["rasa"])[0]
    assert _env_names(rasa) >= ENDPOINT_VARIABLES
    args = rasa["args"]
    assert args[args.index("--auth-token") + 1] == "$(RASA_AUTH_TOKEN)" and "RASA_AUTH_TOKEN" in _env_names(rasa)
    actions = containers(of_kind("Deployment")["actions"])[0]
    assert {"ACTION_SERVER_TOKEN", "HOSPITAL_API_TOKEN", "HOSPITAL_API_URL"} <= _env_names(actions)


def test_the_example_configuration_passes_the_production_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """ConfigMap plus the example Secret is a configuration the app would start with."""
    config = of_kind("ConfigMap")["hospital-config"]["data"]
    secret = of_kind("Secret")["hospital-secrets"]["stringData"]
    for key, value in {**config, **secret}.items():
        monkeypatch.setenv(key, str(value))
    settings = load_settings()
    settings.check_production()
    assert settings.is_production and settings.bind_address == ANY_ADDRESS and settings.rasa_auth_token
    missing = ENDPOINT_VARIABLES - PER_POD_VARIABLES - set(config) - set(secret)
    assert not missing, f"the Secret or ConfigMap lacks a Rasa variable: {missing}"


def _dockerfile(name: str) -> list[tuple[str, str]]:
    text = (DOCKER / name).read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


@pytest.mark.parametrize("name", ["app.Dockerfile", "rasa.Dockerfile", "actions.Dockerfile"])
def test_dockerfiles_pin_bases_run_unprivileged_and_copy_what_exists(name: str) -> None:
    instructions = _dockerfile(name)
    for base in [arg.split()[0] for op, arg in instructions if op == "FROM"]:
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+[\w.-]*", base), f"{name}: unpinned base {base}"
    assert ("USER", "1001") in instructions, f"{name}: must not run as root"
    for op, arg in instructions:
        if op == "COPY" and "--from=" not in arg:
            sources = [s for s in arg.split()[:-1] if not s.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), f"{name}: COPY {source} does not exist"
    assert any(op in ("CMD", "ENTRYPOINT") for op, _ in instructions)


def test_the_rasa_image_has_the_shape_of_rasa_3_6_21() -> None:
    instructions = dict(_dockerfile("rasa.Dockerfile")[2:])  # the runtime stage
    assert instructions["ENTRYPOINT"] == '["rasa"]' and instructions["WORKDIR"] == "/app"
    assert instructions["EXPOSE"] == "5005" and instructions["USER"] == "1001"
    assert "python:3.10" in (DOCKER / "rasa.Dockerfile").read_text(encoding="utf-8")  # Rasa 3.6 runs on 3.10
    assert "python:3.11" in (DOCKER / "app.Dockerfile").read_text(encoding="utf-8")


def test_compose_runs_the_hospital_on_postgresql_redis_and_rabbitmq() -> None:
    services = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    assert {"postgres", "redis", "rabbitmq", "migrate", "web", "worker", "beat", "rasa", "actions"} <= set(services)
    for name in ("postgres", "redis", "rabbitmq"):
        assert services[name]["healthcheck"]["test"], name
        assert re.search(r":\d+\.\d+", services[name]["image"]), f"{name}: unpinned image"
    for name, service in services.items():
        if "build" in service:
            assert (COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]).exists(), name
    web = services["web"]["environment"]
    assert web["DATABASE_URL"].startswith("postgresql") and web["CELERY_BROKER_URL"].startswith("amqp://")
    assert [n for n, s in services.items() if "beat" in s.get("command", [])] == ["beat"]
    assert set(services["rasa"]["environment"]) >= ENDPOINT_VARIABLES
    assert services["rasa"]["environment"]["RASA_LOCK_STORE_TYPE"] == "redis"
    assert "--auth-token" in services["rasa"]["command"]
    # The actions call the v1 API in its own gunicorn, never the chat edge that waits on them (issue 14).
    assert services["actions"]["environment"]["HOSPITAL_API_URL"] == "http://api:5001"
    assert services["api"]["environment"]["APP_PORT"] == "5001" and "ports" not in services["api"]


def test_the_actions_call_the_api_pods_never_the_chat_edge() -> None:
    """A chat turn holds a web thread while its actions call the v1 API (issue 14)."""
    config = of_kind("ConfigMap")["hospital-config"]["data"]
    assert config["HOSPITAL_API_URL"] == "http://api.hospital.svc.cluster.local:5000"
    api = of_kind("Deployment")["api"]
    assert containers(api)[0]["command"] == containers(of_kind("Deployment")["web"])[0]["command"]
    assert selects(of_kind("Service")["api"]["spec"]["selector"], pod_labels(api))


def test_gunicorn_binds_where_the_settings_say() -> None:
    """Read in a child: gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR for its process."""
    probe = "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['bind'], c['workers'])"
    env = {"BIND_ADDRESS": ANY_ADDRESS, "APP_PORT": "8080", "WEB_CONCURRENCY": "3", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [f"{ANY_ADDRESS}:8080", "3"]
    default = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert default.stdout.split()[0] == "127.0.0.1:5000"
