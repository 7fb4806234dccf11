"""End-to-end chat turn latency through the front door, beside Rasa's own.

Starts the whole system (tests/e2e/stack.py: app under gunicorn on a seeded
SQLite database, action server, Rasa with the trained model), then sends the
same messages three ways, sequentially and with 8 concurrent clients:

- our turn: POST /api/v1/chat (web channel → red-flag rules → Rasa → actions →
  v1 API → database),
- Rasa's bare REST turn: POST /webhooks/rest/webhook on the same server,
- Rasa's NLU alone: POST /model/parse,

and times the red-flag check on its own. Prints p50/p95 and throughput.

    PYTHONPATH=. .venv/bin/python bench/chat_latency.py [--turns 300] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from services.clinical.triage import default_engine
from tests.e2e.stack import full_stack

# Turns of ordinary conversations: greetings, booking steps, FAQ, triage, results.
MESSAGES = [
    "你好", "我想挂心内科", "明天", "医院几点开门", "能停车吗", "头疼两天了", "35岁",
    "查报告", "我想开降压药", "谢谢", "我要挂号", "看牙", "下周三上午", "发票怎么开", "再见",
]  # fmt: skip


_RUN = [0]


def run_id() -> int:
    return _RUN[0]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(name: str, call: Callable[[int], None], turns: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []

    def one(i: int) -> None:
        started = time.perf_counter()
        call(i)
        latencies.append((time.perf_counter() - started) * 1000)

    _RUN[0] += 1
    started = time.perf_counter()
    if clients == 1:
        for i in range(turns):
            one(i)
    else:
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(one, range(turns)))
    elapsed = time.perf_counter() - started
    row = {
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "per_s": turns / elapsed,
    }
    print(f"| {name} | {clients} | {turns} | {row['p50']:.1f} | {row['p95']:.1f} | {row['per_s']:.1f} |", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    engine = default_engine()
    timings = []
    for _ in range(20):
        for text in MESSAGES:
            started = time.perf_counter()
            engine.red_flags(text)
            timings.append((time.perf_counter() - started) * 1000)
    print(f"machine: {os.cpu_count()} cores; red-flag check: mean {statistics.mean(timings):.3f} ms, "
          f"p99 {percentile(timings, 0.99):.3f} ms over {len(timings)} messages")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp, full_stack(Path(tmp)) as stack:
        session = requests.Session()

        def ours(i: int) -> None:
            # One sender per pass over the messages, so no conversation piles up fallbacks (and a hand-off).
            body = {"sender": f"ours-{run_id()}-{i // len(MESSAGES)}", "message": MESSAGES[i % len(MESSAGES)]}
            session.post(f"{stack.app_url}/api/v1/chat", json=body, timeout=60).raise_for_status()

        def rest(i: int) -> None:
            body = {"sender": f"rest-{run_id()}-{i // len(MESSAGES)}", "message": MESSAGES[i % len(MESSAGES)]}
            session.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60).raise_for_status()

        def parse(i: int) -> None:
            body = {"text": MESSAGES[i % len(MESSAGES)]}
            session.post(f"{stack.rasa_url}/model/parse", json=body, timeout=60).raise_for_status()

        for warm in (ours, rest, parse):
            for i in range(len(MESSAGES)):
                warm(i)
        print("\n| path | clients | turns | p50 ms | p95 ms | turns/s |\n|---|---|---|---|---|---|")
        results = {}
        for clients in (1, args.clients):
            for name, call in (
                ("/api/v1/chat (ours)", ours),
                ("Rasa REST webhook", rest),
                ("Rasa /model/parse", parse),
            ):
                results[(name, clients)] = run(name, call, args.turns, clients)
        ratio = results[("/api/v1/chat (ours)", 1)]["p50"] / results[("Rasa REST webhook", 1)]["p50"]
        print(f"\nour turn / Rasa's bare REST turn at p50, sequential: {ratio:.2f} (goal ≤ 1.5)")


if __name__ == "__main__":
    main()
