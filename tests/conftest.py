"""Shared fixtures: a fresh app and database per test, and honest reporting of
the suites that could not run here (PostgreSQL, Redis) and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from config import Settings, load_settings
from services.booking.calendar import clinic_days, local_today
from services.context import ServiceContext
from tests import databases

SERVICE_TOKEN = "test-service-token"
AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
_left_out: dict[str, str] = {}


def settings_for(database_url: str, **overrides: object) -> Settings:
    return load_settings(
        app_env="test",
        database_url=database_url,
        hospital_api_token=SERVICE_TOKEN,
        celery_broker_url="memory://",
        rasa_url="http://127.0.0.1:9",
        # cancelled places return at once unless a test is about the delay (test_release_delay.py);
        # the chat's consent question is on only where a test is about it (test_privacy_consent.py)
        **{
            "release_delay_seconds_min": 0,
            "release_delay_seconds_max": 0,
            "privacy_consent_required": False,
            **overrides,
        },
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    return databases.sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    application = create_app(settings_for(database_url))
    yield application
    application.extensions["hospital"].db.dispose()


@pytest.fixture
def ctx(app: Flask) -> ServiceContext:
    return app.extensions["hospital"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def clinic_day() -> date:
    """A clinic day a few days ahead: bookable, and never today (hours pass)."""
    return clinic_days(local_today() + timedelta(days=2), 10)[0]


def _require(kind: str, reason: str | None) -> None:
    if reason is None:
        return
    if databases.SERVICES_REQUIRED:
        pytest.fail(f"{kind} is required here (REQUIRE_SERVICES=1) but unavailable: {reason}")
    _left_out[kind] = reason
    pytest.skip(f"{kind} suite left out: {reason}")


@pytest.fixture(scope="session")
def postgres_available() -> None:
    _require("PostgreSQL", databases.postgres_unavailable_reason())


@pytest.fixture(scope="session")
def redis_url() -> str:
    _require("Redis", databases.redis_unavailable_reason())
    return databases.REDIS_URL


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    with databases.fresh_postgres_database() as url:
        yield url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _left_out:
        terminalreporter.section("suites left out on this machine")
        for kind, reason in _left_out.items():
            terminalreporter.write_line(
                f"{kind}: {reason}. Start it (see README, 'Services') to run these tests; CI always runs them."
            )
