"""Chat throughput with 1, 2 and 3 Rasa processes behind the app, in one run.

Starts the fleet of bench/fleet_stack.py once (three Rasa processes pulling
var/rasa/models/current.tar.gz from the app, sharing a PostgreSQL tracker store and a
Redis lock store; one action server; the v1 API), then, for each replica count in
turn, starts the chat edge with RASA_URL listing that many servers and has the same
concurrent patients hold the seven-message conversation of bench/chat_latency.py
through POST /api/v1/chat. The first count (1 replica) is the baseline, and it is
measured again at the end, so drift from other work on the machine shows.

Per row: turns/s, p50/p95, shed (the admission gate's 503, retried as the page does),
turns answered with the apology (Rasa slower than RASA_TIMEOUT_SECONDS; Rasa may then
drop the turn, which its tracker check shows as lost), lost or duplicated turns (our
database and Rasa's tracker, every conversation), errors,
the CPU seconds each Rasa process spent in that row (how the work spread) and the load
average. Replicas not listed in RASA_URL for a row sit idle (loaded, polling the model
server every 10 s).

    PYTHONPATH=. .venv/bin/python bench/rasa_fleet.py [--counts 1,2,3,1] [--patients 8] [--rounds 3]

Needs PostgreSQL (TEST_POSTGRES_URL) and Redis on 127.0.0.1:6379, and about 6 GB of
memory for three Rasa processes. Heavy: run it once, when you mean to record figures.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import stack_cpu
from bench.chat_checks import summarize
from bench.chat_latency import CONVERSATION, UNANSWERED, converse, last_kept_id, our_problems, turns
from bench.chat_stack import RASA_TOKEN, ChatStack
from bench.fleet_stack import Fleet, fleet_stack
from config import ROOT

TICKS = os.sysconf("SC_CLK_TCK")
PY_SPY = os.environ.get("PY_SPY", str(Path(sys.executable).parent / "py-spy"))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of one process so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@contextmanager
def profiled(prefix: str | None, roles: tuple[str, ...] = ("edge", "api", "actions")) -> Iterator[None]:
    """py-spy (100 Hz, raw stacks, workers included) on each process of `roles` for the block:
    `<prefix>-<role>-<pid>.txt`. The profiler costs CPU of its own: not for the figures."""
    if prefix is None:
        yield
        return
    spies = []
    for pid, role in stack_cpu.started_here():
        if role in roles:
            out = f"{prefix}-{role}-{pid}.txt"
            argv = [PY_SPY, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "-o", out]
            spies.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(2)  # attached before the first turn
    try:
        yield
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            spy.wait(timeout=60)


@dataclass(frozen=True)
class Row:
    per_second: float
    p50_ms: float
    problems: int
    transcripts: Counter[tuple[str, ...]]  # what the patients were told, conversation by conversation


def measure(
    fleet: Fleet,
    replicas: int,
    patients: int,
    rounds: int,
    label: str,
    source: Path = ROOT,
    spy: str | None = None,
    think_seconds: float = 0.0,
) -> Row:
    """One row: the API, the action server and the chat edge of `source` (a checkout), the
    edge over `replicas` servers."""
    with fleet.services(source), fleet.web(replicas, source=source):
        stack = ChatStack(fleet.web_url, fleet.rasa_urls[0], RASA_TOKEN, fleet.database_url, fleet.directory)
        ours = turns(stack)["/api/v1/chat (ours)"]
        converse(ours, [f"warm-{label}-{n}" for n in range(replicas * 2)], replicas * 2)  # each server's first turns
        senders = [f"fleet-{label}-{r}-{p}" for r in range(rounds) for p in range(patients)]
        since = last_kept_id(stack)
        cpu_before = [cpu_seconds(pid) for pid in fleet.rasa_pids]
        stack_before = stack_cpu.read(fleet.tracker_backends())
        with profiled(f"{spy}-{label}" if spy else None):
            run, wall = converse(ours, senders, patients, think_seconds)
        stack_after = stack_cpu.read(fleet.tracker_backends())
        cpu = [cpu_seconds(pid) - before for pid, before in zip(fleet.rasa_pids, cpu_before, strict=True)]
        problems = our_problems(stack, since, len(senders))
    s = summarize(run.latencies, wall)
    spread = " / ".join(f"{c:.0f}" for c in cpu)
    per_turn = stack_cpu.per_turn_ms(stack_before, stack_after, s.turns)
    cpu_columns = " | ".join(f"{per_turn[role]:.1f}" for role in stack_cpu.ROLES if role != "client")
    cpu_columns += f" | **{stack_cpu.stack_total(per_turn):.1f}** | {per_turn['client']:.1f}"
    unanswered = [p for p in problems if p.endswith(UNANSWERED)]
    lost_ours = [p for p in problems if p.startswith("ours") and p not in unanswered]
    lost_rasa = [p for p in problems if p.startswith("rasa")]
    code = "here" if source == ROOT else source.name
    print(
        f"| {code} | {replicas} | {patients} | {s.turns} | {s.per_second:.2f} | {s.p50_ms:,.0f} | {s.p95_ms:,.0f} "
        f"| {run.shed} "
        f"| {len(unanswered)} | {len(lost_ours)} | {len(lost_rasa)} | {len(run.errors)} | {spread} "
        f"| {cpu_columns} | {os.getloadavg()[0]:.1f} |",
        flush=True,
    )
    for problem in (run.errors + lost_ours + lost_rasa + unanswered)[:10]:
        print(f"PROBLEM [{replicas} replicas]: {problem}")
    transcripts = Counter(_dated_away(texts) for texts in run.replies.values())
    return Row(s.per_second, s.p50_ms, len(run.errors) + len(problems), transcripts)


def _dated_away(texts: list[str]) -> tuple[str, ...]:
    """A conversation's replies with the places' dates and times left out (the same
    conversation offers what is open at that minute), so two rows compare by their words;
    a turn answered with the apology (Rasa slower than RASA_TIMEOUT_SECONDS) is `APOLOGY`."""
    return tuple(APOLOGY if text.startswith(_apology_start()) else re.sub(r"\d", "#", text) for text in texts)


APOLOGY = "<apology>"


def _apology_start() -> str:
    from services.conversation.turns import replies

    return str(replies()["bot_unavailable"]).split("{", 1)[0]


def answered_replies(transcripts: Counter[tuple[str, ...]]) -> set[tuple[int, str]]:
    """(turn, reply) of every turn the bot answered: two checkouts said the same when these
    are equal, however many turns the load turned into apologies in either."""
    return {(n, text) for transcript in transcripts for n, text in enumerate(transcript) if text != APOLOGY}


def replicas_seen(fleet: Fleet) -> str:
    """What the model server knows of the replicas (their X-Rasa-Replica and model)."""
    status = requests.get(f"{fleet.api_url}/rasa/rollout", params={"token": RASA_TOKEN}, timeout=10).json()
    return ", ".join(f"{r['replica']} runs {r['running']}" for r in status["replicas"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2, 3, 1])
    parser.add_argument("--patients", type=lambda s: [int(n) for n in s.split(",")], default=[8])
    parser.add_argument("--rounds", type=int, default=3, help="conversations per patient in each row")
    parser.add_argument(
        "--sources",
        type=lambda s: [Path(p).resolve() for p in s.split(",")],
        default=[ROOT],
        help="checkouts whose edge, API and action server each row runs in turn (e.g. a git worktree of the "
        "commit before a change, then .): a before/after against the same Rasa processes, in one run",
    )
    parser.add_argument(
        "--py-spy",
        help="after the rows, one more row per checkout (1 Rasa process, the first patient count) with py-spy on "
        "the edge, the v1 API and the action server: raw stacks to PREFIX-*; its CPU columns include the sampling",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each patient pauses before every message after the first (default 0: a closed loop, "
        "where latency is patients / throughput whatever the server does)",
    )
    args = parser.parse_args()
    print(f"machine: {os.uname().sysname} {os.uname().release}, {os.cpu_count()} cores")
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"conversation: {len(CONVERSATION)} messages; {args.rounds} per patient per row; "
        f"{args.think:g} s pause before each message after the first"
    )
    failures = 0
    with tempfile.TemporaryDirectory(prefix="rasa-fleet-") as tmp:
        started = time.monotonic()
        with fleet_stack(Path(tmp), max(args.counts)) as fleet:
            print(f"fleet up in {time.monotonic() - started:.0f} s ({len(fleet.rasa_urls)} Rasa processes loaded)")
            with fleet.services():
                print(f"model server: {replicas_seen(fleet)}")
            print(
                "\n| code | Rasa processes | patients | turns | turns/s | p50 ms | p95 ms | shed (503) "
                "| unanswered (apology) | lost or duplicated: ours | in Rasa's tracker | errors "
                "| Rasa CPU s per process | CPU ms/turn: edge | api | actions | Rasa | PostgreSQL | stack "
                "| bench client | load |"
            )
            print("|---" * 21 + "|")
            said: dict[Path, Counter[tuple[str, ...]]] = {}
            for patients in args.patients:
                baseline: Row | None = None
                for index, count in enumerate(args.counts):
                    for source in args.sources:
                        label = f"{patients}-{index}-{'here' if source == ROOT else source.name}"
                        row = measure(fleet, count, patients, args.rounds, label, source, think_seconds=args.think)
                        failures += row.problems
                        said.setdefault(source, Counter()).update(row.transcripts)
                        baseline = baseline or row
                        print(
                            f"| vs the first row: turns/s x{row.per_second / baseline.per_second:.2f}, "
                            f"p50 x{row.p50_ms / baseline.p50_ms:.2f} " + "| " * 20 + "|",
                            flush=True,
                        )
            for source in args.sources if args.py_spy else []:
                print("| profiled (py-spy): " + "| " * 20 + "|")
                tag = "here" if source == ROOT else source.name
                measure(fleet, 1, args.patients[0], args.rounds, f"spy-{tag}", source, f"{args.py_spy}-{tag}")
            for source, transcripts in said.items():
                same = transcripts == said[args.sources[0]]
                answered = answered_replies(transcripts) == answered_replies(said[args.sources[0]])
                apologies = sum(n * transcript.count(APOLOGY) for transcript, n in transcripts.items())
                print(
                    f"\nreplies of {source}: {sum(transcripts.values())} conversations, "
                    f"{len(transcripts)} distinct; the same as {args.sources[0]}'s: {'yes' if same else 'NO'}; "
                    f"the answered turns' replies the same: {'yes' if answered else 'NO'} ({apologies} apologies)"
                )
                for transcript, n in transcripts.most_common(3):
                    print(f"  {n} x {list(transcript)}")
            with fleet.services():
                print(f"\nmodel server at the end: {replicas_seen(fleet)}")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
