"""Flash-crowd booking benchmark: the real app under gunicorn, over HTTP, on a real database.

For each database (the embedded SQLite default, and PostgreSQL when one is
reachable) it creates a few thousand patients, starts gunicorn twice with the
same settings (the app, and the floor: bench/floor_app.py, one raw-SQL
conditional decrement and insert per request on the same database), and for
each concurrency level releases a fresh day of slots, fires the same booking
plan at the floor and then at POST /api/v1/appointments from that many
closed-loop clients, and prints our throughput as a ratio of the floor's
measured in the same run (a busy machine moves both). After each level it
checks the database: places sold against capacity, oversells and weekly-quota
violations (both must be 0), and 5xx answers other than the admission gate's
quick 503 `busy` (web/admission.py), which are counted apart as shed.

    PYTHONPATH=. .venv/bin/python bench/booking_flash_crowd.py [--db sqlite|postgres|both]
        [--patients N] [--clients 8,32,64,256] [--workers W] [--threads T] [--attempts N]

Exits non-zero when any invariant is violated or a request failed. Figures and
their interpretation: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from app import build_context
from bench.cpu import CpuMeter
from bench.crowd import create_doctors, create_patients, release_day
from bench.floor_app import create_tables
from bench.loadgen import LoadResult, Request, Response, fire
from config import DEV_DATA_ENCRYPTION_KEY
from services.booking.calendar import local_today
from services.context import ServiceContext
from tests.concurrency.harness import Attempt, Scenario, check_history
from tests.concurrency.server import free_port, running_server
from tests.conftest import SERVICE_TOKEN, settings_for
from tests.databases import fresh_postgres_database, postgres_unavailable_reason, sqlite_copy, sqlite_template

DEPARTMENTS = 8
DOCTORS_EACH = 3
SLOTS_EACH = 16  # half-hour slots, 08:00-12:00 and 14:00-18:00
CAPACITY = (2, 8)  # places per slot: ~1,900 places a day over 384 slots
WEEKLY_QUOTA = 3  # the settings default, which the server also uses
WARMUP_ATTEMPTS = 400


@dataclass(frozen=True)
class Row:
    db: str
    clients: int
    floor: LoadResult
    booking: LoadResult
    floor_cpu_s: float  # server-side CPU (gunicorn + database backends) during each measurement
    booking_cpu_s: float
    capacity: int
    sold: int
    outcomes: Counter[str]
    oversold: int
    quota_violations: int
    other_problems: list[str]

    @property
    def shed(self) -> int:
        """Bookings the admission gate turned away with a quick 503 `busy` (by design, not a failure)."""
        return sum(1 for r in self.booking.responses if r.status == 503 and r.json().get("error") == "busy")

    @property
    def failed_requests(self) -> int:
        failed = sum(1 for r in self.booking.responses + self.floor.responses if r.status == 0 or r.status >= 500)
        return failed - self.shed

    def admitted_p99_ms(self) -> float:
        admitted = sorted(r.seconds for r in self.booking.responses if r.status != 503)
        return admitted[min(len(admitted) - 1, round(0.99 * (len(admitted) - 1)))] * 1000 if admitted else 0.0


def machine() -> str:
    model = "unknown CPU"
    memory_gb = 0.0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text().split()
        memory_gb = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({model}), {memory_gb:.0f} GB RAM, {platform.system()} {platform.release()}"


@contextmanager
def database(kind: str, scratch: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_copy(sqlite_template(scratch), scratch)
    else:
        with fresh_postgres_database() as url:
            yield url


def to_attempt(patient_id: str, slot_id: str, response: Response) -> Attempt:
    if response.status == 201:
        return Attempt("book", patient_id, slot_id, "ok", appointment_id=response.json().get("id"))
    if 400 <= response.status < 500 or (response.status == 503 and response.json().get("error") == "busy"):
        return Attempt("book", patient_id, slot_id, "refused", str(response.json().get("error", response.status)))
    return Attempt("book", patient_id, slot_id, "unknown", response.error or str(response.status))


def crowd_day(level: int) -> date:
    """A Wednesday in its own ISO week per level, so weekly quotas start afresh each time."""
    today = local_today()
    next_monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return next_monday + timedelta(weeks=level, days=2)


@dataclass(frozen=True)
class Setup:
    db: str
    url: str
    base: str
    floor_base: str
    ctx: ServiceContext
    doctors: list[str]
    patients: list[str]

    def backend_pids(self) -> list[int]:
        """PostgreSQL backends serving this database (their CPU is the booking's too); none for SQLite."""
        if self.ctx.db.is_sqlite:
            return []
        with self.ctx.db.reading() as session:
            rows = session.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
            return [int(pid) for (pid,) in rows]


def run_level(setup: Setup, clients: int, level: int, attempts: int) -> Row:
    """Release a fresh day, measure the floor, fire the crowd, check the database."""
    slots = release_day(setup.ctx, setup.doctors, crowd_day(level), SLOTS_EACH, CAPACITY, seed=level)
    base, patients = setup.base, setup.patients
    rng = random.Random(level)
    slot_ids = list(slots)
    plan = [(rng.choice(patients), rng.choice(slot_ids)) for _ in range(attempts)]
    create_tables(setup.url, slots)
    meter = CpuMeter(setup.backend_pids)
    meter.start()
    floor = fire(
        setup.floor_base, [Request("POST", "/book", {"patient_id": p, "slot_id": s}) for p, s in plan], clients
    )
    floor_cpu = meter.stop()
    meter.start()
    booking = fire(
        base,
        [Request("POST", "/api/v1/appointments", {"patient_id": p, "slot_id": s}) for p, s in plan],
        clients,
        {"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )
    booking_cpu = meter.stop()
    history = [to_attempt(p, s, r) for (p, s), r in zip(plan, booking.responses, strict=True)]
    problems = check_history(setup.url, Scenario(level, patients, slots, plan), history, WEEKLY_QUOTA)
    oversold = [p for p in problems if p.startswith(("oversold", "count drift"))]
    quota = [p for p in problems if p.startswith("quota exceeded")]
    others = [p for p in problems if p not in oversold and p not in quota]
    outcomes = Counter(a.code or "booked" for a in history)
    return Row(
        setup.db,
        clients,
        floor,
        booking,
        floor_cpu,
        booking_cpu,
        sum(slots.values()),
        outcomes["booked"],
        outcomes,
        len(oversold),
        len(quota),
        others,
    )


def bench_database(db: str, url: str, args: argparse.Namespace, log_dir: Path) -> list[Row]:
    ctx = build_context(settings_for(url, data_encryption_key=DEV_DATA_ENCRYPTION_KEY))
    try:
        started = time.perf_counter()
        patients = create_patients(ctx, args.patients)
        doctors = create_doctors(ctx, DEPARTMENTS, DOCTORS_EACH)
        print(f"[{db}] {len(patients)} patients created in {time.perf_counter() - started:.1f} s", flush=True)
        analyze(ctx)
        env = {
            "DATABASE_URL": url,
            "HOSPITAL_API_TOKEN": SERVICE_TOKEN,
            "DATA_ENCRYPTION_KEY": DEV_DATA_ENCRYPTION_KEY,
            "RATE_LIMIT_BOOKINGS_PER_PATIENT": "100000/minute",
            "WEEKLY_APPOINTMENT_QUOTA": str(WEEKLY_QUOTA),
        }
        rows = []
        create_tables(url, {})
        with (
            running_server(env, workers=args.workers, threads=args.threads, log_dir=log_dir) as base,
            floor_server(url, args.workers, args.threads, log_dir) as floor_base,
        ):
            setup = Setup(db, url, base, floor_base, ctx, doctors, patients)
            warmup = run_level(setup, 8, 0, WARMUP_ATTEMPTS)  # first connections, caches; checked, not reported
            if warmup.oversold or warmup.quota_violations or warmup.other_problems or warmup.failed_requests:
                rows.append(warmup)
            for level, clients in enumerate(args.clients, start=1):
                row = run_level(setup, clients, level, args.attempts)
                print_row(row)
                rows.append(row)
        return rows
    finally:
        ctx.db.dispose()


def analyze(ctx: ServiceContext) -> None:
    """PostgreSQL: statistics for the tables just filled, as autovacuum keeps them in production.

    A database created a second ago has none until autovacuum gets round to it (often not
    within a run), and the planner then guesses from table sizes alone: for the booking's
    checked read it walked every open hold in the hospital for the phone's count instead of
    starting from `ix_patients_phone_hash`, and planned the statement afresh on every
    execution (a generic plan priced on guesses looked worse). SQLite is left as it runs in
    production, without ANALYZE (its plans are pinned by tests)."""
    if not ctx.db.is_sqlite:
        with ctx.db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


@contextmanager
def floor_server(url: str, workers: int, threads: int, log_dir: Path) -> Iterator[str]:
    """bench/floor_app.py under the same gunicorn settings as the app."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    argv = [str(gunicorn), "-k", "gthread", "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}"]
    with (log_dir / f"floor-{port}.log").open("wb") as log:
        process = subprocess.Popen([*argv, "bench.floor_app:create_app()"], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            probe = fire(f"http://127.0.0.1:{port}", [Request("GET", "/none")], 1)
            if probe.responses and probe.responses[0].status == 404:
                break
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


HEADER = (
    "| db | clients | booking req/s | p50 ms | p99 ms | admitted p99 ms | shed | floor req/s | floor p99 ms | ratio "
    "| server CPU ms/booking | ms/floor | CPU ratio | sold / capacity | oversold | quota violations | 5xx "
    "| client cores | machine busy |"
)
SEPARATOR = "|" + "---|" * (HEADER.count(" | ") + 1)


def _ms_per_request(cpu_s: float, result: LoadResult) -> float:
    return cpu_s * 1000 / len(result.responses) if result.responses else 0.0


def format_row(row: Row) -> str:
    """One table row. `ratio` is our throughput over the floor's; `CPU ratio` is floor CPU over booking CPU,
    the throughput ratio a machine with nothing else running would show."""
    b, f = row.booking, row.floor
    ratio = b.throughput / f.throughput if f.throughput else 0.0
    booking_ms, floor_ms = _ms_per_request(row.booking_cpu_s, b), _ms_per_request(row.floor_cpu_s, f)
    cpu_ratio = floor_ms / booking_ms if booking_ms else 0.0
    return (
        f"| {row.db} | {row.clients} | {b.throughput:,.0f} | {b.percentile_ms(0.5):.1f} | {b.percentile_ms(0.99):.1f} "
        f"| {row.admitted_p99_ms():.1f} | {row.shed} | {f.throughput:,.0f} | {f.percentile_ms(0.99):.1f} "
        f"| {ratio:.2f} | {booking_ms:.2f} | {floor_ms:.2f} | {cpu_ratio:.2f} "
        f"| {row.sold:,} / {row.capacity:,} | {row.oversold} | {row.quota_violations} | {row.failed_requests} "
        f"| {b.client_cores:.2f} | {b.machine_busy:.0%} |"
    )


def print_row(row: Row) -> None:
    print(format_row(row), flush=True)
    mix = ", ".join(f"{code} {n}" for code, n in row.outcomes.most_common())
    print(f"    {len(row.booking.responses)} attempts: {mix}", flush=True)
    for problem in row.other_problems[:10]:
        print(f"    PROBLEM: {problem}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        choices=["sqlite", "postgres", "both"],
        default=None,
        help="default: both when PostgreSQL is reachable, else sqlite",
    )
    parser.add_argument("--patients", type=int, default=3000)
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[8, 32, 64, 256])
    parser.add_argument("--attempts", type=int, default=3000, help="booking attempts per concurrency level")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", "20")))
    return parser.parse_args(argv)


def choose_databases(requested: str | None) -> list[str]:
    unreachable = postgres_unavailable_reason()
    if requested in ("postgres", "both") and unreachable:
        sys.exit(f"PostgreSQL was requested but {unreachable}; set TEST_POSTGRES_URL or start it")
    if requested is None and unreachable:
        print(f"NOTE: {unreachable}; benchmarking SQLite only (pass --db to choose)", flush=True)
        return ["sqlite"]
    return {"sqlite": ["sqlite"], "postgres": ["postgres"]}.get(requested or "both", ["sqlite", "postgres"])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    databases = choose_databases(args.db)
    print(f"machine: {machine()}")
    print(
        f"server: gunicorn gthread, {args.workers} workers x {args.threads} threads; client: asyncio, "
        f"same machine; {args.patients} patients; {args.attempts} attempts per level\n",
        flush=True,
    )
    print(HEADER)
    print(SEPARATOR)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        for db in databases:
            with database(db, Path(scratch)) as url:
                rows += bench_database(db, url, args, Path(scratch))
    bad = [r for r in rows if r.oversold or r.quota_violations or r.other_problems or r.failed_requests]
    print("\nsummary:")
    print(HEADER)
    print(SEPARATOR)
    for row in rows:
        print(format_row(row))
    if bad:
        print(f"\nFAILED: {len(bad)} run(s) broke an invariant or dropped requests (see above)")
        return 1
    print("\nall runs: oversold 0, quota violations 0, no failed requests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
