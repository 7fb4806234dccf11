"""bot/endpoints.yml takes its stores from the environment: the embedded defaults
`make run` exports (SQLite file, in-memory locks), and PostgreSQL plus Redis for a
fleet of Rasa replicas. Rasa itself (in .venv-rasa) reads the file and builds the
stores, and a conversation is written and read back through them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import redis

from tests.rasa.conftest import RASA_PYTHON, ROOT, rasa_env, require_rasa

ENDPOINTS = ROOT / "bot" / "endpoints.yml"

# Runs inside Rasa's venv: read the endpoints the way `rasa run` does, build both
# stores, save a conversation, read it back, take and release a lock.
DRIVER = """
import asyncio, json, sys
from rasa.core.utils import AvailableEndpoints
from rasa.core.tracker_store import TrackerStore
from rasa.core.lock_store import LockStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import UserUttered

endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
store = TrackerStore.create(endpoints.tracker_store)
locks = LockStore.create(endpoints.lock_store)

async def main():
    tracker = DialogueStateTracker.from_events("fleet:1", [UserUttered("挂号")])
    await store.save(tracker)
    back = await store.retrieve("fleet:1")
    lock = locks.issue_ticket("fleet:1")
    return [e.text for e in back.events if isinstance(e, UserUttered)], lock

texts, ticket = asyncio.run(main())
print(json.dumps({
    "tracker_store": type(store).__name__,
    "dialect": store.engine.dialect.name,
    "lock_store": type(locks).__name__,
    "texts": texts,
    "ticket": ticket,
    "action_headers": endpoints.action.headers,
}, ensure_ascii=False))
"""


def _stores(**env: str) -> dict[str, object]:
    require_rasa()
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", DRIVER, str(ENDPOINTS)],
        env=rasa_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _env(tracker_url: str, lock_type: str, host: str = "", port: str = "", db: str = "") -> dict[str, str]:
    return {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "ACTION_SERVER_TOKEN": "action-secret",
        "RASA_TRACKER_STORE_URL": tracker_url,
        "RASA_LOCK_STORE_TYPE": lock_type,
        "RASA_LOCK_STORE_HOST": host,
        "RASA_LOCK_STORE_PORT": port,
        "RASA_LOCK_STORE_DB": db,
        "RASA_LOCK_STORE_PASSWORD": "",
    }


def test_embedded_defaults_are_a_sqlite_file_and_memory_locks(tmp_path: Path) -> None:
    tracker_db = tmp_path / "tracker.db"
    found = _stores(**_env(f"sqlite:///{tracker_db}", "in_memory"))
    assert found["tracker_store"] == "CoreSQLTrackerStore" and found["dialect"] == "sqlite"  # not in memory
    assert found["lock_store"] == "InMemoryLockStore"
    assert found["texts"] == ["挂号"]
    assert tracker_db.stat().st_size > 0
    assert found["action_headers"] == {"X-Action-Token": "action-secret"}


def test_the_makefile_exports_every_variable_the_endpoints_need() -> None:
    """`make run` must start Rasa on the embedded defaults: Rasa refuses an unset ${VAR}."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    needed = set(__import__("re").findall(r"\$\{(\w+)\}", ENDPOINTS.read_text(encoding="utf-8")))
    assert needed, "endpoints.yml names no variables"
    missing = {name for name in needed if f"export {name} ?=" not in makefile}
    assert not missing
    assert "export RASA_TRACKER_STORE_URL ?= sqlite:///var/rasa/tracker.db" in makefile
    assert "export RASA_LOCK_STORE_TYPE ?= in_memory" in makefile


@pytest.mark.postgres
@pytest.mark.redis
def test_production_stores_are_postgresql_and_redis(postgres_url: str, redis_url: str) -> None:
    url = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    found = _stores(**_env(postgres_url, "redis", str(url["host"]), str(url["port"]), str(url["db"])))
    assert found["tracker_store"] == "CoreSQLTrackerStore" and found["dialect"] == "postgresql"
    assert found["texts"] == ["挂号"]
    assert found["lock_store"] == "RedisLockStore"
    # The lock lives in Redis, where a second replica would see it.
    assert redis.Redis.from_url(redis_url).exists("lock:fleet:1")
    redis.Redis.from_url(redis_url).delete("lock:fleet:1")
