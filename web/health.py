"""Liveness and readiness. Readiness drains only what is broken: a web process is
ready when its own database answers. Rasa and the broker are checked and reported
(in the body and as `hospital_dependency_up`, which the alerts watch) but never
drain the process: during a Rasa restart a load balancer must keep sending payment
notifications, emergency advice and bookings to every web instance, and the chat
edge already answers kindly when the bot is away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from flask import Blueprint, jsonify
from prometheus_client import Gauge
from sqlalchemy import text

from integrations.rasa.fleet import server_urls
from services.booking import calendar as clinic_calendar
from services.context import ServiceContext
from web.context import service_context

bp = Blueprint("health", __name__)

# Short: a readiness probe must answer within its own timeout (ops/k8s: 5 s) even when
# a dependency hangs, or the probe itself would drain the process.
DEPENDENCY_TIMEOUT_SECONDS = 1.5
RETRY_AFTER_SECONDS = "5"
DEPENDENCY_UP = Gauge(
    "hospital_dependency_up",
    "1 when the dependency answered this web process's last readiness check, else 0",
    ["dependency"],
    multiprocess_mode="livemostrecent",
)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


def _check_database(ctx: ServiceContext) -> str:
    with ctx.db.reading() as session:
        session.execute(text("SELECT 1"))
    return "ok"


def _check_broker(ctx: ServiceContext) -> str:
    from kombu import Connection

    with Connection(ctx.settings.celery_broker_url, connect_timeout=DEPENDENCY_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1)
    return "ok"


def _rasa_status(url: str, token: str) -> str:
    try:
        response = requests.get(
            f"{url}/status", params={"token": token} if token else None, timeout=DEPENDENCY_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        return "ok" if response.json().get("model_file") else "no model loaded"
    except (requests.RequestException, ValueError) as exc:
        return f"unavailable: {type(exc).__name__}"


def _check_rasa(ctx: ServiceContext) -> str:
    """Every server RASA_URL names: the conversations pinned to one that is down get no bot answer."""
    urls = server_urls(ctx.settings.rasa_url)
    states = [_rasa_status(url, ctx.settings.rasa_auth_token) for url in urls]
    if len(urls) == 1 or all(state == "ok" for state in states):
        return states[0] if len(urls) == 1 else "ok"
    failing = [f"{url} {state}" for url, state in zip(urls, states, strict=True) if state != "ok"]
    return f"unavailable: {len(failing)} of {len(urls)} servers ({'; '.join(failing)})"


Check = Callable[[ServiceContext], str]
REQUIRED: tuple[tuple[str, Check], ...] = (("database", _check_database),)
REPORTED: tuple[tuple[str, Check], ...] = (("broker", _check_broker), ("rasa", _check_rasa))


def _run(ctx: ServiceContext, checks: tuple[tuple[str, Check], ...]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks:
        try:
            results[name] = check(ctx)
        except Exception as exc:  # each failure is reported by name, none escapes the probe
            results[name] = f"unavailable: {type(exc).__name__}"
        DEPENDENCY_UP.labels(dependency=name).set(1 if results[name] == "ok" else 0)
    return results


@bp.get("/readyz")
def readyz() -> Any:
    ctx: ServiceContext = service_context()
    checks = _run(ctx, REQUIRED)
    dependencies = _run(ctx, REPORTED)
    ready = all(value == "ok" for value in checks.values())
    # Warnings do not take the app out of rotation: clinics still open on weekdays meanwhile.
    horizon = ctx.settings.booking_horizon_days
    calendar_gap = clinic_calendar.calendar_warning(clinic_calendar.local_today(), horizon + 1)
    payload: dict[str, Any] = {"status": "ready" if ready else "not_ready", "checks": checks}
    payload["dependencies"] = dependencies
    payload["warnings"] = {"calendar": calendar_gap} if calendar_gap else {}
    if ready:
        return jsonify(payload), 200
    return jsonify(payload), 503, {"Retry-After": RETRY_AFTER_SECONDS}
