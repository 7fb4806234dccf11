"""What the chat edge answers with 120, on tuning material only: emergencies caught and
false alarms (services/clinical/triage/edge.py).

Emergencies: every emergency vignette of triage sets A-E (text only: a chat message has
no age field) and every line of tests/triage/red_flag_corpus.txt. Non-emergencies: the
typed turns of conversation sets 1-4 whose goal is neither an emergency nor triage
(deduplicated; placeholders filled as the runner fills them) and the non-symptom
messages of NLU sets 1-2. Triage-goal and emergency-goal conversation turns are counted
apart. Sealed sets (tests/blind/nlu_set_3.jsonl, anything outside this repository) are
never read. ``--bars`` prints what a higher bar for the learned layer alone on messages
with no complaint in them would cost; ``--list`` prints every alarm and every learned-only
catch with its P(emergency).

    python scripts/triage_edge_alarms.py [--bars] [--list]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clinical.triage import default_engine, edge  # noqa: E402
from services.clinical.triage.engine import TriageEngine  # noqa: E402
from services.clinical.triage.routing import looks_like_symptom  # noqa: E402

TRIAGE_SETS = [ROOT / "tests" / "triage" / "blind" / f"set_{name}.jsonl" for name in "abcde"]
RED_FLAG_CORPUS = ROOT / "tests" / "triage" / "red_flag_corpus.txt"
CONVERSATIONS = [
    ROOT / "tests" / "blind" / name
    for name in ("conversations.jsonl", "conversations_2.jsonl", "conversations_3.jsonl", "conversations_4.jsonl")
]
NLU_SETS = [ROOT / "tests" / "blind" / "nlu_set.jsonl", ROOT / "tests" / "blind" / "nlu_set_2.jsonl"]
PLACEHOLDERS = {
    "{ID_NUMBER}": "110101199003071234",
    "{PHONE}": "13912345678",
    "{SMS_CODE}": "482913",
    "{TOMORROW_DATE}": "12月8日",
}
BARS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.9)


@dataclass(frozen=True)
class Judged:
    id: str
    text: str
    alarm: bool
    learned_alone: bool
    probability: float | None


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _filled(turn: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        turn = turn.replace(placeholder, value)
    return turn


def groups() -> dict[str, list[tuple[str, str]]]:
    """The messages, by what they should get."""
    cases = [case for path in TRIAGE_SETS for case in _jsonl(path)]
    emergencies = [(c["id"], c["text"]) for c in cases if c["expected_level"] == "emergency"]
    lines = [line.strip() for line in RED_FLAG_CORPUS.read_text(encoding="utf-8").splitlines()]
    emergencies += [(f"RF{n}", line) for n, line in enumerate(lines) if line and not line.startswith("#")]
    others: list[tuple[str, str]] = []
    triage: list[tuple[str, str]] = []
    emergency_turns: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in CONVERSATIONS:
        for script in _jsonl(path):
            kind = script["goal"]["type"]
            for n, turn in enumerate(script["turns"]):
                if turn.startswith("<tap"):
                    continue
                item = (f"{script['id']}.{n}", _filled(turn))
                if kind == "emergency":
                    emergency_turns.append(item)
                elif kind == "triage":
                    triage.append(item)
                elif item[1] not in seen:
                    seen.add(item[1])
                    others.append(item)
    others += [(m["id"], m["text"]) for path in NLU_SETS for m in _jsonl(path) if not m["symptom"]]
    return {
        "emergencies (sets A-E, red-flag corpus)": emergencies,
        "non-emergency messages (conversations 1-4, NLU 1-2)": others,
        "triage-goal conversation turns": triage,
        "emergency-goal conversation turns": emergency_turns,
    }


def judge(engine: TriageEngine, id_: str, text: str) -> Judged:
    """The edge's answer, and whether the learned layer alone gave it (with its P)."""
    alarm = bool(edge.emergency_hits(engine, text))
    stripped = edge.NOT_CLINICAL_NUMBER.sub("", text)
    probability, alone = None, False
    if edge.worth_assessing(stripped) and not engine.red_flags(text):
        found, probability = edge._assessed(engine, stripped[: edge.MAX_ASSESSED_CHARS])
        alone = bool(found) and edge.learned_alone(list(found))
    return Judged(id_, text, alarm, alone, probability)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", action="store_true", help="cost of a bar on messages with no complaint")
    parser.add_argument("--list", action="store_true", help="every alarm and learned-only catch")
    args = parser.parse_args()
    engine = default_engine()
    engine.warm_up()
    for name, items in groups().items():
        judged = [judge(engine, id_, text) for id_, text in items]
        alarms = [j for j in judged if j.alarm]
        alone = [j for j in alarms if j.learned_alone]
        print(f"{name}: 120 on {len(alarms)}/{len(judged)} (the learned layer alone: {len(alone)})")
        if args.list:
            for j in alarms if not name.startswith("emergencies") else alone:
                print(f"  {j.id} alone={j.learned_alone} P={j.probability} {j.text[:60]}")
        if args.bars:
            wordless = [j for j in alone if not looks_like_symptom(j.text)]
            costs = ", ".join(f"{bar}: -{sum(1 for j in wordless if (j.probability or 0) < bar)}" for bar in BARS)
            print(f"  learned alone, no complaint: {len(wordless)}; lost under a bar of {costs}")


if __name__ == "__main__":
    main()
