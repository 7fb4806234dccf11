"""What the chat edge's joined read adds, on tuning conversation sets only (no stack needed).

The edge reads each patient message alone (services/clinical/triage/edge.py), then, when the
message reads as clinical and gave no emergency of its own, the conversation's last few
inbound messages joined with it (services/conversation/recent_context.py). Blind conversation
set 18 (tuning material) had the learned layer alone say emergency ("综合判断") on such joined
texts of benign conversations: a sprained ankle, nosebleeds, sunburn. This replays every
typed patient message of the tuning sets the way the edge would see it and counts, by goal
type: messages the single read answers with 120; messages the joined read adds; of those,
the ones the learned layer alone gave; and, per conversation, where its first emergency
came from. A conversation in its emergency state gets no joined read (as in production).

Taps (``<tap:N>``), the consent button and placeholders that are not typed text are left out
of the joined text; ``{PHONE}`` and the like get plausible fake values. Sealed sets
(tests/blind/sealed/, nlu_set_3/4) are never read.

    python scripts/edge_joined_alarms.py [--list] [--policy current|rules]

``--policy rules``: the joined read answers with rules, nets and symptom scores only
(``recent_context.joined_hits`` since session 30); ``current``: the whole edge assessment.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clinical.triage import default_engine, edge  # noqa: E402
from services.clinical.triage.engine import TriageEngine  # noqa: E402
from services.clinical.triage.models import TriageInput, TriageLevel  # noqa: E402
from services.conversation import recent_context  # noqa: E402

BLIND = ROOT / "tests" / "blind"
TUNING_SETS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18)  # the tuning sets; never tests/blind/sealed/
SETS = ["conversations.jsonl", *(f"conversations_{n}.jsonl" for n in TUNING_SETS)]
HEADER = "goal | convs | msgs | single 120 (learned alone) | joined reads | adds | rules | learned alone | first 120"
PLACEHOLDERS = {
    "{ID_NUMBER}": "110101199003071234",
    "{PHONE}": "13912345678",
    "{SMS_CODE}": "482913",
    "{TOMORROW_DATE}": "12月8日",
}


@dataclass
class Tally:
    conversations: int = 0
    messages: int = 0
    single: int = 0
    single_learned_alone: int = 0
    joined_read: int = 0
    joined_added: int = 0
    joined_rules: int = 0  # a rule, net or symptom score on the joined text
    joined_learned_alone: int = 0
    first: Counter[str] = field(default_factory=Counter)  # where each conversation's first 120 came from
    listed: list[str] = field(default_factory=list)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def typed(turn: str) -> str | None:
    """The text the patient typed, placeholders filled; None for a tap."""
    if turn.strip().startswith("<tap"):
        return None
    for placeholder, value in PLACEHOLDERS.items():
        turn = turn.replace(placeholder, value)
    return turn


def rules_emergency(engine: TriageEngine, text: str) -> bool:
    """Rules, safety nets or symptom scores say emergency, without the learned layer."""
    if engine.red_flags(text):
        return True
    return engine.rules_only(TriageInput(text=text[: edge.MAX_ASSESSED_CHARS])).level is TriageLevel.EMERGENCY


def joined_source(engine: TriageEngine, joined: str, policy: str) -> str | None:
    """'rules' or 'learned' for an emergency on the joined text under ``policy``, else None."""
    if policy == "rules":
        return "rules" if recent_context.joined_emergency(engine, joined) else None
    hits = edge.emergency_hits(engine, joined)
    if not hits:
        return None
    return "learned" if edge.learned_alone(hits) and not rules_emergency(engine, joined) else "rules"


def replay(engine: TriageEngine, script: dict, tally: Tally, policy: str, listing: bool) -> None:
    tally.conversations += 1
    earlier: list[str] = []
    first: str | None = None
    for n, turn in enumerate(script["turns"]):
        text = typed(turn)
        if text is None:
            continue
        tally.messages += 1
        source: str | None = None
        hits = edge.emergency_hits(engine, text)
        if hits:
            tally.single += 1
            source = "single"
            if edge.learned_alone(hits) and not rules_emergency(engine, text):
                tally.single_learned_alone += 1
                source = "single-learned"
                if listing and script["goal"]["type"] != "emergency":
                    tally.listed.append(f"  {script['id']}.{n} single learned: {text[:90]}")
        elif first is None and earlier and recent_context.looks_clinical(text):
            tally.joined_read += 1
            joined = recent_context.JOINER.join([*earlier[-recent_context.MAX_EARLIER :], text])
            found = joined_source(engine, joined, policy)
            if found is not None:
                tally.joined_added += 1
                source = f"joined-{found}"
                if found == "learned":
                    tally.joined_learned_alone += 1
                else:
                    tally.joined_rules += 1
                if listing:
                    tally.listed.append(f"  {script['id']}.{n} {found}: {joined[:90]}")
        if source is not None and first is None:
            first = source
        earlier.append(text)
    tally.first[first or "none"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="every joined alarm with its text")
    parser.add_argument("--policy", choices=("current", "rules"), default="current")
    args = parser.parse_args()
    engine = default_engine()
    engine.warm_up()
    tallies: dict[str, Tally] = defaultdict(Tally)
    for name in SETS:
        for script in _jsonl(BLIND / name):
            kind = script["goal"]["type"]
            prefix = name.removeprefix("conversations").removesuffix(".jsonl").lstrip("_") or "1"
            script = {**script, "id": f"c{prefix}/{script['id']}"}
            replay(engine, script, tallies[kind], args.policy, args.list)
    print(f"policy: {args.policy}")
    print(HEADER)
    for kind, t in sorted(tallies.items()):
        first = ", ".join(f"{k} {v}" for k, v in sorted(t.first.items()))
        print(
            f"{kind} | {t.conversations} | {t.messages} | {t.single} ({t.single_learned_alone}) | {t.joined_read}"
            f" | {t.joined_added} | {t.joined_rules} | {t.joined_learned_alone} | {first}"
        )
        for line in t.listed:
            print(line)


if __name__ == "__main__":
    main()
