"""The staggered model rollout (services/teaching/model_rollout.py), against the real app
under gunicorn (two worker processes, so two replicas' polls can be answered at the same
instant by different processes), on SQLite and on PostgreSQL.

Three simulated replicas poll as Rasa 3.6 does (agent.py `_pull_model_and_fingerprint`):
`GET /rasa/model?token=…` with If-None-Match set to the fingerprint of the model they
run, a random one before their first model; a 200 is downloaded and "loaded" for
LOAD_SECONDS, during which the replica does not poll (Rasa loads on its event loop),
and only then does its fingerprint become the new ETag. Only the far side (Rasa) is
simulated: the HTTP server, the database and the console's activation are real.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from app import build_context
from integrations.rasa.fleet import model_server_for
from services.teaching import model_lifecycle as ml
from tests.concurrency.server import running_server
from tests.conftest import SERVICE_TOKEN, settings_for

TOKEN = "rasa-rollout-test-token-0123456789abcdef012345"
STEP_SECONDS = 4.0  # RASA_ROLLOUT_STEP_SECONDS: the turn lapses after this without a report
LOAD_SECONDS = 1.5
POLL_SECONDS = 0.1  # Rasa's is 10 s; faster here, which only makes collisions likelier
NAMES = ("rasa-a", "rasa-b", "rasa-c")


@dataclass
class Move:
    replica: str
    etag: str
    handed: float
    loaded: float | None = None


@dataclass
class Fleet:
    base: str
    moves: list[Move] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    die_when_handed: set[str] = field(default_factory=set)  # a pod killed mid-load: never polls again
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[str] = field(default_factory=list)

    def poll_forever(self, name: str) -> None:
        session = requests.Session()
        self.fingerprints[name] = uuid.uuid4().hex  # Rasa's fingerprint before any model
        while not self.stop.is_set():
            try:
                self._poll(session, name)
            except (requests.RequestException, AssertionError) as exc:
                self.errors.append(f"{name}: {exc}")
            if name in self.die_when_handed and any(m.replica == name for m in self._dead_moves()):
                return
            time.sleep(POLL_SECONDS)

    def _dead_moves(self) -> list[Move]:
        return [m for m in self.moves if m.replica in self.die_when_handed and m.loaded is None]

    def _poll(self, session: requests.Session, name: str) -> None:
        response = session.get(
            f"{self.base}/rasa/model",
            params={"token": TOKEN},
            headers={"If-None-Match": self.fingerprints[name], "X-Rasa-Replica": name},
            timeout=30,
        )
        if response.status_code == 304:
            return
        assert response.status_code == 200, f"{response.status_code} {response.text[:200]}"
        move = Move(name, response.headers["ETag"], time.monotonic())
        with self.lock:
            self.moves.append(move)
        if name in self.die_when_handed:
            return
        time.sleep(LOAD_SECONDS)
        move.loaded = time.monotonic()
        self.fingerprints[name] = response.headers["ETag"]  # as Rasa: the raw header, quotes and all

    def runs(self, name: str) -> str:
        return self.fingerprints.get(name, "").strip('"')

    def wait(self, done: Callable[[], bool], seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not done():
            assert not self.errors, self.errors[:3]
            assert time.monotonic() < deadline, f"timed out; moves: {self.moves}"
            time.sleep(0.05)

    def status(self) -> dict[str, Any]:
        response = requests.get(f"{self.base}/rasa/rollout", params={"token": TOKEN}, timeout=10)
        assert response.status_code == 200
        return dict(response.json())


def assert_one_at_a_time(moves: list[Move]) -> None:
    """Each move starts only after the one before it has loaded (or was abandoned)."""
    ordered = sorted(moves, key=lambda m: m.handed)
    for before, after in itertools.pairwise(ordered):
        ended = before.loaded if before.loaded is not None else before.handed + STEP_SECONDS
        assert after.handed >= ended, f"{after.replica} started while {before.replica} was loading"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "sqlite":
        return database_url
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def fleet(database: str, tmp_path: Path) -> Iterator[tuple[Fleet, Callable[[str], str], Callable[[str], None]]]:
    models = tmp_path / "models"
    models.mkdir()
    (models / "current.tar.gz").write_bytes(b"bootstrap model")
    env = {
        "DATABASE_URL": database,
        "HOSPITAL_API_TOKEN": SERVICE_TOKEN,
        "RASA_AUTH_TOKEN": TOKEN,
        "RASA_MODEL_PULL": "true",
        "RASA_MODELS_DIR": str(models),
        "RASA_ROLLOUT_STEP_SECONDS": str(STEP_SECONDS),
    }
    ctx = build_context(settings_for(database, rasa_models_dir=models, rasa_model_pull=True))
    paths = ml.LifecyclePaths(models=models)

    def register(content: str) -> str:
        candidate = tmp_path / f"{content}.tar.gz"
        candidate.write_bytes(content.encode())
        return ml.register_model(ctx, candidate, author="staff:test", paths=paths)

    def activate(version: str) -> None:
        ml.activate(ctx, version, model_server_for(ctx.settings.rasa_url, TOKEN, pulled=True), actor="staff:test")

    with running_server(env, workers=2, threads=4, log_dir=tmp_path) as base:
        fleet = Fleet(base)
        threads = [threading.Thread(target=fleet.poll_forever, args=(name,), daemon=True) for name in NAMES]
        for thread in threads:
            thread.start()
        try:
            yield fleet, register, activate
        finally:
            fleet.stop.set()
            for thread in threads:
                thread.join(timeout=10)
            ctx.db.dispose()


def test_a_new_model_reaches_replicas_one_at_a_time_and_rolls_back(
    fleet: tuple[Fleet, Callable[[str], str], Callable[[str], None]],
) -> None:
    replicas, register, activate = fleet
    everyone_runs = lambda tag: lambda: all(replicas.runs(n) == tag for n in NAMES)  # noqa: E731

    # Fresh replicas take no traffic until they have a model: they get it at once, no turns.
    replicas.wait(lambda: all(replicas.runs(n).startswith("bootstrap-") for n in NAMES))
    assert len(replicas.moves) == 3

    # 1. Activation: one replica at a time, each as soon as the previous reports the new tag.
    first, second = register("first model"), register("second model")
    activate(first)
    replicas.wait(everyone_runs(f"version-{first}"))
    rollout = [m for m in replicas.moves if m.etag == f'"version-{first}"']
    assert sorted(m.replica for m in rollout) == sorted(NAMES), "each replica loads it exactly once"
    assert_one_at_a_time(rollout)
    ordered = sorted(rollout, key=lambda m: m.handed)
    for before, after in itertools.pairwise(ordered):
        assert before.loaded is not None and after.handed - before.loaded < STEP_SECONDS, "moved on the report"
    replicas.wait(lambda: replicas.status()["done"] is True)  # the last one's next poll reports it
    status = replicas.status()
    assert status["moving"] is None
    assert {r["replica"]: r["running"] for r in status["replicas"]} == dict.fromkeys(NAMES, f"version-{first}")

    # 2. Rollback in the middle of a rollout: only the replicas that moved move back.
    activate(second)
    replicas.wait(lambda: any(m.etag == f'"version-{second}"' and m.loaded for m in replicas.moves))
    activate(first)
    replicas.wait(everyone_runs(f"version-{first}"))
    time.sleep(5 * POLL_SECONDS)  # nothing more moves once every replica runs the target
    since = ordered[-1].loaded or 0.0
    later = [m for m in replicas.moves if m.handed > since]
    went = {m.replica for m in later if m.etag == f'"version-{second}"'}
    assert 1 <= len(went) <= 2 and {m.replica for m in later if m.etag == f'"version-{first}"'} == went
    assert set(NAMES) - went, "a replica that never moved was never touched"
    assert_one_at_a_time(later)

    # 3. A replica that dies while loading holds the turn only until it lapses.
    replicas.die_when_handed.update(NAMES)  # whoever goes first dies
    activate(second)
    replicas.wait(
        lambda: len([m for m in replicas.moves if m.handed > since and m.etag == f'"version-{second}"']) > len(went)
    )
    dead = [m for m in replicas.moves if m.etag == f'"version-{second}"'][-1]
    replicas.die_when_handed.clear()
    survivors = [n for n in NAMES if n != dead.replica]
    replicas.wait(lambda: all(replicas.runs(n) == f"version-{second}" for n in survivors), seconds=60)
    after_death = sorted((m for m in replicas.moves if m.handed > dead.handed), key=lambda m: m.handed)
    assert [m.replica for m in after_death] and {m.replica for m in after_death} == set(survivors)
    assert after_death[0].handed - dead.handed >= STEP_SECONDS - 0.5, "the next waited for the turn to lapse"
    assert_one_at_a_time(after_death)
    status = replicas.status()
    assert status["done"] is False  # the dead one still shows the old model, for the operator to see
