"""Trackers Rasa kept before pseudonyms: renamed to the pseudonym, the platform id scrubbed.

Before services/conversation/pseudonyms.py, the app named a conversation to Rasa
`channel:sender` (for SMS `sms:+86…`, the patient's phone) and put the platform id
in every message's metadata (`channel_user_id`). Those rows stay in Rasa's tracker
store after an upgrade. The hourly job (retention.py) renames each such conversation
to its pseudonym, so the patient's next message finds it (the HMAC is the same one the
chat edge computes), records the mapping for the API, and removes `channel_user_id`
from its events' metadata. If the patient already spoke since the upgrade (a tracker
under the pseudonym exists), the old rows are deleted instead: two trackers' events
under one sender id would interleave two conversations.

Only sender ids of the app's own channels (`web:`, `wechat:`, `alipay:`, `sms:`) are
touched. Rasa's table is reached with SQLAlchemy Core, never its models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Integer, String, Text, column, delete, inspect, or_, select, table, update

from db import make_engine
from services.context import ServiceContext
from services.conversation import pseudonyms
from services.conversation.retention import tracker_store_url
from services.patients.registry import CHANNELS

EVENTS = table("events", column("id", Integer), column("sender_id", String), column("data", Text))
PLATFORM_ID_KEY = "channel_user_id"


@dataclass(frozen=True)
class Renamed:
    conversations: int = 0  # renamed to their pseudonym
    dropped: int = 0  # deleted: a tracker under the pseudonym already existed


def pseudonymise(ctx: ServiceContext) -> Renamed:
    """Rename every conversation Rasa keeps under a plain `channel:sender`."""
    url = tracker_store_url(ctx.settings.rasa_tracker_store_url)
    if not url:
        return Renamed()
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("events"):
            return Renamed()
        plain = or_(*(EVENTS.c.sender_id.like(f"{channel}:%") for channel in sorted(CHANNELS)))
        with engine.connect() as connection:
            senders = [row[0] for row in connection.execute(select(EVENTS.c.sender_id).where(plain).distinct())]
        renamed = dropped = 0
        for sender in senders:
            pseudonym = pseudonyms.remember(ctx, sender)
            with engine.begin() as connection:
                if connection.execute(select(EVENTS.c.id).where(EVENTS.c.sender_id == pseudonym).limit(1)).first():
                    connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender))
                    dropped += 1
                    continue
                _scrub(connection, sender)
                connection.execute(update(EVENTS).where(EVENTS.c.sender_id == sender).values(sender_id=pseudonym))
                renamed += 1
        return Renamed(renamed, dropped)
    finally:
        engine.dispose()


def _scrub(connection: Connection, sender: str) -> None:
    """Drop the platform id from the conversation's events (the message's metadata, and its
    copy in `parse_data`)."""
    rows = connection.execute(
        select(EVENTS.c.id, EVENTS.c.data).where(
            EVENTS.c.sender_id == sender, EVENTS.c.data.like(f"%{PLATFORM_ID_KEY}%")
        )
    ).all()
    for event_id, data in rows:
        scrubbed = _without_platform_id(json.loads(data))
        connection.execute(update(EVENTS).where(EVENTS.c.id == event_id).values(data=json.dumps(scrubbed)))


def _without_platform_id(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_platform_id(v) for k, v in value.items() if k != PLATFORM_ID_KEY}
    if isinstance(value, list):
        return [_without_platform_id(v) for v in value]
    return value
