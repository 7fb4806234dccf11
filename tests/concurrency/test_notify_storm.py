"""The same payment notification 100 times at once, from 100 threads, against a
real gunicorn server (2 processes × 8 threads) and a real database: exactly one
state change, one ledger row and one confirmation message."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from app import build_context
from db import Database
from models import AuditEntry, LedgerEntry, OutboxMessage, PaymentOrder
from services.booking import holds
from tests.concurrency.server import running_server
from tests.conftest import SERVICE_TOKEN, settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from tests.fakes import payment_platforms as fake

pytestmark = pytest.mark.slow
COPIES = 100


def _env(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "HOSPITAL_API_TOKEN": SERVICE_TOKEN,
        **{name.upper(): str(value) for name, value in fake.live_settings().items()},
    }


def _storm(base: str, path: str, body: bytes, headers: dict[str, str]) -> list[tuple[int, bytes]]:
    barrier = threading.Barrier(COPIES)
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def post() -> None:
        barrier.wait()
        response = requests.post(base + path, data=body, headers=headers, timeout=60)
        with lock:
            answers.append((response.status_code, response.content))

    threads = [threading.Thread(target=post) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _scenario(url: str, day: date, provider: str) -> tuple[Any, str]:
    settings = settings_for(url, **{**fake.live_settings(), "payment_live_provider": provider})
    if provider == "wechat":
        settings = settings.model_copy(update={"payment_provider_mode": "console"})  # no gateway to create at
    ctx = build_context(settings, Database(url))
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx)), day)
    held = holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot).appointment
    trade = held["payment"]["out_trade_no"]
    with ctx.db.transaction() as session:  # the order belongs to the platform under test
        session.execute(PaymentOrder.__table__.update().values(provider=provider))
    return ctx, trade


def _exactly_once(ctx: Any, held_trade: str) -> None:
    with ctx.db.reading() as session:
        assert session.scalar(select(func.count(LedgerEntry.id))) == 1
        assert session.scalar(select(PaymentOrder.status).where(PaymentOrder.out_trade_no == held_trade)) == "paid"
        assert (
            session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "booking_confirmed")) == 1
        )
        assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "appointment.confirm")) == 1
    ctx.db.dispose()


@pytest.fixture
def storm_db(sqlite_template: Path, tmp_path: Path) -> str:
    from tests.databases import sqlite_copy

    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def storm_pg(postgres_available: None) -> Iterator[str]:
    from tests.databases import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


def _alipay_storm(url: str, day: date, log_dir: Path) -> None:
    ctx, trade = _scenario(url, day, "alipay")
    body = fake.alipay_notification(trade, 3000)
    with running_server(_env(url), log_dir=log_dir) as base:
        answers = _storm(base, "/payments/alipay/notify", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert answers == [(200, b"success")] * COPIES
    _exactly_once(ctx, trade)


def test_100_identical_alipay_notifications_at_once_on_sqlite(storm_db: str, clinic_day: date, tmp_path: Path) -> None:
    _alipay_storm(storm_db, clinic_day, tmp_path)


@pytest.mark.postgres
def test_100_identical_alipay_notifications_at_once_on_postgresql(
    storm_pg: str, clinic_day: date, tmp_path: Path
) -> None:
    _alipay_storm(storm_pg, clinic_day, tmp_path)


def test_100_identical_wechat_notifications_at_once(storm_db: str, clinic_day: date, tmp_path: Path) -> None:
    ctx, trade = _scenario(storm_db, clinic_day, "wechat")
    headers, body = fake.wechat_notification(trade, 3000)
    with running_server(_env(storm_db), log_dir=tmp_path) as base:
        answers = _storm(base, "/payments/wechat/notify", body, headers)
    assert {status for status, _ in answers} == {200} and len(answers) == COPIES
    assert {content for _, content in answers} == {b'{"code":"SUCCESS","message":"\xe6\x88\x90\xe5\x8a\x9f"}\n'}
    _exactly_once(ctx, trade)
