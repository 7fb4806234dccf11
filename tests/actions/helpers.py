"""Tracker fixtures and small assertions for the action tests."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    sender: str = "u1",
    channel: str = "web",
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as the action server receives it."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "metadata": {"channel": channel},
    }
    all_events = list(events or [])
    all_events.append(
        {"event": "user", "text": text, "parse_data": message, "input_channel": "rest", "timestamp": time.time()}
    )
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message=message,
        events=all_events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") for m in dispatcher.messages if m.get("response")]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
