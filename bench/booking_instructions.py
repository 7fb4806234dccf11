"""Instructions per booking attempt, ours beside the floor's, counted by callgrind.

Wall-clock and CPU figures move with whatever else runs on a shared machine; the number of
instructions a request executes does not. This runs the bench's booking mix (bench/crowd.py:
2,000 patients, 70% with an app account, half the doctors free, 2-8 places a slot, the weekly
quota of 3) in one process, first our `POST /api/v1/appointments`, then the same plan against
the floor (bench/floor_app.py: one raw-SQL conditional decrement and insert) on the same
database, under `valgrind --tool=callgrind --instr-atstart=no`. The patients are created
natively by a seeding process beforehand (under valgrind that alone takes minutes); a warm-up
day of 150 attempts each runs uninstrumented; instrumentation is on only around each measured
loop (callgrind's client requests, from a tiny C helper built with the system compiler), so
each dump holds that loop alone. Requests go straight to the WSGI app as a server hands them
(environs built before the loop): no test client's or server's work is counted, for either.

    PYTHONPATH=. .venv/bin/python bench/booking_instructions.py [--db sqlite|postgres|both]
        [--attempts N] [--tree PATH ...] [--repeat R] [--keep DIR]
    PYTHONPATH=.:<pyinstrument> .venv/bin/python bench/booking_instructions.py --python-profile out.txt

What is counted: every instruction of this Python process in the loop - Flask, the view,
SQLAlchemy, the drivers, and on SQLite the database engine itself (it runs in process). On
PostgreSQL the server's backends are other processes, which callgrind does not see: their
work is printed apart as CPU milliseconds per attempt read from /proc (time, not
instructions, and inflated: the client runs some 50 times slower under valgrind). `--tree`
runs the same measurement on other checkouts (e.g. a `git worktree` of an older commit),
alternating them `--repeat` times, so a before/after comparison is one command. `--keep`
leaves the callgrind files there for `callgrind_annotate --inclusive=yes`; `--python-profile`
runs without valgrind and writes a pyinstrument profile of our loop (pyinstrument is not a
dependency: install it apart). Repeated runs of one tree agree within about half a percent
(the garbage collector's timing and random ids move a little).
"""

from __future__ import annotations

import argparse
import ctypes
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HELPER_C = r"""
#include <valgrind/callgrind.h>
void cg_begin(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void cg_end(const char *name) { CALLGRIND_DUMP_STATS_AT(name); CALLGRIND_STOP_INSTRUMENTATION; }
"""
SUMMARY = re.compile(r"^(?:summary|totals):\s*(\d+)", re.MULTILINE)
TRIGGER = re.compile(r"^desc: Trigger: Client Request: (\S+)", re.MULTILINE)
WARMUP_ATTEMPTS = 150


@dataclass(frozen=True)
class Measured:
    """One inner run's figures: instructions per attempt by loop, and what the loops did."""

    tree: str
    db: str
    ours: float
    floor: float
    outcomes: dict[str, dict[str, int]]
    backends_ms: dict[str, float]

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else 0.0


def build_helper(directory: Path) -> Path:
    """The client-request helper as a shared library; valgrind.h's macros are no-ops outside valgrind."""
    source, library = directory / "cg_toggle.c", directory / "cg_toggle.so"
    source.write_text(HELPER_C)
    subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


# ---- the inner run: under valgrind, in the tree being measured -------------------------------


@contextmanager
def _seeded(kind: str, patients: int) -> Iterator[dict[str, Any]]:
    """A fresh database with the bench's patients and doctors: `{"url", "patients", "doctors"}`."""
    from app import build_context
    from bench.booking_profile import database
    from bench.crowd import create_doctors, create_patients
    from config import DEV_DATA_ENCRYPTION_KEY
    from tests.conftest import settings_for

    with tempfile.TemporaryDirectory(prefix="booking-instr-") as scratch, database(kind, Path(scratch)) as url:
        ctx = build_context(settings_for(url, data_encryption_key=DEV_DATA_ENCRYPTION_KEY))
        try:
            seeded = {"url": url, "patients": create_patients(ctx, patients), "doctors": create_doctors(ctx, 8, 3)}
            if not ctx.db.is_sqlite:
                with ctx.db.engine.connect() as connection:  # statistics, as bench/booking_flash_crowd.py does
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        finally:
            ctx.db.dispose()
        yield seeded


def _seed(args: argparse.Namespace) -> int:
    """Natively, outside valgrind (setting up 2,000 patients there takes minutes): seed, say
    where, and keep the database until told (a line on stdin), then drop it."""
    with _seeded(args.db, args.patients) as seeded:
        Path(args.seed).write_text(json.dumps(seeded))
        print("READY", flush=True)
        sys.stdin.readline()
    return 0


