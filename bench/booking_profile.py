"""One booking attempt in process: CPU, SQL statements and (optionally) a cProfile.

The bench's mix (bench/crowd.py: half the doctors free of charge, 2-8 places a slot,
patients at random, the weekly quota of 3) through Flask's test client, one thread,
no gunicorn and no network: what `POST /api/v1/appointments` itself costs.

    PYTHONPATH=. .venv/bin/python bench/booking_profile.py [--db sqlite|postgres]
        [--attempts N] [--rounds R] [--profile out.prof]

Prints CPU ms per attempt (`time.process_time`, this process; on PostgreSQL also the
backends' CPU from /proc, as bench/cpu.py reads it), statements per attempt by kind, and
the outcome mix.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

import frozen_sql
from app import create_app
from bench.cpu import server_cpu_seconds
from bench.crowd import create_doctors, create_patients, release_day
from config import DEV_DATA_ENCRYPTION_KEY
from services.booking.calendar import local_today
from tests.conftest import SERVICE_TOKEN, settings_for
from tests.databases import fresh_postgres_database, sqlite_copy, sqlite_template


@contextmanager
def database(kind: str, scratch: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_copy(sqlite_template(scratch), scratch)
    else:
        with fresh_postgres_database() as url:
            yield url


def _day(level: int) -> date:
    """A Wednesday in its own ISO week per round, so weekly quotas start afresh."""
    today = local_today()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=1 + level, days=2)


def _statement_kind(sql: str) -> str:
    words = sql.lstrip().split(None, 3)
    head = words[0].upper() if words else "?"
    if head in ("UPDATE", "INSERT", "DELETE") and len(words) > 2:
        target = words[1] if head == "UPDATE" else words[2]
        return f"{head} {target}"
    found = re.search(r"\sFROM\s+(\w+)", sql, re.IGNORECASE)
    if head in ("SELECT", "WITH") and found:
        return f"{head} {found.group(1).lower()}"
    return head


@contextmanager
def counted_statements(engine: Engine, statements: Counter[str]) -> Iterator[None]:
    """Count, by kind, every statement run in the block: SQLAlchemy's (its engine event) and
    the frozen ones run on the DBAPI cursor (`frozen_sql.observed`), which the event does not
    see, so the figures mean what they did before the hot statements were frozen."""

    def count(sql: str) -> None:
        statements[_statement_kind(sql)] += 1

    def on_execute(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        count(sql)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with frozen_sql.observed(count):
            yield
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _backend_pids(ctx: Any) -> list[int]:
    """PostgreSQL backends serving this database (none on SQLite), whose CPU is the booking's too."""
    if ctx.db.is_sqlite:
        return []
    with ctx.db.reading() as session:
        rows = session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        return [int(pid) for (pid,) in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--attempts", type=int, default=600, help="attempts per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile of the last round here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="booking-profile-") as scratch, database(args.db, Path(scratch)) as url:
        settings = settings_for(
            url,
            data_encryption_key=DEV_DATA_ENCRYPTION_KEY,
            rate_limit_bookings_per_patient="100000/minute",
            weekly_appointment_quota=3,
        )
        app = create_app(settings)
        ctx = app.extensions["hospital"]
        patients = create_patients(ctx, args.patients)
        doctors = create_doctors(ctx, 8, 3)
        statements: Counter[str] = Counter()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        with counted_statements(ctx.db.engine, statements):
            for level in range(args.rounds):
                slots = release_day(ctx, doctors, _day(level), 16, (2, 8), seed=level)
                rng = random.Random(level)
                slot_ids = list(slots)
                plan = [(rng.choice(patients), rng.choice(slot_ids)) for _ in range(args.attempts)]
                statements.clear()
                outcomes: Counter[str] = Counter()
                profiler = cProfile.Profile() if args.profile and level == args.rounds - 1 else None
                backends = _backend_pids(ctx)
                backend_cpu = sum(server_cpu_seconds(backends).values())
                cpu, wall = time.process_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                for patient_id, slot_id in plan:
                    response = client.post(
                        "/api/v1/appointments", json={"patient_id": patient_id, "slot_id": slot_id}, headers=headers
                    )
                    body = response.get_json(silent=True) or {}
                    outcomes[body.get("status") or body.get("error") or str(response.status_code)] += 1
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(args.profile)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                backend_cpu = sum(server_cpu_seconds(backends).values()) - backend_cpu
                n = len(plan)
                print(
                    f"[{args.db}] round {level}: {cpu * 1000 / n:.2f} ms CPU/attempt, {wall * 1000 / n:.2f} ms wall, "
                    f"{sum(statements.values()) / n:.2f} statements/attempt"
                    + (f", backends {backend_cpu * 1000 / n:.2f} ms CPU/attempt" if backends else "")
                    + (" (profiled)" if profiler else "")
                )
                print("    outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
                print("    statements: " + ", ".join(f"{k} {v / n:.2f}" for k, v in statements.most_common()))
        ctx.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
