"""The monitoring files are checked, not trusted: Prometheus' own `promtool` checks
the scrape config and the alert rules and runs the rules' unit tests (input series
in ops/prometheus/alerts_test.yml), and every metric an alert or a dashboard panel
names must be one the code really exports. promtool comes from Debian's
`prometheus` package (.ci/run installs it); in CI (REQUIRE_SERVICES=1) a missing
promtool fails these tests instead of skipping them."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

from tests.databases import SERVICES_REQUIRED

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "ops" / "prometheus"
DASHBOARD = ROOT / "ops" / "grafana" / "hospital.json"
# Every module that defines a metric; importing them registers the metrics.
METRIC_MODULES = (
    "web.metrics",
    "web.health",
    "tasks.metrics",
    "services.notifications.metrics",
    "services.conversation.turns",
)
METRIC_NAME = re.compile(r"\b(hospital_[a-z0-9_]+|up)\b")


def promtool() -> str:
    found = shutil.which("promtool")
    if found:
        return found
    reason = "promtool is not installed (apt-get install prometheus)"
    if SERVICES_REQUIRED:
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1")
    pytest.skip(reason)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120)


def exported_names() -> set[str]:
    for module in METRIC_MODULES:
        importlib.import_module(module)
    # Each collector registers its sample names (a histogram's _bucket/_count/_sum, a counter's _total).
    return set(REGISTRY._names_to_collectors) | {"up"}


def alert_expressions() -> dict[str, str]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def dashboard_expressions() -> dict[str, str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return {
        f"{panel['title']} ({target['refId']})": target["expr"]
        for panel in dashboard["panels"]
        for target in panel["targets"]
    }


def test_promtool_accepts_the_rules_and_the_scrape_config() -> None:
    rules = _promtool("check", "rules", "alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "SUCCESS: 12 rules found" in rules.stdout
    config = _promtool("check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_every_alert_fires_on_its_trouble_and_not_on_a_healthy_hospital() -> None:
    tested = _promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout
    # Every alert has a case where it must fire.
    cases = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text(encoding="utf-8"))["tests"]
    firing = {c["alertname"] for t in cases for c in t["alert_rule_test"] if c["exp_alerts"]}
    assert firing == set(alert_expressions())


def test_alerts_name_only_metrics_the_code_exports() -> None:
    exported = exported_names()
    unknown = {alert: sorted(set(METRIC_NAME.findall(expr)) - exported) for alert, expr in alert_expressions().items()}
    assert not {alert: names for alert, names in unknown.items() if names}


def test_the_dashboard_is_grafana_json_over_exported_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["panels"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    exported = exported_names()
    expressions = dashboard_expressions()
    assert any("hospital_outbox_delivery_seconds_bucket" in e for e in expressions.values())
    for title, expr in expressions.items():
        names = set(METRIC_NAME.findall(expr))
        assert names, f"{title} names no metric"
        assert names <= exported, f"{title}: {sorted(names - exported)} are not exported"
