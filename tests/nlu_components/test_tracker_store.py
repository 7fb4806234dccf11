"""bot/tracker_store.py: CoreSQLTrackerStore writes the rows Rasa's SQLTrackerStore writes and
reads back the trackers it reads, on one SQLite file and on one PostgreSQL database.

The same conversation goes through both stores in one table (under two sender ids, and once
under one sender id alternating the stores, as old and new Rasa processes would during a
rollout): first turns, a second save that adds events, a new session (SessionStarted), a
turn saved from the tracker retrieved after it. Rows, retrieved events (latest session and
full), and what an event broker is sent must be the same.

`test_cpu_per_turn` prints the CPU per save and per retrieve of both stores (a figure for the
commit message, not an assertion): `.venv-rasa/bin/python -m pytest -s tests/nlu_components/test_tracker_store.py`.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CoreSQLTrackerStore

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "book"],
        "slots": {
            "department": {"type": "text", "mappings": [{"type": "custom"}]},
            "requested_slot": {"type": "any", "mappings": [{"type": "custom"}]},
        },
        "responses": {"utter_greet": [{"text": "您好"}]},
    }
)


class CollectingBroker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def _clock() -> Iterator[float]:
    t = 1_765_000_000.25
    while True:
        t += 0.125
        yield t


def _turn(clock: Iterator[float], text: str, intent: str, department: str | None = None) -> list[Event]:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.93},
        "entities": [],
        "intent_ranking": [{"name": intent, "confidence": 0.93}],
    }
    events: list[Event] = [
        UserUttered(text, intent=parse["intent"], parse_data=parse, timestamp=next(clock)),
        ActionExecuted("appointments_form", policy="RulePolicy", confidence=1.0, timestamp=next(clock)),
        ActiveLoop("appointments_form", timestamp=next(clock)),
    ]
    if department:
        events.append(SlotSet("department", department, timestamp=next(clock)))
    events += [
        SlotSet("requested_slot", "date", timestamp=next(clock)),
        BotUttered(
            "您想哪天来？（回复“菜单”可返回）",
            {"elements": None},
            {"utter_action": "utter_ask_date"},
            timestamp=next(clock),
        ),
        ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=next(clock)),
    ]
    return events


def _session_start(clock: Iterator[float]) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=next(clock)),
        SessionStarted(timestamp=next(clock)),
        ActionExecuted("action_listen", timestamp=next(clock)),
    ]


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _conversation(stores: list[TrackerStore], sender_id: str) -> dict[str, Any]:
    """One conversation, its saves taken in turn by `stores` (cycled); what was retrieved between."""
    clock = _clock()
    pick = iter(stores * 10)
    seen: dict[str, Any] = {}
    tracker = DialogueStateTracker.from_events(sender_id, _session_start(clock), slots=DOMAIN.slots)
    tracker.update_with_events(_turn(clock, "挂号", "book"), DOMAIN, override_timestamp=False)
    _run(next(pick).save(tracker))
    # A second save of the same tracker with events added: only those are new.
    tracker.update_with_events(_turn(clock, "内科", "book", department="内科"), DOMAIN, override_timestamp=False)
    _run(next(pick).save(tracker))
    # The next turn starts from what the store gives back, as Rasa's processor does.
    retrieved = _run(next(pick).retrieve(sender_id))
    seen["first session"] = [e.as_dict() for e in retrieved.events]
    retrieved.update_with_events(_turn(clock, "明天", "book"), DOMAIN, override_timestamp=False)
    _run(next(pick).save(retrieved))
    # A new session in the same tracker object (the old session's events still in it).
    retrieved.update_with_events(
        _session_start(clock) + _turn(clock, "你好", "greet"), DOMAIN, override_timestamp=False
    )
    _run(next(pick).save(retrieved))
    # From the retrieved latest session only: the count must be the session's, not the table's.
    latest = _run(next(pick).retrieve(sender_id))
    seen["second session"] = [e.as_dict() for e in latest.events]
    latest.update_with_events(_turn(clock, "外科", "book", department="外科"), DOMAIN, override_timestamp=False)
    _run(next(pick).save(latest))
    _run(next(pick).save(latest))  # nothing new: nothing written
    for store in stores:
        name = type(store).__name__
        seen[f"latest by {name}"] = [e.as_dict() for e in _run(store.retrieve(sender_id)).events]
        seen[f"full by {name}"] = [e.as_dict() for e in _run(store.retrieve_full_tracker(sender_id)).events]
        seen[f"slots by {name}"] = _run(store.retrieve(sender_id)).current_slot_values()
    seen["missing"] = [_run(store.retrieve(f"{sender_id}-nobody")) for store in stores]
    return seen


def _rows(engine: sa.engine.Engine, sender_id: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        result = connection.execute(
            sa.text(
                "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data"
                " FROM events WHERE sender_id = :s ORDER BY id"
            ),
            {"s": sender_id},
        )
        return [tuple(row) for row in result]


def _without_ids(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row[2:] for row in rows]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"tracker_store_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} unreachable: {error}")
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _stores(url: str) -> tuple[SQLTrackerStore, CoreSQLTrackerStore, CollectingBroker, CollectingBroker]:
    base_broker, core_broker = CollectingBroker(), CollectingBroker()
    base = SQLTrackerStore(domain=DOMAIN, host=url, event_broker=base_broker)
    core = CoreSQLTrackerStore(domain=DOMAIN, host=url, event_broker=core_broker)
    return base, core, base_broker, core_broker


def test_same_rows_and_same_trackers_as_rasas_store(database_url: str) -> None:
    base, core, base_broker, core_broker = _stores(database_url)
    assert core.engine.dialect.name == database_url.split(":")[0]

    by_base = _conversation([base], "c_base")
    by_core = _conversation([core], "c_core")
    by_both = _conversation([base, core], "c_both")
    by_both_reversed = _conversation([core, base], "c_both_reversed")

    rows = {sender: _rows(base.engine, sender) for sender in ("c_base", "c_core", "c_both", "c_both_reversed")}
    # Every event once, and Rasa's own quirk once: a tracker object saved again after its session
    # started holds action_session_start, logged before SessionStarted's timestamp, which the
    # count of the latest session leaves out - so its last stored event is written again.
    assert len(rows["c_base"]) == 3 + 6 + 7 + 6 + 3 + 6 + 7 + 1
    assert [row[5] for row in rows["c_base"][8:10]] == ["action_listen", "action_listen"]
    for sender in ("c_core", "c_both", "c_both_reversed"):
        assert _without_ids(rows[sender]) == _without_ids(rows["c_base"]), sender
        ids = [row[0] for row in rows[sender]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # The columns Rasa fills beside `data` are filled (not only equal to the base's NULLs).
    types = {row[2] for row in rows["c_core"]}
    assert {"user", "action", "slot", "bot", "session_started", "active_loop"} <= types
    assert {row[4] for row in rows["c_core"] if row[2] == "user"} == {"book", "greet"}
    assert "appointments_form" in {row[5] for row in rows["c_core"]}

    # What each store gives back, whoever saved it.
    for seen in (by_core, by_both, by_both_reversed):
        assert seen["first session"] == by_base["first session"]
        assert seen["second session"] == by_base["second session"]
        assert seen["missing"] == [None] * len(seen["missing"])
    for seen in (by_both, by_both_reversed):
        assert seen["latest by CoreSQLTrackerStore"] == seen["latest by SQLTrackerStore"]
        assert seen["full by CoreSQLTrackerStore"] == seen["full by SQLTrackerStore"]
        assert seen["slots by CoreSQLTrackerStore"] == seen["slots by SQLTrackerStore"]
    assert by_core["latest by CoreSQLTrackerStore"] == by_base["latest by SQLTrackerStore"]
    assert by_core["full by CoreSQLTrackerStore"] == by_base["full by SQLTrackerStore"]
    assert {"department": "外科", "requested_slot": "date"}.items() <= by_base["slots by SQLTrackerStore"].items()
    # The latest session only: from its SessionStarted on; the full tracker holds both sessions.
    latest = by_core["latest by CoreSQLTrackerStore"]
    assert latest[0]["event"] == "session_started" and [e["event"] for e in latest].count("session_started") == 1
    assert [e["event"] for e in by_core["full by CoreSQLTrackerStore"]].count("session_started") == 2

    # stream_events still runs first in save: the broker sees the same new events.
    def published(broker: CollectingBroker, sender: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in body.items() if k != "sender_id"}
            for body in broker.published
            if body["sender_id"] == sender
        ]

    assert published(core_broker, "c_core") == published(base_broker, "c_base")
    assert len(published(core_broker, "c_core")) == len(rows["c_core"])
    base.engine.dispose()
    core.engine.dispose()


def test_cpu_per_turn(database_url: str) -> None:
    """Prints CPU ms per save and per retrieve, Rasa's store beside ours (no timed assertion):
    conversations of 8 turns (bench/chat_latency.py's are 7 messages) and one of 40."""
    base, core, _, _ = _stores(database_url)
    base.event_broker = core.event_broker = None  # as configured: no broker
    for turns, conversations in ((8, 5), (40, 1)):
        figures = {}
        for round_ in range(2):  # base, ours, base, ours: the second round's figures are reported
            for store in (base, core):
                save_cpu = retrieve_cpu = 0.0
                for conversation in range(conversations):
                    sender = f"bench_{type(store).__name__}_{turns}_{round_}_{conversation}"
                    clock = _clock()
                    tracker = DialogueStateTracker.from_events(sender, _session_start(clock), slots=DOMAIN.slots)
                    _run(store.save(tracker))
                    loop = asyncio.new_event_loop()
                    try:
                        for n in range(turns):
                            started = time.process_time()
                            tracker = loop.run_until_complete(store.retrieve(sender))
                            retrieve_cpu += time.process_time() - started
                            tracker.update_with_events(
                                _turn(clock, f"第{n}句", "book", department="内科"), DOMAIN, override_timestamp=False
                            )
                            started = time.process_time()
                            loop.run_until_complete(store.save(tracker))
                            save_cpu += time.process_time() - started
                    finally:
                        loop.close()
                    assert len(_rows(base.engine, sender)) == 3 + 7 * turns
                calls = turns * conversations
                figures[type(store).__name__] = (save_cpu / calls * 1000, retrieve_cpu / calls * 1000)
        (base_save, base_retrieve) = figures["SQLTrackerStore"]
        (core_save, core_retrieve) = figures["CoreSQLTrackerStore"]
        print(
            f"\n{base.engine.dialect.name}: {conversations} x {turns} turns of 7 events (sessions up to"
            f" {3 + 7 * turns} events), CPU ms per call: save {base_save:.2f} -> {core_save:.2f},"
            f" retrieve {base_retrieve:.2f} -> {core_retrieve:.2f} (SQLTrackerStore -> CoreSQLTrackerStore)"
        )
    base.engine.dispose()
    core.engine.dispose()