def _measure_loops(seeded: dict[str, Any], attempts: int, meter: Any) -> dict[str, Any]:
    """Warm up on one fresh day, then measure ours and the floor on the next: outcomes and,
    on PostgreSQL, the backends' CPU per attempt."""
    import random
    from collections import Counter

    from app import create_app
    from bench import floor_app
    from bench.booking_profile import _backend_pids, _day
    from bench.cpu import server_cpu_seconds
    from bench.crowd import release_day
    from config import DEV_DATA_ENCRYPTION_KEY
    from tests.conftest import SERVICE_TOKEN, settings_for

    url, patients, doctors = seeded["url"], seeded["patients"], seeded["doctors"]
    settings = settings_for(
        url,
        data_encryption_key=DEV_DATA_ENCRYPTION_KEY,
        rate_limit_bookings_per_patient="100000/minute",
        weekly_appointment_quota=3,
    )
    app = create_app(settings)
    ctx = app.extensions["hospital"]
    os.environ["DATABASE_URL"] = url
    floor_app.create_tables(url, {})
    wsgi = {"ours": (app.wsgi_app, "/api/v1/appointments"), "floor": (floor_app.create_app().wsgi_app, "/book")}
    headers = {"ours": {"HTTP_AUTHORIZATION": f"Bearer {SERVICE_TOKEN}"}, "floor": {}}
    result: dict[str, Any] = {"outcomes": {}, "backends_ms": {}}
    for level, count, measured in ((0, WARMUP_ATTEMPTS, False), (1, attempts, True)):
        slots = release_day(ctx, doctors, _day(level), 16, (2, 8), seed=level)
        floor_app.create_tables(url, slots)
        rng = random.Random(level)
        slot_ids = list(slots)
        plan = [(rng.choice(patients), rng.choice(slot_ids)) for _ in range(count)]
        for name in ("ours", "floor"):
            app_, path = wsgi[name]
            environs = [_environ(path, {"patient_id": p, "slot_id": s}, headers[name]) for p, s in plan]
            backends = _backend_pids(ctx)
            before = sum(server_cpu_seconds(backends).values())
            if measured:
                meter.begin(name)
            answers = _call_all(app_, environs)
            if measured:
                meter.end(name)
                spent = sum(server_cpu_seconds(backends).values()) - before
                result["outcomes"][name] = dict(Counter(_outcome(status, raw) for status, raw in answers))
                if backends:
                    result["backends_ms"][name] = spent * 1000 / count
    ctx.db.dispose()
    return result


def _call_all(wsgi: Any, environs: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """Call the WSGI app as a server would, with environs built before the loop: what is
    counted is the app's work (and a few list appends), not a test client's."""
    statuses: list[str] = []
    bodies: list[bytes] = []

    def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
        statuses.append(status)

    for environ in environs:
        chunks = wsgi(environ, start_response)
        bodies.append(b"".join(chunks))
        if hasattr(chunks, "close"):
            chunks.close()
    return list(zip(statuses, bodies, strict=True))


def _inner(args: argparse.Namespace) -> int:
    """Under valgrind: measure on the seeded database; print one JSON line."""
    seeded = json.loads(Path(args.seeded).read_text())
    result = _measure_loops(seeded, args.attempts, _Callgrind(args.helper))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


def _python_profile(args: argparse.Namespace) -> int:
    """No valgrind: seed and measure in this process, pyinstrument around our loop."""
    with _seeded(args.db, args.patients) as seeded:
        result = _measure_loops(seeded, args.attempts, _Pyinstrument(args.python_profile))
    print(json.dumps(result["outcomes"]))
    return 0


class _Callgrind:
    """Instrumentation on for a measured loop only, its totals dumped under the loop's name."""

    def __init__(self, helper: str) -> None:
        self._lib = ctypes.CDLL(helper)
        self._lib.cg_end.argtypes = [ctypes.c_char_p]

    def begin(self, name: str) -> None:
        self._lib.cg_begin()

    def end(self, name: str) -> None:
        self._lib.cg_end(name.encode())


class _Pyinstrument:
    """Without valgrind: a pyinstrument profile of our measured loop, as text (`--python-profile`)."""

    def __init__(self, path: str) -> None:
        from pyinstrument import Profiler  # not a dependency: pip install pyinstrument where you profile

        self._path, self._profiler = path, Profiler(interval=0.0002)

    def begin(self, name: str) -> None:
        if name == "ours":
            self._profiler.start()

    def end(self, name: str) -> None:
        if name == "ours":
            self._profiler.stop()
            Path(self._path).write_text(self._profiler.output_text(unicode=True, show_all=True))


def _environ(path: str, payload: dict[str, str], extra: dict[str, str]) -> dict[str, Any]:
    """A WSGI environ for a JSON POST, as gunicorn hands one to the app."""
    raw = json.dumps(payload).encode()
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }


