"""Where Rasa's own turn time goes, from the timestamps in its SQL tracker store.

Rasa stamps every event of a turn: the user message (after the NLU parsed it), then each
action it predicted and ran. The gap before an `utter_*` or `action_listen` event is the
policies' prediction (plus the tracker's bookkeeping); the gap before a custom action's
event also holds the round trip to the action server and the actions' v1 API calls.
Summed per turn, that says whether a turn waits on the dialogue policies or on the
actions, without a profiler inside Rasa.

    PYTHONPATH=. .venv/bin/python bench/rasa_turn_profile.py sqlite:////tmp/.../tracker.db [--senders PREFIX]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from bench.chat_checks import percentile


@dataclass
class Gaps:
    policy_ms: list[float] = field(default_factory=list)  # before utter_* / action_listen
    custom_ms: list[float] = field(default_factory=list)  # before a custom action (action server included)
    turn_ms: list[float] = field(default_factory=list)  # user message → the turn's last event
    predictions: list[int] = field(default_factory=list)  # actions predicted per turn


def gaps(events: list[tuple[str, float, str | None]]) -> Gaps:
    """`events`: one conversation's (type, timestamp, action name), in order."""
    found = Gaps()
    turn_start, last, predicted = None, 0.0, 0

    def close() -> None:
        if turn_start is not None:
            found.turn_ms.append((last - turn_start) * 1000)
            found.predictions.append(predicted)

    for kind, stamp, action in events:
        if kind == "user":
            close()
            turn_start, last, predicted = stamp, stamp, 0
            continue
        if turn_start is None:
            continue
        if kind == "action":
            gap = (stamp - last) * 1000
            predicted += 1
            is_policy = (action or "").startswith(("utter_", "action_listen"))
            (found.policy_ms if is_policy else found.custom_ms).append(gap)
        last = stamp
    close()
    return found


def load(url: str, prefix: str) -> dict[str, list[tuple[str, float, str | None]]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT sender_id, type_name, timestamp, action_name FROM events WHERE sender_id LIKE :p ORDER BY id"),
            {"p": f"{prefix}%"},
        ).all()
    engine.dispose()
    conversations: dict[str, list[tuple[str, float, str | None]]] = defaultdict(list)
    for sender, kind, stamp, action in rows:
        conversations[sender].append((kind, float(stamp), action))
    return conversations


def report(conversations: dict[str, list[tuple[str, float, str | None]]]) -> dict[str, float]:
    total = Gaps()
    for events in conversations.values():
        one = gaps(events)
        total.policy_ms += one.policy_ms
        total.custom_ms += one.custom_ms
        total.turn_ms += one.turn_ms
        total.predictions += one.predictions
    turns = len(total.turn_ms) or 1
    return {
        "conversations": len(conversations),
        "turns": len(total.turn_ms),
        "turn_p50_ms": percentile(total.turn_ms, 0.5),
        "turn_p95_ms": percentile(total.turn_ms, 0.95),
        "predictions_per_turn": sum(total.predictions) / turns,
        "policy_gap_p50_ms": percentile(total.policy_ms, 0.5),
        "policy_ms_per_turn": sum(total.policy_ms) / turns,
        "custom_action_gap_p50_ms": percentile(total.custom_ms, 0.5),
        "custom_ms_per_turn": sum(total.custom_ms) / turns,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tracker_url")
    parser.add_argument("--senders", action="append", default=[], help="sender id prefix (repeatable)")
    args = parser.parse_args()
    for prefix in args.senders or [""]:
        figures = report(load(args.tracker_url, prefix))
        print(json.dumps({"senders": prefix or "*", **{k: round(v, 1) for k, v in figures.items()}}))


if __name__ == "__main__":
    main()
