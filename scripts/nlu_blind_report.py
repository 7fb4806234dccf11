"""The NLU and the front door's routing on the blind message set (tests/blind/nlu_set.jsonl,
written by an author who never saw the training data), apart from the in-sample
cross-validation of scripts/nlu_report.py.

Prints intent accuracy (the bot's answer: below the fallback threshold counts as
`nlu_fallback`, i.e. wrong), the department entity accuracy on messages that name a
department, and the share of symptom messages that reach triage: the NLU said
`report_symptom`, or the front door hands them over (services/conversation/
symptom_routing.py), or the edge's red-flag rules answer them first. Printed beside
it: the share the triage engine judges at all, counting also a booking that names its
department, which books after the edge has run the whole assessment on the message
(services/clinical/triage/edge.py: an emergency is answered there, before the bot), and
an errand about something already made (cancel, reschedule, my appointment, results, a
refill, a person) that also tells a complaint: the edge's emergency check answers first,
and after the errand's replies the front door runs the whole assessment and offers the
triage journey with the message as its symptom (services/conversation/
errand_symptom_offer.py, counted by its own `would_offer` on the answered intent).

    PYTHONPATH=. .venv/bin/python scripts/nlu_blind_report.py [--model var/rasa/models/current.tar.gz]

`--misses` prints every miss (id, text, expected, answered): only for a set that is
already tuning material, never for a sealed one. `--keep FILE` keeps the parses, and a
later run with `--parsed FILE` scores them again without loading the model (a routing
change at the front door can be measured in seconds).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from integrations.rasa.client import Understanding  # noqa: E402
from services.clinical.triage import default_engine  # noqa: E402
from services.clinical.triage.edge import worth_assessing  # noqa: E402
from services.conversation.errand_symptom_offer import would_offer  # noqa: E402
from services.conversation.symptom_routing import should_reroute  # noqa: E402

BLIND_SET = ROOT / "tests" / "blind" / "nlu_set.jsonl"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
FALLBACK_THRESHOLD = 0.45


def parse_all(model: Path, cases: list[dict]) -> dict[str, dict]:
    feed = "".join(json.dumps({"id": c["id"], "text": c["text"]}, ensure_ascii=False) + "\n" for c in cases)
    done = subprocess.run(
        [str(RASA_PYTHON), str(ROOT / "scripts" / "nlu_parse.py"), str(model)],
        input=feed, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    parsed = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {p["id"]: p for p in parsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=BLIND_SET, help="the frozen set (default: the first)")
    parser.add_argument("--model", type=Path, default=ROOT / "var" / "rasa" / "models" / "current.tar.gz")
    parser.add_argument("--misses", action="store_true", help="print every miss (tuning sets only, never a sealed one)")
    parser.add_argument("--keep", type=Path, help="write the model's parses to this JSONL file")
    parser.add_argument("--parsed", type=Path, help="score parses kept with --keep, no model")
    args = parser.parse_args(argv)
    cases = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.parsed:
        kept = [json.loads(line) for line in args.parsed.read_text(encoding="utf-8").splitlines() if line.strip()]
        parsed = {p["id"]: p for p in kept}
    else:
        parsed = parse_all(args.model, cases)
    if args.keep:
        lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in parsed.values())
        args.keep.write_text(lines, encoding="utf-8")
    misses: list[str] = []
    engine = default_engine()
    intent_right = dept_total = dept_right = symptoms = reached = judged = 0
    wrong: Counter[tuple[str, str]] = Counter()
    for case in cases:
        p = parsed[case["id"]]
        best: list[Any] = p["ranking"][0] if p["ranking"] else ["nlu_fallback", 0.0]
        top, score = str(best[0]), float(best[1])
        answered = top if score >= FALLBACK_THRESHOLD else "nlu_fallback"
        if answered == case["intent"]:
            intent_right += 1
        else:
            wrong[(case["intent"], answered)] += 1
            misses.append(f"intent {case['id']} {case['intent']} -> {answered} ({score:.2f}) {case['text']}")
        if case.get("department"):
            dept_total += 1
            found = [e["value"] for e in p["entities"] if e["entity"] == "department"]
            dept_right += case["department"] in found
            if case["department"] not in found:
                misses.append(f"dept   {case['id']} {case['department']} -> {found} {case['text']}")
        if case.get("symptom"):
            symptoms += 1
            understanding = Understanding(answered, float(score))
            to_triage = bool(
                answered == "report_symptom"
                or engine.red_flags(case["text"])
                or should_reroute(understanding, case["text"], answered == "nlu_fallback")
            )
            reached += to_triage
            if not to_triage:
                misses.append(f"triage {case['id']} {case['intent']} -> {answered} ({score:.2f}) {case['text']}")
            booked = answered == "book_appointment" and worth_assessing(case["text"])
            offered = would_offer(understanding, case["text"], answered == "nlu_fallback")
            judged += to_triage or booked or offered
    n = len(cases)
    where = args.set.resolve()
    shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where  # a split kept in /tmp
    source = f"parses {args.parsed.name}" if args.parsed else f"model {args.model.name}"
    print(f"blind NLU set: {n} messages ({shown}), {source}")
    print(f"intent accuracy (as the bot answers)  {intent_right / n:.3f}")
    print(f"department entity accuracy            {dept_right / max(dept_total, 1):.3f} ({dept_right}/{dept_total})")
    print(f"symptom messages reaching triage      {reached / max(symptoms, 1):.3f} ({reached}/{symptoms})")
    print(f"  or judged by triage (booking, errand) {judged / max(symptoms, 1):.3f} ({judged}/{symptoms})")
    print("most frequent confusions (expected -> answered):")
    for (expected, got), count in wrong.most_common(12):
        print(f"  {expected} -> {got}: {count}")
    if args.misses:
        print("misses:")
        for line in sorted(misses):
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
