"""The retention job (issue 11.5): conversations older than CONVERSATION_RETENTION_DAYS
leave Rasa's tracker store and the app's conversation log; expired placeholder values
leave the vault. Rasa itself (in .venv-rasa) writes the conversations through its own
SQLTrackerStore, on SQLite and on PostgreSQL, and reads back what is left, so the job
is checked against the table Rasa really creates and the trackers Rasa still loads."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from app import build_context
from models import ChatSecret, ConversationMessage, utcnow
from services.context import ServiceContext
from services.conversation import placeholders, retention
from services.patients import otp
from tasks.retention import purge_old_conversations
from tasks.schedule import BEAT_SCHEDULE
from tests import databases
from tests.conftest import settings_for
from tests.factories import make_patient
from tests.rasa.conftest import RASA_PYTHON, ROOT, rasa_env, require_rasa
from tests.wiring import use

DAY = 24 * 3600
# Runs inside Rasa's venv: `write` saves conversations (sender -> event ages in seconds)
# through the SQL tracker store built from its endpoint config; `read` lists what Rasa
# still has (sender -> number of user messages).
DRIVER = """
import asyncio, json, sys, time
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

store = TrackerStore.create(EndpointConfig(url=sys.argv[1], type="SQL"))
now = time.time()

async def main():
    if sys.argv[2] == "write":
        for sender, ages in json.loads(sys.argv[3]).items():
            events = [UserUttered(f"第{n}句", timestamp=now - age) for n, age in enumerate(ages)]
            await store.save(DialogueStateTracker.from_events(sender, events))
        return {}
    found = {}
    for sender in await store.keys():
        tracker = await store.retrieve(sender)
        found[sender] = sum(1 for e in tracker.events if isinstance(e, UserUttered))
    return found

print(json.dumps(asyncio.run(main())))
"""
CONVERSATIONS = {
    "web:old": [40 * DAY, 39 * DAY, 31 * DAY],  # last spoke 31 days ago: goes
    "web:active": [40 * DAY, 1 * DAY],  # began long ago, still in use: stays whole
    "wechat:new": [3600],
}


def rasa_store(url: str, mode: str, conversations: dict[str, list[int]] | None = None) -> dict[str, int]:
    require_rasa()
    argv = [str(RASA_PYTHON), "-c", DRIVER, url, mode, json.dumps(conversations or {})]
    result = subprocess.run(argv, env=rasa_env(), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def app_side(ctx: ServiceContext) -> None:
    """One old and one recent message in the app's log; one expired, one live placeholder."""
    now = utcnow()
    with ctx.db.transaction() as session:
        for age in (timedelta(days=31), timedelta(hours=1)):
            session.add(
                ConversationMessage(
                    channel="web",
                    conversation_hash="h",
                    conversation_enc="e",
                    text_enc="t",
                    status="answered",
                    received_at=now - age,
                )
            )
    placeholders.protect(ctx, "web:old", "13912345678", now=now - timedelta(hours=2))
    placeholders.protect(ctx, "web:new", "13912345679", now=now)


def counts(ctx: ServiceContext) -> tuple[int, int]:
    with ctx.db.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(ConversationMessage)) or 0,
            session.scalar(select(func.count()).select_from(ChatSecret)) or 0,
        )


def check_retention(database_url: str, tracker_url: str) -> None:
    rasa_store(tracker_url, "write", CONVERSATIONS)
    assert rasa_store(tracker_url, "read") == {"web:old": 3, "web:active": 2, "wechat:new": 1}
    ctx = build_context(settings_for(database_url, rasa_tracker_store_url=tracker_url))
    try:
        app_side(ctx)
        purged = retention.purge_old_conversations(ctx)
        assert purged == retention.Purged(conversations=1, events=3, messages=1, secrets=1, codes=0)
        # Rasa still loads the rest, whole; the old conversation is gone.
        assert rasa_store(tracker_url, "read") == {"web:active": 2, "wechat:new": 1}
        assert counts(ctx) == (1, 1)
        again = retention.purge_old_conversations(ctx)  # nothing left to do: idempotent
        assert again == retention.Purged(0, 0, 0, 0)
    finally:
        ctx.db.dispose()


def test_old_conversations_leave_a_sqlite_tracker_store_and_the_app(tmp_path: Path, database_url: str) -> None:
    check_retention(database_url, f"sqlite:///{tmp_path / 'tracker.db'}")


@pytest.mark.postgres
def test_old_conversations_leave_a_postgresql_tracker_store_and_the_app(postgres_url: str) -> None:
    with databases.fresh_postgres_database() as tracker_url:  # Rasa's own database, as in production
        check_retention(postgres_url, tracker_url)


def test_a_store_rasa_has_not_created_yet_or_an_in_memory_one_is_nothing_to_purge(
    tmp_path: Path, database_url: str
) -> None:
    cutoff = utcnow()
    assert retention.purge_tracker_store(f"sqlite:///{tmp_path / 'none.db'}", cutoff) == (0, 0)
    assert retention.purge_tracker_store("", cutoff) == (0, 0)
    # A relative SQLite path is where `make run` starts Rasa: the repository.
    assert retention.tracker_store_url("sqlite:///var/rasa/tracker.db") == f"sqlite:///{ROOT / 'var/rasa/tracker.db'}"


def test_beat_runs_the_job_hourly_with_the_retention_from_the_settings(app: Flask, tmp_path: Path) -> None:
    entry = BEAT_SCHEDULE["purge-old-conversations"]
    assert entry["task"] == purge_old_conversations.name == "conversations.purge_old"
    assert entry["schedule"] <= 3600  # placeholder values live an hour: gone within two
    ctx: ServiceContext = app.extensions["hospital"]
    assert ctx.settings.conversation_retention_days == 30
    app_side(ctx)
    make_patient(ctx, name="张三", phone="13912345670")
    with time_machine.travel(utcnow() - timedelta(days=3), tick=False):  # a code from three days ago
        otp.send_code(ctx, phone="13912345670", purpose="results")
    use(app, settings=ctx.settings.model_copy(update={"rasa_tracker_store_url": f"sqlite:///{tmp_path / 't.db'}"}))
    with app.app_context():
        assert purge_old_conversations() == {
            "conversations": 0,
            "events": 0,
            "messages": 1,
            "secrets": 1,
            "codes": 1,
            "privacy": 0,
            "outbox": 0,
            "pending_replies": 0,
            "handoff_tickets": 0,
            "legacy_trackers_renamed": 0,
            "legacy_trackers_dropped": 0,
        }
