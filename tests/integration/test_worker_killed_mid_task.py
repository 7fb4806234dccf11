"""A real Celery worker is SIGKILLed in the middle of reconciling a payment
(while it waits for the platform's answer). The effect still happens exactly
once: one ledger row, one confirmed appointment, one confirmation message.

- Redis: the unacknowledged task (acks_late) comes back to the next worker
  after the visibility timeout: broker redelivery.
- Embedded broker (kombu's SQLAlchemy transport): it never hands a dead
  worker's task out again, so the work is found again the way beat finds it,
  from the database (the `payments.reconcile_open` sweep). That is why every
  effect here is driven by database state, not by the broker message alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import func, select, update

from app import build_context
from config import ROOT
from db import Database
from models import LedgerEntry, OutboxMessage, PaymentOrder, utcnow
from services.booking import holds, queries
from services.context import ServiceContext
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake
from tests.fakes.http_server import Recorded

pytestmark = pytest.mark.slow


class StallingGateway:
    """Answers like Alipay, but holds the first query until told to let go."""

    def __init__(self) -> None:
        self.inner = fake.AlipayGateway()
        self.first_query = threading.Event()
        self.release = threading.Event()
        self.queries = 0

    def __call__(self, request: Recorded) -> tuple[int, Any, dict[str, str]]:
        if b"alipay.trade.query" in request.body:
            self.queries += 1
            if self.queries == 1:
                self.first_query.set()
                self.release.wait(30)
        status, payload = self.inner(request)
        return status, payload, {"Content-Type": "text/html;charset=utf-8"}


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--pool", "solo", "-l", "info"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait(condition: Callable[[], bool], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)


def _confirmed_once(ctx: ServiceContext, appointment_id: str) -> bool:
    return queries.get_appointment(ctx, appointment_id)["status"] == "confirmed"


def _kill_mid_reconcile(
    database_url: str, broker: str, day: date, tmp_path: Path, after_kill: Callable[[Celery, int], None]
) -> None:
    gateway = StallingGateway()
    log = tmp_path / "worker.log"
    with fake.gateway_server(gateway) as url:
        live = {**fake.live_settings(), "alipay_pay_gateway_url": f"{url}/gateway.do"}
        ctx = build_context(settings_for(database_url, **live), Database(database_url))
        slot = make_slot(ctx, make_doctor(ctx, make_department(ctx)), day)
        held = holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot).appointment
        trade = held["payment"]["out_trade_no"]
        gateway.inner.trades[trade] = {"trade_status": "TRADE_SUCCESS", "total_amount": "30.00", "trade_no": "T77"}
        with ctx.db.transaction() as session:  # old enough that its notification should have come
            session.execute(update(PaymentOrder).values(created_at=utcnow() - timedelta(minutes=10)))
            order_id = session.scalar(select(PaymentOrder.id))
        assert order_id is not None
        env = {
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            **{name.upper(): str(value) for name, value in live.items()},
        }
        producer = Celery(broker=broker)
        first = _worker(env, log)
        try:
            producer.send_task("payments.reconcile_order", args=[order_id])
            _wait(gateway.first_query.is_set, log)
            os.kill(first.pid, signal.SIGKILL)  # mid-task: the platform has not answered yet
            first.wait(timeout=30)
        finally:
            gateway.release.set()
            if first.poll() is None:
                first.kill()
        assert queries.get_appointment(ctx, held["id"])["status"] == "held"
        second = _worker(env, log)
        try:
            after_kill(producer, order_id)
            _wait(lambda: _confirmed_once(ctx, held["id"]), log)
            time.sleep(2)  # anything still queued gets its chance to double the effect
        finally:
            second.terminate()
            second.wait(timeout=30)
        with ctx.db.reading() as session:
            assert session.scalar(select(func.count(LedgerEntry.id))) == 1
            assert (
                session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "booking_confirmed"))
                == 1
            )
        assert gateway.queries >= 2
        ctx.db.dispose()


def test_killed_on_the_embedded_broker_the_sweep_finds_the_work_again(
    database_url: str, clinic_day: date, tmp_path: Path
) -> None:
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    _kill_mid_reconcile(
        database_url,
        broker,
        clinic_day,
        tmp_path,
        lambda producer, _order: producer.send_task("payments.reconcile_open"),  # what beat sends every 2 min
    )


@pytest.mark.redis
def test_killed_on_redis_the_task_is_redelivered_and_counts_once(
    database_url: str, redis_url: str, clinic_day: date, tmp_path: Path
) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    _kill_mid_reconcile(database_url, redis_url, clinic_day, tmp_path, lambda _producer, _order: None)
