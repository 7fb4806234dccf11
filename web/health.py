"""Liveness and readiness. Readiness says which dependency is missing, so a load
balancer stops sending traffic and an operator knows where to look."""

from __future__ import annotations

from typing import Any

import requests
from flask import Blueprint, jsonify
from sqlalchemy import text

from services.booking import calendar as clinic_calendar
from services.context import ServiceContext
from web.context import service_context

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify({"status": "ok"})


def _check_database(ctx: ServiceContext) -> str:
    with ctx.db.reading() as session:
        session.execute(text("SELECT 1"))
    return "ok"


def _check_broker(ctx: ServiceContext) -> str:
    from kombu import Connection

    with Connection(ctx.settings.celery_broker_url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1)
    return "ok"


def _check_rasa(ctx: ServiceContext) -> str:
    response = requests.get(f"{ctx.settings.rasa_url}/status", timeout=2)
    response.raise_for_status()
    return "ok" if response.json().get("model_file") else "no model loaded"


@bp.get("/readyz")
def readyz() -> Any:
    ctx: ServiceContext = service_context()
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("broker", _check_broker), ("rasa", _check_rasa)):
        try:
            checks[name] = check(ctx)
        except Exception as exc:  # each failure is reported, none is fatal to the probe
            checks[name] = f"unavailable: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    # Warnings do not take the app out of rotation: clinics still open on weekdays meanwhile.
    horizon = ctx.settings.booking_horizon_days
    calendar_gap = clinic_calendar.calendar_warning(clinic_calendar.local_today(), horizon + 1)
    payload: dict[str, Any] = {"status": "ready" if ready else "not_ready", "checks": checks}
    payload["warnings"] = {"calendar": calendar_gap} if calendar_gap else {}
    return jsonify(payload), 200 if ready else 503
