"""Score a candidate model beside the active one on held-out data; print JSON.

Run in the Rasa venv by services/teaching/model_lifecycle.py (the console's "evaluate"
step), from a training workspace:

    .venv-rasa/bin/python scripts/evaluate_models.py --nlu data/nlu \
        --heldout tests/rasa/heldout_nlu.yml --candidate var/rasa/models/X.tar.gz \
        [--active var/rasa/models/current.tar.gz] --out evaluation.json

The scoring is `make nlu-report`'s own `evaluate` (scripts/nlu_scoring.py:
intent macro-F1 with `faq/*` counted as `faq`, FAQ topic accuracy,
department-entity accuracy after synonym mapping), imported rather than
copied, so the console and `make nlu-report` can never count differently. Confusions are read back from
its error lines (`intent  'text': gold -> predicted`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import nlu_scoring

_INTENT_ERROR = re.compile(r"^intent  (?P<text>.*): (?P<gold>\S+) -> (?P<predicted>\S+)$")


def summary(scores: Any) -> dict[str, Any]:
    wrong: list[dict[str, str]] = []
    for line in scores.errors:
        match = _INTENT_ERROR.match(line)
        if match:
            wrong.append({"text": match["text"], "gold": match["gold"], "predicted": match["predicted"]})
    pairs = Counter((w["gold"], w["predicted"]) for w in wrong)
    return {
        "examples": scores.examples,
        "intent_macro_f1": round(scores.macro_f1, 4),
        "intent_accuracy": round(scores.accuracy, 4),
        "faq_topic_accuracy": round(scores.faq_topic_accuracy, 4),
        "department_mentions": scores.dept_mentions,
        "department_accuracy": round(scores.dept_accuracy, 4),
        "department_false_positives": scores.dept_false_positives,
        "per_intent": {k: {"f1": round(v[0], 4), "support": v[1]} for k, v in scores.per_intent.items()},
        "confusions": [{"pair": list(pair), "count": n} for pair, n in sorted(pairs.items())],
        "wrong": wrong,
        "errors": scores.errors[:200],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nlu", type=Path, required=True, help="the training data (for its synonyms)")
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--candidate", type=Path, required=True)
    parser.add_argument("--active", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("rasa", "tensorflow", "absl", "jieba"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from rasa.shared.nlu.training_data.loading import load_data

    synonyms = nlu_scoring.synonym_map(load_data(str(args.nlu)))
    examples = load_data(str(args.heldout)).intent_examples
    result: dict[str, Any] = {"heldout": str(args.heldout), "active": None}
    candidate = asyncio.run(nlu_scoring.evaluate(str(args.candidate), examples, synonyms, "candidate"))
    result["candidate"] = summary(candidate)
    if args.active is not None:
        active = asyncio.run(nlu_scoring.evaluate(str(args.active), examples, synonyms, "active"))
        result["active"] = summary(active)
        was_wrong = {w["text"] for w in result["active"]["wrong"]}
        now_wrong = {w["text"] for w in result["candidate"]["wrong"]}
        result["newly_wrong"] = sorted(now_wrong - was_wrong)
        result["newly_right"] = sorted(was_wrong - now_wrong)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
