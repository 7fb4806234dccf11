"""How long `flask rotate-keys` takes: tokens re-sealed per second, on SQLite and PostgreSQL.

Creates N patients (four sealed columns each) under one key, then rotates to a
new key with the given batch size, and prints the tokens re-sealed, the time,
the rate and the number of audited batches; a second run must rewrite nothing.
Operators read it to plan a rotation window (docs/security.md).

    PYTHONPATH=. .venv/bin/python bench/key_rotation.py [--db sqlite|postgres|both] [--patients N] [--batch N]
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from app import build_context
from bench.crowd import create_patients
from config import load_settings
from models import AuditEntry
from services import key_rotation


def _b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


@contextmanager
def _database(kind: str) -> Iterator[str]:
    from tests import databases

    if kind == "postgres":
        with databases.fresh_postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as directory:
        yield databases.sqlite_copy(databases.sqlite_template(Path(directory)), Path(directory))


def run(kind: str, patients: int, batch: int) -> bool:
    old, new = os.urandom(32), os.urandom(32)
    with _database(kind) as url:
        base = {"app_env": "test", "database_url": url, "celery_broker_url": "memory://"}
        before = build_context(load_settings(**base, data_encryption_key=_b64(old)))
        create_patients(before, patients)
        before.db.dispose()
        ctx = build_context(
            load_settings(
                **base,
                data_encryption_key=_b64(new),
                data_encryption_old_keys=_b64(old),
                data_blind_index_key=_b64(old),
            )
        ).acting_as("bench:rotate-keys")
        started = time.perf_counter()
        report = key_rotation.rotate(ctx, batch_size=batch)
        elapsed = time.perf_counter() - started
        again = key_rotation.rotate(ctx, batch_size=batch)
        with ctx.db.reading() as session:
            batches = session.scalar(select(func.count()).where(AuditEntry.action == "crypto.rotate")) or 0
        ctx.db.dispose()
    tokens = sum(c.rewritten for c in report.columns)
    idle = sum(c.rewritten for c in again.columns)
    print(
        f"{kind:8} patients={patients} batch={batch}: {tokens} tokens re-sealed in {elapsed:.2f} s"
        f" ({tokens / elapsed:,.0f}/s), {batches} audited batches, complete={report.complete}, second run {idle}"
    )
    return report.complete and idle == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=key_rotation.DEFAULT_BATCH)
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    return 0 if all(run(kind, args.patients, args.batch) for kind in kinds) else 1


if __name__ == "__main__":
    sys.exit(main())
