"""Rasa's SQL tracker store with the same table and rows, saved and read with SQLAlchemy Core.

Why: a py-spy profile of Rasa's turn (docs/benchmarks.md, "Chat, 2026-12-07") put ~12 ms of
Rasa's ~46 ms CPU per turn in `SQLTrackerStore`: on every save an ORM `Query.count()` (a
subquery wrapped in another) to find which events are new, then one ORM object per new event
flushed one INSERT at a time (on PostgreSQL each with `RETURNING id`); on every retrieve ORM
objects built for whole rows only to read their `data`. Here the same statements are Core:
the count is one `SELECT count(*)`, the new events go in one executemany INSERT in the count's
transaction, and a retrieve selects only `data` in id order.

What stays Rasa's, so that old and new processes can share one database (replicas during a
rollout), and so the readers of `events` keep working (the retention job, erasure and the
legacy-tracker migration in services/conversation/, scripts/conversation_blind_report.py, the
console's conversation review through Rasa's tracker API):

- the table: `SQLTrackerStore.SQLEvent.__table__`, created by Rasa's own `__init__`
  (`create_all`), the same engine, URL handling, pool and PostgreSQL schema check;
- every column of a row written as Rasa writes it (sender_id, type_name, the event's
  timestamp, the intent and action names read from `event.as_dict()` the same way, `data` as
  `json.dumps(event.as_dict())`), ids from the same autoincrement, in the tracker's order;
- which events are new: the tracker's events after as many as the latest session holds in
  the table (the rows at or after its latest `session_started` timestamp, all when there is
  none) - the same rule, in one statement;
- `retrieve` gives the latest session, `retrieve_full_tracker` every session, both rebuilt by
  `DialogueStateTracker.from_dict` with the domain's slots; `save` still calls
  `stream_events` first (an event broker, if one is ever configured, sees the same events).

Concurrency is what Rasa has: a conversation's turns are serialised by the lock store (Redis
across replicas), and count and insert share one transaction as Rasa's session did.

Configured in bot/endpoints.yml and bot/endpoints-pull.yml as
`type: bot.tracker_store.CoreSQLTrackerStore` with `url: ${RASA_TRACKER_STORE_URL}`: Rasa 3.6
calls a custom class with `host=<url>, domain=, event_broker=` and the section's other keys,
as it calls its own SQL store for `type: SQL`. Caution: when Rasa cannot import the class it
only warns and keeps conversations in memory; tests/rasa/test_endpoint_stores.py checks that
the configured store is this class.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.constants import POSTGRESQL_SCHEMA
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)


class CoreSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (same table, rows and semantics) without ORM objects on the turn's path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = self.SQLEvent.__table__
        sender: sa.sql.elements.BindParameter[str] = sa.bindparam("sender_id")
        # The timestamp of the conversation's latest SessionStarted (NULL when it has none).
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        latest_session = sa.and_(
            events.c.sender_id == sender,
            sa.or_(events.c.timestamp >= session_start, session_start.is_(None)),
        )
        self._latest_session_data = sa.select(events.c.data).where(latest_session).order_by(events.c.id)
        self._all_sessions_data = sa.select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        self._latest_session_count = sa.select(sa.func.count()).select_from(events).where(latest_session)
        self._insert = events.insert()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sa.engine.Connection]:
        """One connection in one transaction, committed on success, as Rasa's `session_scope`."""
        if os.environ.get(POSTGRESQL_SCHEMA):
            # Rasa checks that the schema exists in every session (and exits when it does not).
            with self.session_scope() as session:
                yield session.connection()
                session.commit()
            return
        with self.engine.begin() as connection:
            yield connection

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        query = self._all_sessions_data if fetch_events_from_all_sessions else self._latest_session_data
        with self._connection() as connection:
            serialised = connection.execute(query, {"sender_id": sender_id}).scalars().all()
        events = [json.loads(data) for data in serialised]
        if self.domain and len(events) > 0:
            logger.debug(f"Recreating tracker from sender id '{sender_id}'")
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        logger.debug(f"Can't retrieve tracker matching sender id '{sender_id}' from SQL storage: None")
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events the table does not hold yet, as Rasa's `SQLTrackerStore.save` does."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        with self._connection() as connection:
            stored = connection.execute(self._latest_session_count, {"sender_id": sender_id}).scalar_one()
            new_events = itertools.islice(tracker.events, stored, len(tracker.events))
            rows = [_row(sender_id, event) for event in new_events]
            if rows:
                connection.execute(self._insert, rows)
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")


def _row(sender_id: str, event: Any) -> dict[str, Any]:
    """The row Rasa's `SQLTrackerStore.save` writes for `event`, column by column."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
