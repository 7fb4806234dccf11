"""End-to-end chat latency through the front door, beside Rasa's own, in whole conversations.

Starts the whole system (tests/e2e/stack.py: the chat edge under gunicorn, the
v1 API in its own gunicorn as in the Procfile, the action server, Rasa with the
trained model), then, at 1, 8, 32 and 64 concurrent patients, has every patient
hold a seven-message conversation (greeting, booking steps, a FAQ, a symptom,
thanks), turn after turn, three ways:

- our turn: POST /api/v1/chat (web channel → red-flag rules → Rasa → actions →
  v1 API → database), each patient with its own session cookie;
- Rasa's bare REST turn: POST /webhooks/rest/webhook on the same Rasa;
- Rasa's NLU alone: POST /model/parse, the same texts.

Prints turns/s and p50/p95 per path and level, our p50 over Rasa's, and checks
every conversation for a lost or duplicated turn: in our database (one kept
message per turn, each answered) and in Rasa's tracker (the user's texts, in
order, once each). Heavy: it starts the real stack; run it once, not in a loop.

    PYTHONPATH=. .venv/bin/python bench/chat_latency.py [--clients 1,8,32,64] [--rounds 1]

Exits non-zero when a turn failed or a conversation lost or repeated a turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.e2e.stack import Stack, full_stack

CONVERSATION = ["你好", "我想挂心内科", "明天", "医院几点开门", "能停车吗", "头疼两天了", "谢谢"]
Turn = Callable[[requests.Session, str, str], None]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def converse(turn: Turn, patients: int, rounds: int, tag: str) -> tuple[list[float], float, list[str], list[str]]:
    """Each patient holds `rounds` whole conversations; latencies in ms, wall seconds, senders, errors."""
    latencies: list[float] = []
    errors: list[str] = []
    senders = [f"{tag}-{p}-{r}" for r in range(rounds) for p in range(patients)]

    def one(sender: str) -> None:
        session = requests.Session()  # its own cookie: its own conversation
        for message in CONVERSATION:
            started = time.perf_counter()
            try:
                turn(session, sender, message)
            except (requests.RequestException, ValueError, AssertionError) as exc:
                errors.append(f"{sender} {message!r}: {exc}")
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(patients) as pool:
        list(pool.map(one, senders))
    return latencies, time.perf_counter() - started, senders, errors


def tracker_problems(stack: Stack, senders: list[str]) -> list[str]:
    problems = []
    for sender in senders:
        events = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=30).json()["events"]
        said = [e.get("text") for e in events if e.get("event") == "user"]
        if said != CONVERSATION:
            problems.append(f"rasa {sender}: {len(said)} user turns, expected {len(CONVERSATION)}")
    return problems


def kept_problems(stack: Stack, since: float, conversations: int) -> list[str]:
    """Our side: one kept message per turn, each answered, in exactly `conversations` conversations."""
    engine = create_engine(stack.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT conversation_hash, count(*), sum(CASE WHEN status IN ('received', 'unanswered') "
                "THEN 1 ELSE 0 END) FROM inbound_messages WHERE id > :since GROUP BY conversation_hash"
            ),
            {"since": since},
        ).all()
    engine.dispose()
    problems = [
        f"ours {h[:8]}: {n} kept turns, {bad} unanswered" for h, n, bad in rows if n != len(CONVERSATION) or bad
    ]
    if len(rows) != conversations:
        problems.append(f"ours: {len(rows)} conversations kept, expected {conversations}")
    return problems


def last_kept_id(stack: Stack) -> int:
    engine = create_engine(stack.database_url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT coalesce(max(id), 0) FROM inbound_messages")).scalar_one()
    engine.dispose()
    return int(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 8, 32, 64])
    parser.add_argument("--rounds", type=int, default=1, help="conversations per patient at each level")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")

    with tempfile.TemporaryDirectory() as tmp, full_stack(Path(tmp)) as stack:

        def ours(session: requests.Session, sender: str, message: str) -> None:
            r = session.post(f"{stack.app_url}/api/v1/chat", json={"sender": sender, "message": message}, timeout=60)
            r.raise_for_status()
            assert r.json()["messages"], "no reply"

        def rest(session: requests.Session, sender: str, message: str) -> None:
            body = {"sender": sender, "message": message}
            r = session.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
            r.raise_for_status()
            assert r.json(), "no reply"

        def parse(session: requests.Session, sender: str, message: str) -> None:
            r = session.post(f"{stack.rasa_url}/model/parse", json={"text": message}, timeout=60)
            r.raise_for_status()
            assert r.json()["text"] == message

        converse(ours, 2, 1, "warm-ours")
        converse(rest, 2, 1, "warm-rest")
        print("\n| path | patients | turns | turns/s | p50 ms | p95 ms | lost or duplicated |")
        print("|---|---|---|---|---|---|---|")
        failures: list[str] = []
        for clients in args.clients:
            p50 = {}
            for name, turn in (
                ("/api/v1/chat (ours)", ours),
                ("Rasa REST webhook", rest),
                ("Rasa /model/parse", parse),
            ):
                since = last_kept_id(stack)
                latencies, wall, senders, errors = converse(
                    turn, clients, args.rounds, f"{name[:4].strip('/')}{clients}"
                )
                problems = []
                if turn is ours:
                    problems = kept_problems(stack, since, len(senders))
                elif turn is rest:
                    problems = tracker_problems(stack, senders)
                failures += errors + problems
                p50[name] = statistics.median(latencies)
                print(
                    f"| {name} | {clients} | {len(latencies)} | {len(latencies) / wall:.1f} | {p50[name]:.0f} "
                    f"| {percentile(latencies, 0.95):.0f} | {len(problems) + len(errors)} |",
                    flush=True,
                )
            ratio = p50["/api/v1/chat (ours)"] / p50["Rasa REST webhook"]
            print(f"|   our p50 / Rasa REST p50 at {clients}: {ratio:.2f} (goal ≤ 1.5) | | | | | | |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    for failure in failures[:20]:
        print(f"PROBLEM: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
