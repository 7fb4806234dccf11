"""Celery with a real worker process, on the embedded broker (no server) and on
Redis; rate limits shared between app instances through Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from celery import Celery
from flask import Flask

from app import create_app
from config import ROOT
from models import Appointment
from services.booking import holds, queries
from services.context import ServiceContext
from tests.conftest import settings_for
from tests.factories import make_department, make_doctor, make_patient, make_slot
from web import chat_session


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--pool", "solo", "-l", "info"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _expire_through_a_worker(ctx: ServiceContext, database_url: str, broker: str, day: date, tmp_path: Path) -> None:
    slot = make_slot(ctx, make_doctor(ctx, make_department(ctx)), day, capacity=1)
    held = holds.book(ctx, patient_id=make_patient(ctx), slot_id=slot).appointment
    with ctx.db.transaction() as session:  # the hold's deadline has passed
        appointment = session.get(Appointment, held["id"])
        assert appointment is not None and appointment.hold_expires_at is not None
        appointment.hold_expires_at -= timedelta(minutes=20)
    env = {"APP_ENV": "test", "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker}
    worker = _start_worker(env, tmp_path / "worker.log")
    try:
        Celery(broker=broker).send_task("holds.expire")
        deadline = time.monotonic() + 60
        while queries.get_appointment(ctx, held["id"])["status"] != "expired":
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-2000:]
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.slow
def test_a_worker_on_the_embedded_broker_expires_holds(
    ctx: ServiceContext, database_url: str, clinic_day: date, tmp_path: Path
) -> None:
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    _expire_through_a_worker(ctx, database_url, broker, clinic_day, tmp_path)


@pytest.mark.redis
def test_a_worker_on_redis_expires_holds(
    ctx: ServiceContext, database_url: str, redis_url: str, clinic_day: date, tmp_path: Path
) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    _expire_through_a_worker(ctx, database_url, redis_url, clinic_day, tmp_path)


def _chat_status(app: Flask, sender: str, session: str) -> int:
    client = app.test_client()  # the same browser (its session cookie) on whichever instance
    client.set_cookie(chat_session.COOKIE, session)
    return client.post("/api/v1/chat", json={"sender": sender, "message": "你好"}).status_code


@pytest.mark.redis
def test_rate_limits_are_shared_by_every_app_instance_through_redis(database_url: str, redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    first, second = (
        create_app(settings_for(database_url, redis_url=redis_url, rasa_timeout_seconds=0.2)) for _ in range(2)
    )
    browser = first.test_client()
    browser.get("/")
    session = browser.get_cookie(chat_session.COOKIE).value  # type: ignore[union-attr]
    assert [_chat_status(first, "shared", session) for _ in range(20)] == [200] * 20
    assert _chat_status(second, "shared", session) == 429
    assert _chat_status(second, "another", session) == 200
