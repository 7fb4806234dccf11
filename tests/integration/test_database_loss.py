"""A lost database is a 503 with Retry-After in Chinese, never a 500 with a trace.

Nothing here fakes the driver: a throwaway PostgreSQL server is really shut down
(`pg_ctl -m immediate`, every connection cut as in a crash) and started again, the app
is pointed at a port where nothing listens, a table is really locked until the
statement timeout fires, and an SQLite file is really write-locked by another
connection until the busy timeout gives up.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from werkzeug.test import TestResponse

from app import create_app
from tests import databases, pg_cluster
from tests.concurrency.server import free_port
from tests.conftest import AUTH, _require, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot


def _assert_unavailable(response: TestResponse) -> None:
    status, body = response.status_code, response.get_json()
    assert status == 503, (status, body)
    assert response.headers["Retry-After"].isdigit()
    assert body["error"] == "unavailable"
    assert "请过一会儿再试" in body["message"]
    assert "Traceback" not in str(body) and "psycopg" not in str(body) and "sqlite" not in str(body).lower()


@pytest.fixture
def server() -> Iterator[pg_cluster.Server]:
    _require("A throwaway PostgreSQL server", pg_cluster.server_unavailable_reason())
    with pg_cluster.throwaway_server() as started:
        databases.migrate(started.url)
        yield started


def _app(url: str, **overrides: object) -> Flask:
    return create_app(settings_for(url, database_connect_timeout_seconds=2, **overrides))


@pytest.mark.postgres
@pytest.mark.slow
def test_a_crashed_database_is_a_503_and_the_app_recovers_when_it_is_back(server: pg_cluster.Server) -> None:
    app = _app(server.url)
    client = app.test_client()
    try:
        assert client.get("/api/v1/departments", headers=AUTH).status_code == 200  # the pool holds a connection now

        server.stop_immediately()
        for path in ("/api/v1/departments", "/api/v1/departments"):  # the pooled connection, then a new one
            _assert_unavailable(client.get(path, headers=AUTH))
        assert client.get("/readyz").status_code == 503

        server.start()
        assert client.get("/api/v1/departments", headers=AUTH).status_code == 200
    finally:
        app.extensions["hospital"].db.dispose()


def test_a_database_that_refuses_connections_is_a_quick_503() -> None:
    closed = free_port()  # nothing listens here
    app = _app(f"postgresql://postgres@127.0.0.1:{closed}/hospital")
    client = app.test_client()
    started = time.monotonic()
    _assert_unavailable(client.get("/api/v1/departments", headers=AUTH))
    response = client.post("/api/v1/appointments", json={"patient_id": "p", "slot_id": "s"}, headers=AUTH)
    _assert_unavailable(response)
    assert time.monotonic() - started < 5
    app.extensions["hospital"].db.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_a_statement_stuck_behind_a_lock_times_out_as_a_503(server: pg_cluster.Server) -> None:
    app = _app(server.url, database_statement_timeout_seconds=1)
    client = app.test_client()
    locker = create_engine(server.url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with locker.connect() as conn:
            conn.execute(text("LOCK TABLE departments IN ACCESS EXCLUSIVE MODE"))  # held until rollback
            started = time.monotonic()
            _assert_unavailable(client.get("/api/v1/departments", headers=AUTH))
            assert 0.9 < time.monotonic() - started < 5
            conn.rollback()
        assert client.get("/api/v1/departments", headers=AUTH).status_code == 200
    finally:
        locker.dispose()
        app.extensions["hospital"].db.dispose()


def test_sqlite_locked_past_its_busy_timeout_is_a_503_and_nothing_is_booked(
    database_url: str, clinic_day: date
) -> None:
    app = _app(database_url, database_statement_timeout_seconds=1)
    ctx = app.extensions["hospital"]
    department = make_department(ctx)
    slot = make_slot(ctx, make_doctor(ctx, department), clinic_day)
    patient = make_patient(ctx)
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's writer that never lets go
        started = time.monotonic()
        response = app.test_client().post(
            "/api/v1/appointments", json={"patient_id": patient, "slot_id": slot}, headers=AUTH
        )
        _assert_unavailable(response)
        assert 0.9 < time.monotonic() - started < 5
        other.execute("ROLLBACK")
        assert other.execute("SELECT count(*) FROM appointments").fetchone() == (0,)
    finally:
        other.close()
        ctx.db.dispose()