def _outcome(status: str, raw: bytes) -> str:
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    return str(body.get("status") or body.get("error") or status.split()[0])


# ---- the outer run: builds the helper, starts valgrind, reads the dumps ----------------------


def _dumps(directory: Path) -> dict[str, int]:
    """Total instructions of each client-request dump, by the name it was dumped under."""
    totals = {}
    for path in directory.glob("callgrind.out*"):
        text = path.read_text(errors="replace")
        trigger, summary = TRIGGER.search(text), SUMMARY.search(text)
        if trigger and summary:
            totals[trigger.group(1)] = int(summary.group(1))
    return totals


def measure(tree: Path, db: str, attempts: int, patients: int, helper: Path, out: Path) -> Measured:
    """Seed natively, then run the measured loops under callgrind, both in `tree`."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("callgrind.out*"):
        old.unlink()
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    me = [sys.executable, str(Path(__file__).resolve())]
    sizes = ["--db", db, "--attempts", str(attempts), "--patients", str(patients)]
    seed_file = out / "seeded.json"
    seeder = subprocess.Popen(
        [*me, *sizes, "--seed", str(seed_file)],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert seeder.stdout is not None and seeder.stdin is not None
        if seeder.stdout.readline().strip() != "READY":
            raise SystemExit(f"seeding failed in {tree} ({db})")
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/callgrind.out"]
        inner = [*me, *sizes, "--inner", "--seeded", str(seed_file), "--helper", str(helper)]
        done = subprocess.run([*valgrind, *inner], cwd=tree, env=env, capture_output=True, text=True)
    finally:
        if seeder.stdin:
            seeder.stdin.write("done\n")
            seeder.stdin.close()
        seeder.wait()
    (out / "stderr.log").write_text(done.stderr)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"inner run failed in {tree} ({db}); see {out}/stderr.log:\n{done.stderr[-3000:]}")
    found = json.loads(line.removeprefix("RESULT "))
    totals = _dumps(out)
    return Measured(
        str(tree), db, totals["ours"] / attempts, totals["floor"] / attempts, found["outcomes"], found["backends_ms"]
    )


def describe(m: Measured) -> str:
    mix = ", ".join(f"{k} {v}" for k, v in sorted(m.outcomes["ours"].items(), key=lambda kv: -kv[1]))
    floor_mix = ", ".join(f"{k} {v}" for k, v in sorted(m.outcomes["floor"].items(), key=lambda kv: -kv[1]))
    line = (
        f"[{m.db}] {m.tree}: ours {m.ours / 1e6:.3f} M instructions/attempt, floor {m.floor / 1e6:.3f} M, "
        f"ratio {m.ratio:.2f}\n    ours: {mix}; floor: {floor_mix}"
    )
    if m.backends_ms:
        line += (
            f"\n    PostgreSQL backends (not counted above; CPU time from /proc): ours "
            f"{m.backends_ms.get('ours', 0):.2f} ms/attempt, floor {m.backends_ms.get('floor', 0):.2f} ms/attempt"
        )
    return line


@contextmanager
def _workdir(keep: str | None) -> Iterator[Path]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
    else:
        scratch = tempfile.mkdtemp(prefix="booking-instr-")
        try:
            yield Path(scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--attempts", type=int, default=400, help="measured attempts (after a warm-up day)")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--tree", action="append", help="checkout to measure (repeatable; default: this one)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the trees, alternated")
    parser.add_argument("--keep", help="keep the callgrind files under this directory")
    parser.add_argument("--python-profile", help="no valgrind: write a pyinstrument profile of our loop here")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--helper", help=argparse.SUPPRESS)
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--seeded", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner or args.seed:
        if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
            sys.path.pop(0)  # import the measured tree's modules (PYTHONPATH), not this bench/ folder's
        return _inner(args) if args.inner else _seed(args)
    if args.python_profile:
        return _python_profile(args)
    trees = [Path(t).resolve() for t in args.tree or [Path(__file__).resolve().parent.parent]]
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with _workdir(args.keep) as work:
        helper = build_helper(work)
        results: list[Measured] = []
        for round_ in range(args.repeat):
            for db in kinds:
                for n, tree in enumerate(trees):
                    m = measure(tree, db, args.attempts, args.patients, helper, work / f"r{round_}-{db}-t{n}")
                    print(describe(m), flush=True)
                    results.append(m)
        if args.keep:
            print(f"callgrind files under {work}: callgrind_annotate --inclusive=yes <file>")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
