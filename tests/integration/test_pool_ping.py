"""Pooled PostgreSQL connections are pinged when they sat idle, not on every checkout (db.py).

At the 08:00 peak a connection goes back to the pool and out again within milliseconds;
a ping per checkout was a round trip per booking (issue 14). A connection idle past
`PING_WHEN_IDLE_SECONDS` is still pinged, and one the server dropped meanwhile is
replaced before a request sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

import db
from tests import databases
from tests.conftest import _require


@pytest.fixture
def engine() -> Iterator[Engine]:
    _require("PostgreSQL", databases.postgres_unavailable_reason())
    engine = db.make_engine(databases.POSTGRES_ADMIN_URL)
    try:
        yield engine
    finally:
        engine.dispose()


def _counting_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_connection_back_within_the_idle_time_is_not_pinged(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pings = _counting_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    for _ in range(20):
        assert _backend_pid(engine) == first  # the same pooled connection
    assert pings == []


@pytest.mark.postgres
def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _counting_pings(engine, monkeypatch)
    dropped = _backend_pid(engine)
    admin = create_engine(databases._psycopg(databases.POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    finally:
        admin.dispose()
    time.sleep(db.PING_WHEN_IDLE_SECONDS + 0.2)
    replaced = _backend_pid(engine)  # no error: the ping found it dead and the pool reconnected
    assert replaced != dropped
    assert pings == [1]
