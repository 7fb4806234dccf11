"""End-to-end chat latency through the front door, beside Rasa's own, in whole conversations.

Starts the whole system as `make run` does (bench/chat_stack.py: the chat edge and the v1
API in two gunicorns, scripts/action_server.py, Rasa with var/rasa/models/current.tar.gz),
then at each level of concurrent patients has every patient hold a seven-message
conversation (greeting, booking steps, two FAQs, a symptom, thanks), turn after turn,
three ways in the same run:

- ours: POST /api/v1/chat (red-flag rules → Rasa → actions → v1 API → database), each
  patient with its own session cookie; a 503 from the admission gate ("排队中") is
  retried after its Retry-After, as the chat page does, and counted as shed;
- Rasa's bare REST turn: POST /webhooks/rest/webhook on the same Rasa;
- Rasa's NLU alone: POST /model/parse, the same texts.

Prints turns/s, p50/p95 and the load average per row, our p50 over Rasa's REST p50, and
checks every conversation for a lost or duplicated turn: ours in our database (the kept
messages, decrypted) and in Rasa's tracker, Rasa's REST turns in its tracker; a turn
kept but answered with the apology (Rasa slower than RASA_TIMEOUT_SECONDS) is counted
apart, as unanswered. Then a profile from the processes' own request logs: how long the chat view
itself ran (the rest of the patient's wait was spent queueing before it) and the v1 API
calls the actions made per turn.

    PYTHONPATH=. .venv/bin/python bench/chat_latency.py [--clients 1,8,32,64] [--quick]

Exits non-zero when a turn failed or a conversation lost or repeated a turn. Heavy: run it
once, not in a loop; on a busy machine Rasa alone may take minutes to load its model.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, text

from bench.chat_checks import summarize, turn_problems
from bench.chat_profile import LogMark, profile_lines
from bench.chat_stack import ChatStack, Processes, chat_stack
from services.conversation import pseudonyms
from services.crypto import FieldCipher

CONVERSATION = ["你好", "我想挂心内科", "明天", "医院几点开门", "能停车吗", "头疼两天了", "谢谢"]
MAX_SHED_RETRIES = 20
UNANSWERED = "unanswered"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shed: int = 0
    replies: dict[str, list[str]] = field(default_factory=dict)  # sender -> the bot's texts, turn by turn


Turn = Callable[[requests.Session, str, str, Run], None]


def converse(turn: Turn, senders: list[str], patients: int, think_seconds: float = 0.0) -> tuple[Run, float]:
    """Every sender holds the whole conversation, `patients` at a time; wall seconds.

    `think_seconds`: the pause before each message after the first, as a patient reads the
    reply and types. 0 (the default) is a closed loop: the next message leaves the moment
    the reply comes, so latency is patients / throughput (Little's law) whatever the server
    does; a pause measures the turn as patients in conversation at the same time see it."""
    run = Run()

    def one(sender: str) -> None:
        session = requests.Session()  # its own cookie: its own conversation
        for index, message in enumerate(CONVERSATION):
            if index and think_seconds:
                time.sleep(think_seconds)
            started = time.perf_counter()
            try:
                turn(session, sender, message, run)
            except (requests.RequestException, ValueError, AssertionError) as exc:
                run.errors.append(f"{sender} {message!r}: {type(exc).__name__} {exc}"[:300])
                continue
            run.latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(patients) as pool:
        list(pool.map(one, senders))
    return run, time.perf_counter() - started


def turns(stack: ChatStack) -> dict[str, Turn]:
    token = {"token": stack.rasa_token}

    def ours(session: requests.Session, sender: str, message: str, run: Run) -> None:
        for _ in range(MAX_SHED_RETRIES):
            r = session.post(f"{stack.app_url}/api/v1/chat", json={"sender": sender, "message": message}, timeout=60)
            if r.status_code != 503:
                break
            run.shed += 1  # the gate's quick "排队中": the page asks again after Retry-After
            time.sleep(min(float(r.headers.get("Retry-After", "1")), 3.0))
        r.raise_for_status()
        messages = r.json()["messages"]
        assert messages, "no reply"
        run.replies.setdefault(sender, []).append(" / ".join(str(m.get("text", "")) for m in messages))

    def rest(session: requests.Session, sender: str, message: str, run: Run) -> None:
        body = {"sender": sender, "message": message}
        r = session.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        r.raise_for_status()
        assert r.json(), "no reply"

    def parse(session: requests.Session, sender: str, message: str, run: Run) -> None:
        r = session.post(f"{stack.rasa_url}/model/parse", params=token, json={"text": message}, timeout=60)
        r.raise_for_status()
        assert r.json()["text"] == message

    return {"/api/v1/chat (ours)": ours, "Rasa REST webhook": rest, "Rasa /model/parse": parse}


def tracker_problems(stack: ChatStack, conversation_ids: list[str]) -> list[str]:
    """The patient's own texts in Rasa's tracker (a button payload or the symptom check's
    `/report_symptom{…}` hand-over is not something the patient said)."""
    problems = []
    for conversation in conversation_ids:
        url = f"{stack.rasa_url}/conversations/{quote(conversation, safe=':')}/tracker"
        events = requests.get(url, params={"token": stack.rasa_token}, timeout=60).json()["events"]
        said = [e.get("text") for e in events if e.get("event") == "user" and not str(e.get("text")).startswith("/")]
        problems += [f"rasa {conversation[:12]}: {p}" for p in turn_problems(CONVERSATION, said)]
    return problems


def _cipher(stack: ChatStack) -> FieldCipher:
    from app import build_context
    from config import load_settings

    ctx = build_context(load_settings(app_env="test", database_url=stack.database_url))
    ctx.db.dispose()
    return ctx.cipher


def kept_conversations(stack: ChatStack, since: int) -> dict[str, list[tuple[str, str]]]:
    """Our database: each conversation's kept messages since `since`, decrypted, in order."""
    from services.conversation.contexts import CONVERSATION_CONTEXT, TEXT_CONTEXT

    cipher = _cipher(stack)
    engine = create_engine(stack.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT conversation_enc, text_enc, status FROM inbound_messages WHERE id > :since ORDER BY id"),
            {"since": since},
        ).all()
    engine.dispose()
    kept: dict[str, list[tuple[str, str]]] = {}
    for conversation, said, status in rows:
        kept.setdefault(cipher.decrypt(conversation, CONVERSATION_CONTEXT), []).append(
            (cipher.decrypt(said, TEXT_CONTEXT), status)
        )
    return kept


def our_problems(stack: ChatStack, since: int, conversations: int) -> list[str]:
    kept = kept_conversations(stack, since)
    problems = []
    for conversation, rows in kept.items():
        problems += [f"ours {conversation[:12]}: {p}" for p in turn_problems(CONVERSATION, [t for t, _ in rows])]
        # kept, but the patient got the apology (Rasa slower than RASA_TIMEOUT_SECONDS, or down)
        problems += [f"ours {conversation[:12]}: {t!r} {UNANSWERED}" for t, s in rows if s == "unanswered"]
        problems += [f"ours {conversation[:12]}: {t!r} never settled" for t, s in rows if s == "received"]
    if len(kept) != conversations:
        problems.append(f"ours: {len(kept)} conversations kept, expected {conversations}")
    # Rasa knows each conversation by its pseudonym (services/conversation/pseudonyms.py)
    cipher = _cipher(stack)
    return problems + tracker_problems(stack, [pseudonyms.of(cipher, conversation) for conversation in kept])


def last_kept_id(stack: ChatStack) -> int:
    engine = create_engine(stack.database_url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT coalesce(max(id), 0) FROM inbound_messages")).scalar_one()
    engine.dispose()
    return int(value)


def measure(stack: ChatStack, levels: list[int], rounds: int) -> list[str]:
    paths = turns(stack)
    print(
        "\n| path | patients | turns | turns/s | p50 ms | p95 ms | shed (503) | lost or duplicated "
        "| unanswered (apology) | errors | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failures: list[str] = []
    profiles: list[str] = []
    for level in levels:
        p50: dict[str, float] = {}
        for name, turn in paths.items():
            tag = name.split()[0].strip("/").replace("/", "-")
            senders = [f"{tag}-{level}-{r}-{p}" for r in range(rounds) for p in range(level)]
            since, mark = last_kept_id(stack), LogMark.of(stack.directory)
            run, wall = converse(turn, senders, level)
            problems: list[str] = []
            if name.endswith("(ours)"):
                problems = our_problems(stack, since, len(senders))
                profiles.append(profile_lines(f"ours, {level} patients", mark, len(run.latencies)))
            elif name.startswith("Rasa REST"):
                problems = tracker_problems(stack, senders)
                profiles.append(profile_lines(f"Rasa REST, {level} patients", mark, len(run.latencies)))
            failures += [f"[{tag} {level}] {problem}" for problem in run.errors + problems]
            unanswered = sum(1 for p in problems if p.endswith(UNANSWERED))
            s = summarize(run.latencies, wall)
            p50[name] = s.p50_ms
            print(
                f"| {name} | {level} | {s.turns} | {s.per_second:.1f} | {s.p50_ms:,.0f} | {s.p95_ms:,.0f} "
                f"| {run.shed} | {len(problems) - unanswered} | {unanswered} | {len(run.errors)} "
                f"| {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
        ours, rest = p50["/api/v1/chat (ours)"], p50["Rasa REST webhook"]
        ratio = ours / rest if rest else 0.0
        print(f"| our p50 / Rasa REST p50 at {level}: **{ratio:.2f}** (goal ≤ 1.5) | | | | | | | | | | |", flush=True)
    print("\nWhere a turn's time went (the processes' own request logs):\n")
    print("\n".join(profiles))
    return failures


def problem_kind(problem: str) -> str:
    """`[ours 32] rasa web:w12: lost '你好'` → `ours 32, rasa: lost`, for the summary."""
    where, _, rest = problem.partition("] ")
    side = rest.split(" ", 1)[0]
    found = [k for k in ("lost", "duplicated", "unexpected", "out of order", UNANSWERED, "never settled") if k in rest]
    return f"{where.strip('[')}, {side}: {found[0] if found else 'error'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=lambda s: [int(n) for n in s.split(",")], default=[1, 8, 32, 64])
    parser.add_argument("--rounds", type=int, default=1, help="conversations per patient at each level")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 1 and 2 patients, one round")
    parser.add_argument("--web-workers", type=int, default=Processes.web_workers)
    parser.add_argument("--web-threads", type=int, default=Processes.web_threads)
    parser.add_argument("--api-workers", type=int, default=Processes.api_workers)
    parser.add_argument("--api-threads", type=int, default=Processes.api_threads)
    parser.add_argument("--rasa-start-seconds", type=float, default=Processes.rasa_start_seconds)
    args = parser.parse_args()
    levels = [1, 2] if args.quick else args.clients
    processes = Processes(
        args.web_workers, args.web_threads, args.api_workers, args.api_threads, Processes.action_threads,
        args.rasa_start_seconds, Processes.app_start_seconds,
    )  # fmt: skip
    print(f"machine: {os.uname().sysname} {os.uname().release}, {os.cpu_count()} cores")
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"processes: {processes}")
    # As tests/e2e does: this conversation predates the consent question (a patient would
    # answer it once); the per-address limit is lifted because every patient here is one address.
    app_env = {"PRIVACY_CONSENT_REQUIRED": "false", "RATE_LIMIT_CHAT_PER_IP": "100000/minute"}
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        started = time.monotonic()
        with chat_stack(Path(tmp), processes, app_env) as stack:
            print(f"stack up in {time.monotonic() - started:.0f} s")
            converse(turns(stack)["/api/v1/chat (ours)"], ["warm-0", "warm-1"], 2)  # first use of each process
            converse(turns(stack)["Rasa REST webhook"], ["warm-2"], 1)
            failures = measure(stack, levels, args.rounds)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for kind, count in sorted(Counter(problem_kind(f) for f in failures).items()):
        print(f"PROBLEMS {kind}: {count}")
    for failure in failures[:30]:
        print(f"PROBLEM: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
