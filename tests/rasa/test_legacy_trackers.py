"""Trackers from before pseudonyms (issue 11): Rasa kept an SMS conversation as `sms:+86…`
with the phone in every message's metadata. The hourly job renames such a conversation to
its pseudonym (Rasa then loads it whole under the name the chat edge now uses), scrubs the
platform id from the metadata, records the mapping the API needs, and drops the old rows
when the patient already has a tracker under the pseudonym. Rasa itself (in .venv-rasa)
writes and reads the trackers through its SQLTrackerStore, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app import build_context
from services.conversation import legacy_trackers, pseudonyms
from tests import databases
from tests.conftest import settings_for
from tests.rasa.conftest import RASA_PYTHON, ROOT, rasa_env, require_rasa

PHONE = "+8613512345678"
# `write`: sender -> [[text, metadata], …] saved through Rasa's SQL tracker store; `read`:
# sender -> [user texts] as Rasa loads them.
DRIVER = """
import asyncio, json, sys
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

store = TrackerStore.create(EndpointConfig(url=sys.argv[1], type="SQL"))

async def main():
    if sys.argv[2] == "write":
        for sender, said in json.loads(sys.argv[3]).items():
            events = [UserUttered(words, metadata=meta) for words, meta in said]
            await store.save(DialogueStateTracker.from_events(sender, events))
        return {}
    found = {}
    for sender in await store.keys():
        tracker = await store.retrieve(sender)
        found[sender] = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    return found

print(json.dumps(asyncio.run(main()), ensure_ascii=False))
"""


def rasa_store(url: str, mode: str, conversations: dict[str, list[list[object]]] | None = None) -> dict[str, list[str]]:
    require_rasa()
    argv = [str(RASA_PYTHON), "-c", DRIVER, url, mode, json.dumps(conversations or {}, ensure_ascii=False)]
    result = subprocess.run(argv, env=rasa_env(), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def raw_data(url: str) -> str:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, data FROM events")).all()
    engine.dispose()
    return json.dumps([list(row) for row in rows], ensure_ascii=False)


def check_renaming(database_url: str, tracker_url: str) -> None:
    ctx = build_context(settings_for(database_url, rasa_tracker_store_url=tracker_url))
    try:
        sms, wechat = f"sms:{PHONE}", "wechat:o-legacy"
        sms_p, wechat_p = pseudonyms.of(ctx.cipher, sms), pseudonyms.of(ctx.cipher, wechat)
        metadata = {"channel": "sms", "channel_user_id": PHONE}
        rasa_store(
            tracker_url,
            "write",
            {
                sms: [["我想挂号", metadata], ["明天上午", metadata]],
                wechat: [["旧的话", {"channel": "wechat", "channel_user_id": "o-legacy"}]],
                wechat_p: [["升级后说的话", {"channel": "wechat"}]],  # already spoke since the upgrade
                "e2e-visitor": [["你好", {}]],  # not one of the app's channels: left alone
            },
        )
        assert PHONE.removeprefix("+") in raw_data(tracker_url)
        renamed = legacy_trackers.pseudonymise(ctx)
        assert renamed == legacy_trackers.Renamed(conversations=1, dropped=1)
        assert rasa_store(tracker_url, "read") == {
            sms_p: ["我想挂号", "明天上午"],  # whole, under the name the chat edge now uses
            wechat_p: ["升级后说的话"],
            "e2e-visitor": ["你好"],
        }
        left = raw_data(tracker_url)
        assert PHONE.removeprefix("+") not in left and "o-legacy" not in left and "channel_user_id" not in left
        assert pseudonyms.conversation_of(ctx, sms_p) == sms  # the action server's calls resolve
        assert legacy_trackers.pseudonymise(ctx) == legacy_trackers.Renamed()  # nothing left to do
    finally:
        ctx.db.dispose()


def test_legacy_trackers_are_renamed_in_a_sqlite_store(tmp_path: Path, database_url: str) -> None:
    check_renaming(database_url, f"sqlite:///{tmp_path / 'tracker.db'}")


@pytest.mark.postgres
def test_legacy_trackers_are_renamed_in_a_postgresql_store(postgres_url: str) -> None:
    with databases.fresh_postgres_database() as tracker_url:
        check_renaming(postgres_url, tracker_url)
