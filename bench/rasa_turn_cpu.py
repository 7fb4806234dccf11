"""Rasa's own CPU per chat turn for our bot, and where it goes.

Starts only what a Rasa turn needs (the v1 API in one gunicorn on a seeded SQLite
database, scripts/action_server.py, and Rasa with a SQL tracker store of its own, as
bench/chat_stack.py wires them), then sends bench/chat_latency.py's seven-message
conversation through Rasa's REST webhook, one patient at a time, and reads the Rasa
process's CPU time from /proc before and after: CPU ms per turn does not move with
the load on a shared machine the way turns/s do. Then the same texts through
`/model/parse` alone (the NLU's share). With `--py-spy`, py-spy samples the Rasa
process during the conversations and the CPU is broken down by component
(bench/stack_breakdown.py).

    PYTHONPATH=. .venv/bin/python bench/rasa_turn_cpu.py [--conversations 15] [--rounds 1]
        [--model PATH] [--endpoints bot/endpoints.yml] [--py-spy /tmp/py-spy] [--keep DIR]
        [--modes rest,edge-before,edge]

`--rounds 3` has each patient say the conversation three times over (21 turns), to see
how the cost grows with the tracker's length.

`--modes rest,edge-before,edge` measures how a turn is asked for, on the same Rasa process,
conversations of each mode taking turns (the baseline in the same run, under the same
load): `rest` is Rasa's bare REST turn; `edge-before` is what the chat edge asked of Rasa
per turn until the reading came with the reply: the turn, then its intent read back (the
tracker's `latest_message` without events, and `/model/parse` again when the fallback had
rewound the message); `edge` is the turn with `?parse_data=true`, the reading in its
answer (bot/whole_turn_channel.py), one request.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench.chat_latency import CONVERSATION
from bench.chat_stack import RASA_TOKEN, TOKEN, _gunicorn, rasa_env
from bench.cpu import TICK, server_cpu_seconds
from bench.stack_breakdown import Component, breakdown, parse, top_functions
from config import ROOT
from tests.concurrency.server import free_port
from tests.e2e.stack import _process, seeded_database

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"

# Rasa 3.6's own functions, by what they do in a turn (the innermost one wins a sample).
# py-spy's --function names a function by its first line: Rasa 3.6.21's `run` methods of
# action.py are told apart by theirs.
COMPONENTS = [
    Component("sanic/http server", "*", "sanic/"),
    Component("rest channel", "*", "rasa/core/channels/"),
    Component("handle_message (processor)", "handle_message", "rasa/core/processor.py"),
    Component("NLU (whole)", "_parse_message_with_graph", "rasa/core/processor.py"),
    Component("nlu: jieba tokenizer", "*", "bot/components/simplified_tokenizer.py"),
    Component("nlu: jieba tokenizer", "*", "rasa/nlu/tokenizers/"),
    Component("nlu: regex featurizer", "*", "rasa/nlu/featurizers/sparse_featurizer/regex_featurizer.py"),
    Component("nlu: regex featurizer", "*", "bot/components/simplified_regex_featurizer.py"),
    Component("nlu: lexical featurizer", "*", "lexical_syntactic_featurizer.py"),
    Component("nlu: count vectors", "*", "count_vectors_featurizer.py"),
    Component("nlu: DIET", "*", "rasa/nlu/classifiers/diet_classifier.py"),
    Component("nlu: logistic regression", "*", "rasa/nlu/classifiers/logistic_regression_classifier.py"),
    Component("nlu: department normalizer", "*", "bot/components/department_normalizer.py"),
    Component("nlu: response selector", "*", "rasa/nlu/selectors/response_selector.py"),
    Component("nlu: fallback + just_this + synonyms", "*", "rasa/nlu/classifiers/fallback_classifier.py"),
    Component("nlu: fallback + just_this + synonyms", "*", "bot/components/just_this.py"),
    Component("nlu: fallback + just_this + synonyms", "*", "rasa/nlu/extractors/entity_synonyms.py"),
    Component("tracker store: retrieve", "_retrieve", "rasa/core/tracker_store.py"),
    Component("tracker store: save", "save", "rasa/core/tracker_store.py"),
    Component("action_extract_slots", "run", "rasa/core/actions/action.py:1231"),
    Component("policies (whole prediction)", "_predict_next_with_tracker", "rasa/core/processor.py"),
    Component("policy: Memoization", "predict_action_probabilities", "rasa/core/policies/memoization.py"),
    Component("policy: Rule", "predict_action_probabilities", "rasa/core/policies/rule_policy.py"),
    Component("policy: TED", "predict_action_probabilities", "rasa/core/policies/ted_policy.py"),
    Component("policy ensemble", "*", "rasa/core/policies/ensemble.py"),
    Component("past_states (featurisation)", "states_for_tracker_history", "rasa/shared/core/domain.py"),
    Component("TED featurize + TF", "*", "tensorflow/"),
    Component("run an action (processor)", "_run_action", "rasa/core/processor.py"),
    Component("tracker.copy", "copy", "rasa/shared/core/trackers.py"),
    Component("form action", "*", "rasa/core/actions/forms.py"),
    Component("remote action: call", "run", "rasa/core/actions/action.py:748"),
    Component("remote action: jsonschema check of the reply", "_validate_action_result", "rasa/core/actions/action.py"),
    Component("remote action: tracker to JSON", "current_state", "rasa/shared/core/trackers.py"),
    Component("remote action: domain.as_dict", "as_dict", "rasa/shared/core/domain.py"),
    Component("remote action: http (aiohttp)", "*", "aiohttp/"),
    Component("apply events", "update_with_events", "rasa/shared/core/trackers.py"),
    Component("apply events", "_log_action_on_tracker", "rasa/core/processor.py"),
    Component("deepcopy for debug logs", "deepcopy", "copy.py"),
    Component("structlog", "*", "structlog/"),
    Component("sqlalchemy", "*", "sqlalchemy/"),
    Component("json", "*", "json/"),
]


@dataclass(frozen=True)
class RasaUnderTest:
    url: str
    pid: int


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds per thread name (TensorFlow's pools apart from the event loop's thread)."""
    found: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            raw = (task / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        found[name] = found.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / TICK
    return found


@contextmanager
def rasa_stack(directory: Path, model: Path, endpoints: Path, path_first: str = "") -> Iterator[RasaUnderTest]:
    """`path_first`: directories put before the repository on Rasa's PYTHONPATH (another
    version of a library, tried before it is pinned)."""
    database_url = seeded_database(directory)
    api_port, rasa_port, action_port = free_port(), free_port(), free_port()
    env = rasa_env(directory, api_port, action_port, path_first)
    app = {
        "DATABASE_URL": database_url,
        "HOSPITAL_API_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{api_port}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{directory / 'broker.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    with ExitStack() as stack:
        stack.enter_context(_gunicorn(directory / "api", api_port, 1, 20, app, 300))
        stack.enter_context(
            _process(
                [str(RASA_PYTHON), "scripts/action_server.py", "--port", str(action_port)],
                env, directory / "actions.log", f"http://127.0.0.1:{action_port}/health", 180,
            )
        )  # fmt: skip
        log = directory / "rasa.log"
        argv = [str(RASA), "run", "--enable-api", "--auth-token", RASA_TOKEN, "-m", str(model),
                "--endpoints", str(endpoints), "--credentials", str(ROOT / "bot" / "credentials.yml"),
                "-i", "127.0.0.1", "-p", str(rasa_port)]  # fmt: skip
        # Rasa puts its working directory on sys.path before PYTHONPATH (rasa/__main__.py): a
        # checkout given as `path_first` (a before/after of bot/) must be its working directory too.
        cwd = Path(path_first) if path_first and (Path(path_first) / "bot").is_dir() else ROOT
        with log.open("wb") as out:
            rasa = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{rasa_port}"
            deadline = time.monotonic() + 900
            while True:
                if rasa.poll() is not None:
                    raise RuntimeError(log.read_text(errors="replace")[-3000:])
                try:
                    if requests.get(f"{url}/status", params={"token": RASA_TOKEN}, timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("Rasa did not start in 900 s")
                time.sleep(1)
            yield RasaUnderTest(url, rasa.pid)
        finally:
            rasa.terminate()
            rasa.wait(timeout=30)


MODES = ("rest", "edge-before", "edge")
PARSED_AGAIN: dict[str, int] = {}  # per mode: turns whose reading took a second /model/parse


def turn(session: requests.Session, rasa: RasaUnderTest, sender: str, message: str, mode: str) -> list[str]:
    """One turn asked for as `mode` does (module docstring); the bot's texts."""
    body = {"sender": sender, "message": message, "metadata": {"channel": "web"}}
    params = {"parse_data": "true"} if mode == "edge" else {}
    r = session.post(f"{rasa.url}/webhooks/rest/webhook", params=params, json=body, timeout=120)
    r.raise_for_status()
    answer = r.json()
    messages = answer["messages"] if mode == "edge" else answer
    if mode == "edge":
        assert answer["parse_data"]["text"] == message.strip(), "the turn's reading is of another text"
    if mode == "edge-before":
        token = {"token": RASA_TOKEN, "include_events": "NONE"}
        tracker = session.get(f"{rasa.url}/conversations/{sender}/tracker", params=token, timeout=60).json()
        if (tracker.get("latest_message") or {}).get("text") != message:  # rewound by the fallback
            PARSED_AGAIN[mode] = PARSED_AGAIN.get(mode, 0) + 1
            parsed = session.post(
                f"{rasa.url}/model/parse", params={"token": RASA_TOKEN}, json={"text": message}, timeout=60
            )
            parsed.raise_for_status()
    return [str(m.get("text", "")) for m in messages]


def converse(rasa: RasaUnderTest, sender: str, rounds: int, mode: str = "rest") -> list[list[str]]:
    """One patient says the conversation `rounds` times; the bot's texts per turn."""
    with requests.Session() as session:
        return [turn(session, rasa, sender, message, mode) for message in CONVERSATION * rounds]


@contextmanager
def sampled(pid: int, out: Path | None) -> Iterator[None]:
    if out is None:
        yield
        return
    pyspy = os.environ.get("PY_SPY", "py-spy")
    argv = [pyspy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--function", "-o", str(out)]
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2)  # attached before the first turn
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def measure_modes(
    rasa: RasaUnderTest, conversations: int, rounds: int, tag: str, modes: list[str]
) -> list[dict[str, object]]:
    """Each mode's Rasa CPU per turn, its conversations taking turns with the others'."""
    for mode in modes:
        for n in range(2):  # the first turns of a process pay one-off costs (TensorFlow's graph)
            converse(rasa, f"{tag}-{mode}-warm-{n}", rounds, mode)
    used = dict.fromkeys(modes, 0.0)
    wall = dict.fromkeys(modes, 0.0)
    transcripts: dict[str, dict[str, list[list[str]]]] = {mode: {} for mode in modes}
    for n in range(conversations):
        for mode in modes:
            before, started = cpu_seconds(rasa.pid), time.perf_counter()
            transcripts[mode][f"{n}"] = converse(rasa, f"{tag}-{mode}-{n}", rounds, mode)
            used[mode] += cpu_seconds(rasa.pid) - before
            wall[mode] += time.perf_counter() - started
    turns = conversations * rounds * len(CONVERSATION)
    return [
        {
            "mode": mode,
            "turns": turns,
            "rasa_cpu_ms_per_turn": round(used[mode] * 1000 / turns, 1),
            "parsed_again": PARSED_AGAIN.get(mode, 0),
            "wall_ms_per_turn": round(wall[mode] * 1000 / turns, 1),
            "load": round(os.getloadavg()[0], 1),
            "transcript": transcripts[mode],
        }
        for mode in modes
    ]


def measure(rasa: RasaUnderTest, conversations: int, rounds: int, tag: str, spy: Path | None) -> dict[str, object]:
    for n in range(2):  # the first turns of a process pay one-off costs (TensorFlow's graph)
        converse(rasa, f"{tag}-warm-{n}", rounds)
    threads_before, before = thread_cpu_seconds(rasa.pid), cpu_seconds(rasa.pid)
    others_before = server_cpu_seconds()  # the action server and the v1 API (this process's children)
    started = time.perf_counter()
    transcript = {}
    with sampled(rasa.pid, spy):
        for n in range(conversations):
            transcript[f"{tag}-{n}"] = converse(rasa, f"{tag}-{n}", rounds)
    wall = time.perf_counter() - started
    used, threads_after = cpu_seconds(rasa.pid) - before, thread_cpu_seconds(rasa.pid)
    others_after = server_cpu_seconds()
    others = sum(seconds - others_before.get(pid, 0.0) for pid, seconds in others_after.items() if pid != rasa.pid)
    turns = conversations * rounds * len(CONVERSATION)
    texts = [m for n in range(conversations) for m in CONVERSATION * rounds]
    parse_before = cpu_seconds(rasa.pid)
    with requests.Session() as session:
        for text in texts:
            session.post(f"{rasa.url}/model/parse", params={"token": RASA_TOKEN}, json={"text": text}, timeout=60)
    parse_used = cpu_seconds(rasa.pid) - parse_before
    per_thread = {
        name: round((seconds - threads_before.get(name, 0.0)) * 1000 / turns, 1)
        for name, seconds in threads_after.items()
        if seconds - threads_before.get(name, 0.0) > 0.005
    }
    return {
        "turns": turns,
        "rasa_cpu_ms_per_turn": round(used * 1000 / turns, 1),
        # py-spy, when sampling, is a child too and counts here
        "actions_and_api_cpu_ms_per_turn": round(others * 1000 / turns, 1),
        "cpu_ms_per_turn_by_thread": per_thread,
        "parse_cpu_ms_per_text": round(parse_used * 1000 / len(texts), 1),
        "wall_ms_per_turn": round(wall * 1000 / turns, 1),
        "load": round(os.getloadavg()[0], 1),
        "transcript": transcript,
    }


def print_breakdown(raw: Path, turns: int, cpu_ms_per_turn: float) -> None:
    stacks = parse(raw.read_text(errors="replace"))
    found = breakdown(stacks, COMPONENTS)
    scale = cpu_ms_per_turn / found.samples if found.samples else 0.0  # samples → ms per turn
    print(f"\n{found.samples} samples over {turns} turns; ms per turn scaled to the measured Rasa CPU")
    print("\n| component | inclusive ms/turn | exclusive ms/turn |\n|---|---|---|")
    names = sorted(set(found.inclusive) | set(found.exclusive), key=lambda n: -found.inclusive.get(n, 0))
    for name in names:
        inc, exc = found.inclusive.get(name, 0) * scale, found.exclusive.get(name, 0) * scale
        print(f"| {name} | {inc:.1f} | {exc:.1f} |")
    print("\nheaviest frames (inclusive ms/turn, self ms/turn):")
    for frame, inclusive, own in top_functions(stacks, 60):
        print(f"  {inclusive * scale:7.1f} {own * scale:6.1f}  {frame[:150]}")


def replies_only(transcript: Any) -> list[Any]:
    """The bot's replies of a run in order, without the senders (each run names its own
    patients), so runs of two models can be compared turn by turn."""
    if isinstance(transcript, dict):
        return [replies_only(transcript[key]) for key in sorted(transcript)]
    if isinstance(transcript, list):
        return [replies_only(item) for item in transcript]
    return transcript


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model",
        type=Path,
        action="append",
        help="repeatable, measured in turn, e.g. A B A for a baseline before and after (default: current.tar.gz)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        help="ENDPOINTS[:PYTHONPATH_FIRST], repeatable: each is measured in turn (default: bot/endpoints.yml)",
    )
    parser.add_argument("--conversations", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--py-spy", type=Path, help="write py-spy's raw stacks here (prefix) and break them down")
    parser.add_argument("--keep", type=Path, help="keep the stack's directory (logs, tracker.db) here")
    parser.add_argument("--transcripts", type=Path, help="write each variant's bot replies here (prefix)")
    parser.add_argument("--modes", help=f"comma-separated, of {', '.join(MODES)}: how each turn is asked for")
    args = parser.parse_args()
    modes = [m.strip() for m in (args.modes or "").split(",") if m.strip()]
    if any(mode not in MODES for mode in modes):
        parser.error(f"--modes takes {', '.join(MODES)}")
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    directory = args.keep or Path(tempfile.mkdtemp(prefix="rasa-turn-cpu-"))
    directory.mkdir(parents=True, exist_ok=True)
    models = args.model or [ROOT / "var" / "rasa" / "models" / "current.tar.gz"]
    variants = args.variant or [str(ROOT / "bot" / "endpoints.yml")]
    first_replies: list[Any] | None = None
    for index, (model, variant) in enumerate(itertools.product(models, variants)):
        endpoints, _, path_first = variant.partition(":")
        run_dir = directory / f"run-{index}"
        run_dir.mkdir(exist_ok=True)
        with rasa_stack(run_dir, model, Path(endpoints), path_first) as rasa:
            if modes:
                for row in measure_modes(rasa, args.conversations, args.rounds, f"cpu{index}", modes):
                    transcript = row.pop("transcript")
                    if args.transcripts:
                        out = Path(f"{args.transcripts}-{index}-{row['mode']}.json")
                        out.write_text(json.dumps(transcript, ensure_ascii=False, indent=1))
                    print(json.dumps({"model": str(model), "variant": variant, **row}), flush=True)
                continue
            spy = Path(f"{args.py_spy}-{index}.txt") if args.py_spy else None
            result = measure(rasa, args.conversations, args.rounds, f"cpu{index}", spy)
        transcript = result.pop("transcript")
        if args.transcripts:
            Path(f"{args.transcripts}-{index}.json").write_text(json.dumps(transcript, ensure_ascii=False, indent=1))
        replies = replies_only(transcript)
        first_replies = replies if first_replies is None else first_replies
        differing = sum(a != b for a, b in zip(first_replies, replies, strict=False)) + abs(
            len(first_replies) - len(replies)
        )
        result["turns_replied_unlike_the_first_run"] = differing
        print(json.dumps({"model": str(model), "variant": variant, **result}, ensure_ascii=False), flush=True)
        if spy is not None and spy.exists():
            print_breakdown(spy, int(str(result["turns"])), float(str(result["rasa_cpu_ms_per_turn"])))
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
