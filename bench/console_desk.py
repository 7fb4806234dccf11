"""How the console's team pages hold up on a busy day: the hand-off inbox with many
open tickets (one page of 20, urgent first, each with its preview and waiting time)
and the audit log with many rows (a filtered page, and a CSV export).

Runs on a fresh migrated SQLite file (or `--database-url`), calling the services
the pages call; prints medians. See docs/benchmarks.md.

    PYTHONPATH=. .venv/bin/python bench/console_desk.py [--tickets 1000] [--audit-rows 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from app import build_context
from models import AuditEntry
from services import audit_log
from services.booking.calendar import SHANGHAI
from services.conversation import handoff, handoff_inbox
from services.conversation import turns as conversation
from services.conversation.turns import InboundMessage
from tests.conftest import settings_for
from tests.console_helpers import make_staff
from tests.databases import migrate


def median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--audit-rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        if not args.database_url:
            migrate(url)
        ctx = build_context(settings_for(url))
        make_staff(ctx, "kefu", "support")
        started = time.perf_counter()
        for n in range(args.tickets):
            for k in range(3):
                text = f"患者{n}的第{k}条消息，电话1380013{n % 10000:04d}"
                message = InboundMessage(channel="web", sender=f"p{n}", text=text, platform_msg_id=f"b{n}-{k}")
                row = conversation.record_inbound(ctx, message)
                conversation.settle(ctx, row, "emergency" if n % 50 == 0 and k == 2 else "handed_off")
            handoff.open_ticket(ctx, f"web:p{n}", "asked_for_human")
        print(f"{args.tickets} tickets with 3 messages each written in {time.perf_counter() - started:.1f} s")
        first = median_ms(lambda: handoff_inbox.list_inbox(ctx), 10)
        print(f"inbox page 1 of {args.tickets} open tickets: {first:.1f} ms")
        last = max(1, -(-args.tickets // handoff_inbox.PER_PAGE))
        print(f"inbox last page: {median_ms(lambda: handoff_inbox.list_inbox(ctx, page=last), 10):.1f} ms")

        now = datetime.now(SHANGHAI)
        with ctx.db.transaction() as session:
            session.add_all(
                AuditEntry(
                    at=now - timedelta(minutes=n),
                    actor="staff:bench" if n % 10 else "service:actions",
                    action=("refill.view", "handoff.view", "staff.login", "appointment.create")[n % 4],
                    patient_id=f"pat_{n % 500}",
                    subject=f"rfl_{n}",
                )
                for n in range(args.audit_rows)
            )
        everything = audit_log.Filters()
        narrow = audit_log.Filters(action="refill.", patient_id="pat_4", since=now - timedelta(days=30))
        plain = median_ms(lambda: audit_log.search(ctx, everything), 5)
        print(f"audit page 1 of {args.audit_rows} rows, no filter: {plain:.1f} ms")
        filtered = median_ms(lambda: audit_log.search(ctx, narrow), 5)
        print(f"audit page, action group + patient + 30 days: {filtered:.1f} ms")
        last_page = -(-args.audit_rows // audit_log.PER_PAGE)
        print(f"audit last page: {median_ms(lambda: audit_log.search(ctx, everything, last_page), 5):.1f} ms")
        refills = audit_log.Filters(action="refill.")
        rows = audit_log.search(ctx, refills).total
        took = median_ms(lambda: audit_log.export_csv(ctx, refills, "基准测试"), 3)
        print(f"CSV export of {rows} rows: {took:.0f} ms")
        ctx.db.dispose()


if __name__ == "__main__":
    main()
