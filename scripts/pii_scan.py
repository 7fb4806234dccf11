"""`make pii-scan`: look for plaintext ID numbers and phone numbers where none may be.

Personal data is encrypted at rest and masked in logs; this checks that it
stayed so, after the end-to-end journeys ran or on a live system. It reads
the app's database, Rasa's tracker store, the Celery broker (a SQLite broker or
Redis, Celery's base64 message bodies decoded) and log files, and reports
*where* it found something: store, table.column or file, kind and count. It
never prints a number it found. Exit status 1 when anything was found.

    python scripts/pii_scan.py                       # the URLs from the environment
    python scripts/pii_scan.py --database sqlite:///x.db --logs var/log --tracker ''

An ID number counts only with a valid GB 11643 check digit and a phone only as
11 digits starting 13-19 standing alone (not inside a longer run of letters or
digits, which blind indexes and ciphertext are), so the scan stays quiet on
what the system legitimately stores.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import column, create_engine, inspect, select, table

ROOT = Path(__file__).resolve().parent.parent
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
ID_RE = re.compile(_EDGE_BEFORE + r"[1-9]\d{16}[\dXx]" + _EDGE_AFTER)
PHONE_RE = re.compile(_EDGE_BEFORE + r"(?:\+?86)?1[3-9]\d{9}" + _EDGE_AFTER)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    where: str  # "database patients.name", "logs var/log/app.log"
    kind: str  # id_number | phone
    count: int


def _valid_id(number: str) -> bool:
    number = number.upper()
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == number[17]


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _expand(text: str) -> Iterator[str]:
    """The text (JSON's \\uXXXX escapes undone: "\\u8bc1" before a number would hide it),
    and the decoded body of a Celery/kombu message inside it."""
    yield _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "\\u" in text else text
    if "body" not in text:
        return
    try:
        message = json.loads(text)
    except ValueError:
        return
    if isinstance(message, dict) and isinstance(message.get("body"), str):
        try:
            yield base64.b64decode(message["body"], validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            yield message["body"]


def find_pii(text: str) -> Counter[str]:
    """How many plaintext ID numbers and phones the text holds (with a kombu body decoded)."""
    found: Counter[str] = Counter()
    for part in _expand(text):
        ids = [m.group(0) for m in ID_RE.finditer(part) if _valid_id(m.group(0))]
        found["id_number"] += len(ids)
        found["phone"] += sum(1 for _ in PHONE_RE.finditer(part))
    return +found


def _findings(where: str, counts: Counter[str]) -> list[Finding]:
    return [Finding(where, kind, n) for kind, n in sorted(counts.items())]


def scan_database(url: str, label: str) -> list[Finding]:
    """Every text-like value of every table of a SQLAlchemy database."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    findings: list[Finding] = []
    try:
        inspector = inspect(engine)
        with engine.connect() as connection:
            for name in inspector.get_table_names():
                columns = [c["name"] for c in inspector.get_columns(name)]
                per_column: dict[str, Counter[str]] = {c: Counter() for c in columns}
                query: Any = select(*(column(c) for c in columns)).select_from(table(name))
                for row in connection.execute(query):
                    for col, value in zip(columns, row, strict=True):
                        per_column[col] += find_pii(_text(value))
                for col, counts in per_column.items():
                    findings += _findings(f"{label} {name}.{col}", counts)
    finally:
        engine.dispose()
    return findings


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return value if isinstance(value, str) else ""


def scan_redis(url: str, label: str) -> list[Finding]:
    """Every string, list, hash and set value of a Redis database (Celery keeps messages in lists)."""
    import redis

    client: Any = redis.Redis.from_url(url)
    counts: Counter[str] = Counter()
    for key in client.scan_iter(count=500):
        kind = _text(client.type(key))
        values: Iterable[Any] = []
        if kind == "string":
            values = [client.get(key)]
        elif kind == "list":
            values = client.lrange(key, 0, -1)
        elif kind == "hash":
            values = client.hgetall(key).values()
        elif kind == "set":
            values = client.smembers(key)
        elif kind == "zset":
            values = client.zrange(key, 0, -1)
        for value in values:
            counts += find_pii(_text(value))
    return _findings(label, counts)


def scan_files(paths: Iterable[Path], label: str) -> list[Finding]:
    findings: list[Finding] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            counts: Counter[str] = Counter()
            with file.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    counts += find_pii(line)
            findings += _findings(f"{label} {file}", counts)
    return findings


def scan_store(url: str, label: str) -> list[Finding]:
    if not url or url.startswith(("memory://", "amqp://")):
        return []
    if url.startswith(("redis://", "rediss://")):
        return scan_redis(url, label)
    return scan_database(url, label)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, help="the app's database (DATABASE_URL)")
    parser.add_argument("--tracker", default=os.environ.get("RASA_TRACKER_STORE_URL", "sqlite:///var/rasa/tracker.db"))
    parser.add_argument("--broker", default=None, help="the Celery broker (CELERY_BROKER_URL)")
    parser.add_argument("--logs", nargs="*", type=Path, default=[ROOT / "var" / "log"])
    args = parser.parse_args(argv)
    if args.database is None or args.broker is None:
        sys.path.insert(0, str(ROOT))
        from config import load_settings

        settings = load_settings()
        args.database = args.database if args.database is not None else settings.database_url
        args.broker = args.broker if args.broker is not None else settings.celery_broker_url
    findings: list[Finding] = []
    for label, url in (("database", args.database), ("tracker", args.tracker), ("broker", args.broker)):
        url = url.removeprefix("sqla+")  # Celery's SQLAlchemy broker URL
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            print(f"pii-scan: {label}: {url} does not exist, skipped")
            continue
        findings += scan_store(url, label)
    findings += scan_files([p for p in args.logs if p.exists()], "logs")
    for finding in findings:
        print(f"pii-scan: {finding.where}: {finding.count} plaintext {finding.kind}")
    print(f"pii-scan: {'FOUND personal data in plaintext' if findings else 'nothing found'}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
