"""Flash-crowd booking against a real gunicorn server and a real database.

Each seed builds a fresh scenario, fires concurrent attempts (books, and
cancels of what was booked) and checks the whole history. The same checker
run on the naive implementation must find an oversell, or it proves nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app import build_context
from db import Database
from services.booking import transitions
from services.booking.calendar import local_today
from tests.concurrency.harness import (
    Attempt,
    HttpBookingClient,
    build_scenario,
    check_history,
    run_concurrently,
)
from tests.concurrency.naive import NaiveBookingClient
from tests.concurrency.server import running_server
from tests.conftest import SERVICE_TOKEN, settings_for

SEEDS = range(6)
QUOTA = 3
pytestmark = pytest.mark.slow


def _start() -> date:
    return local_today() + timedelta(days=3)


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    from tests.databases import sqlite_copy

    return sqlite_copy(sqlite_template, tmp_path_factory.mktemp("flash"))


@pytest.fixture(scope="module")
def pg_url(postgres_available: None) -> Iterator[str]:
    from tests.databases import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


def _server(url: str, log_dir: Path):  # type: ignore[no-untyped-def]
    return running_server(
        # Every thread may book at once (the admission gate would shed some): the races stay as many.
        {
            "DATABASE_URL": url,
            "HOSPITAL_API_TOKEN": SERVICE_TOKEN,
            "RATE_LIMIT_BOOKINGS_PER_PATIENT": "10000/minute",
            "ADMISSION_BOOKING": "64",
        },
        log_dir=log_dir,
    )


@pytest.fixture(scope="module")
def sqlite_server(sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _server(sqlite_url, tmp_path_factory.mktemp("logs")) as base:
        yield base


@pytest.fixture(scope="module")
def pg_server(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _server(pg_url, tmp_path_factory.mktemp("logs")) as base:
        yield base


def _flash_crowd(database_url: str, base_url: str, seed: int) -> tuple[list[Attempt], list[str]]:
    ctx = build_context(settings_for(database_url))
    try:
        scenario = build_scenario(ctx, seed, _start())
        client = HttpBookingClient(base_url, SERVICE_TOKEN)
        first = run_concurrently([lambda p=p, s=s: client.book(p, s) for p, s in scenario.plan], threads=16)
        # Second wave: cancel a third of what succeeded while others keep booking and holds expire.
        booked = [a for a in first if a.outcome == "ok"][::3]
        jobs = [lambda a=a: client.cancel(a.appointment_id, a.patient_id, a.slot_id) for a in booked]
        jobs += [lambda p=p, s=s: client.book(p, s) for p, s in scenario.plan[::2]]
        second = run_concurrently(jobs, threads=16)
        transitions.expire_holds(ctx)
        history = first + second
        return history, check_history(database_url, scenario, history, QUOTA)
    finally:
        ctx.db.dispose()


def _assert_sound(history: list[Attempt], problems: list[str]) -> None:
    outcomes = {(a.op, a.outcome, a.code) for a in history}
    assert ("book", "ok", "") in outcomes, "the workload must book something"
    assert ("book", "refused", "sold_out") in outcomes, "the workload must reach sold out"
    assert not problems, "\n".join(problems[:20])
    assert not [a for a in history if a.outcome == "unknown"], "the server dropped requests"


@pytest.mark.parametrize("seed", SEEDS)
def test_flash_crowd_on_sqlite_never_oversells(sqlite_url: str, sqlite_server: str, seed: int) -> None:
    _assert_sound(*_flash_crowd(sqlite_url, sqlite_server, seed))


@pytest.mark.postgres
@pytest.mark.parametrize("seed", SEEDS)
def test_flash_crowd_on_postgresql_never_oversells(pg_url: str, pg_server: str, seed: int) -> None:
    _assert_sound(*_flash_crowd(pg_url, pg_server, seed + 100))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_harness_catches_a_naive_oversell(kind: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "pg_url")
    ctx = build_context(settings_for(url))
    database = Database(url)
    try:
        caught = []
        for seed in range(1000, 1003):
            scenario = build_scenario(ctx, seed, _start())
            client = NaiveBookingClient(database)
            history = run_concurrently([lambda p=p, s=s, c=client: c.book(p, s) for p, s in scenario.plan], threads=16)
            caught += [p for p in check_history(url, scenario, history, QUOTA) if p.startswith(("oversold", "count"))]
        assert caught, "the naive implementation oversold nothing: the harness would miss a real bug"
    finally:
        database.dispose()
        ctx.db.dispose()
