"""Test databases: a migrated SQLite template copied per test, and PostgreSQL
when a server is reachable (required in CI, reported as left out elsewhere)."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from web.cli import alembic_config

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SERVICES_REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def sqlite_template(directory: Path) -> Path:
    path = directory / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"{secrets.token_hex(4)}.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def postgres_unavailable_reason() -> str | None:
    try:
        engine = create_engine(_psycopg(POSTGRES_ADMIN_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"no PostgreSQL at {POSTGRES_ADMIN_URL} ({type(exc).__name__})"
    return None


def redis_unavailable_reason() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"no Redis at {REDIS_URL} ({type(exc).__name__})"
    return None


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, migrated database on the test server, dropped afterwards."""
    name = f"hospital_test_{secrets.token_hex(4)}"
    admin = create_engine(_psycopg(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
