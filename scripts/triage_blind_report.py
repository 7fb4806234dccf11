"""Blind triage evaluation: the engine against vignettes written by authors who never
read data/triage/ or the engine (tests/triage/blind/, frozen with checksums).

Prints, per set: level accuracy, the confusion matrix, emergency sensitivity with its
exact (Clopper-Pearson) 95% interval, under- and over-triage, self-care accuracy and
department top-1/top-3, and lists every missed emergency and every under-triage. Kept
apart from the in-sample report (scripts/triage_report.py): these figures are the
ones that say how triage does on words it has never seen.

Since the learned layer (issue 10), sets A and B are its training data (copied into
data/triage/corpus/): their lines here are marked IN-SAMPLE. ``--cv`` prints the honest
figures for them instead: grouped 5-fold cross-validation of the combined engine
(out-of-fold predictions, groups = corpus file + coarse family) and leave-one-set-out,
beside the rules alone on the same cases. ``--choose`` also prints the thresholds the
cross-validation would choose (data/triage/learned.yml keeps the ones in force).

    python scripts/triage_blind_report.py [--json out.json] [--misses] [--cv [--choose]] [set.jsonl ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clinical.triage import TriageInput, default_engine  # noqa: E402
from services.clinical.triage.learned import CORPUS_DIR  # noqa: E402

BLIND_DIR = ROOT / "tests" / "triage" / "blind"
LEVELS = ("emergency", "urgent", "routine", "self_care")
SEVERITY = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}


def _binom_cdf(k: int, n: int, p: float) -> float:
    if p <= 0:
        return 1.0
    if p >= 1:
        return 0.0 if k < n else 1.0
    # In logs: math.comb(n, i) * p**i overflows a float past about 1,000 cases (the corpus has 2,800).
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    return sum(
        math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        for i in range(k + 1)
    )


def clopper_pearson(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact binomial interval by bisection on the binomial CDF (no SciPy needed)."""
    if n == 0:
        return (0.0, 1.0)

    def solve(target: float, k: int) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if _binom_cdf(k, n, mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    lower = 0.0 if successes == 0 else solve(1 - alpha / 2, successes - 1)
    upper = 1.0 if successes == n else solve(alpha / 2, successes)
    return lower, upper


@dataclass
class Outcome:
    case: dict[str, Any]
    level: str
    departments: list[str]
    reasons: Any = None


@dataclass
class Report:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        n = len(self.outcomes)
        confusion: Counter[tuple[str, str]] = Counter((o.case["expected_level"], o.level) for o in self.outcomes)
        correct = sum(confusion[(lv, lv)] for lv in LEVELS)
        emergencies = [o for o in self.outcomes if o.case["expected_level"] == "emergency"]
        caught = sum(1 for o in emergencies if o.level == "emergency")
        self_care = [o for o in self.outcomes if o.case["expected_level"] == "self_care"]
        under = [o for o in self.outcomes if SEVERITY[o.level] < SEVERITY[o.case["expected_level"]]]
        over = [o for o in self.outcomes if SEVERITY[o.level] > SEVERITY[o.case["expected_level"]]]
        non_emergency = [o for o in self.outcomes if o.case["expected_level"] != "emergency"]

        def top(k: int, cases: list[Outcome]) -> float:
            hits = sum(1 for o in cases if set(o.departments[:k]) & set(o.case["departments"]))
            return hits / len(cases) if cases else 0.0

        low, high = clopper_pearson(caught, len(emergencies))
        return {
            "set": self.name,
            "vignettes": n,
            "level_accuracy": correct / n if n else 0.0,
            "emergency_sensitivity": caught / len(emergencies) if emergencies else 0.0,
            "emergency_sensitivity_ci95": [low, high],
            "emergencies": len(emergencies),
            "emergencies_missed": len(emergencies) - caught,
            "under_triage": len(under) / n if n else 0.0,
            "over_triage": len(over) / n if n else 0.0,
            "self_care_accuracy": (sum(1 for o in self_care if o.level == "self_care") / len(self_care))
            if self_care
            else 0.0,
            "department_top1_non_emergency": top(1, non_emergency),
            "department_top3_non_emergency": top(3, non_emergency),
            "department_top3_all": top(3, self.outcomes),
            "confusion": {f"{a}->{b}": c for (a, b), c in sorted(confusion.items())},
        }


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(path: Path) -> Report:
    engine = default_engine()
    report = Report(path.stem)
    for case in load(path):
        given = {k: case.get(k) for k in ("age", "sex", "pregnant") if case.get(k) is not None}
        result = engine.assess(TriageInput(text=case["text"], **given))
        report.outcomes.append(
            Outcome(case, str(result.level.value), list(result.departments), getattr(result, "reasons", None))
        )
    return report


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def in_training(path: Path) -> bool:
    """Whether this set is (byte for byte) one of the learned layer's training files."""
    return _digest(path) in {_digest(p) for p in CORPUS_DIR.glob("*.jsonl")}


def print_report(report: Report, misses: bool, title: str | None = None) -> dict[str, Any]:
    f = report.figures()
    low, high = f["emergency_sensitivity_ci95"]
    print(f"\n== {title or 'blind set ' + f['set']}: {f['vignettes']} vignettes")
    print(f"level accuracy          {f['level_accuracy']:.3f}")
    print(
        f"emergency sensitivity   {f['emergency_sensitivity']:.3f} "
        f"({f['emergencies'] - f['emergencies_missed']}/{f['emergencies']}; exact 95% CI {low:.3f}-{high:.3f})"
    )
    print(f"under-triage            {f['under_triage']:.3f}")
    print(f"over-triage             {f['over_triage']:.3f}")
    print(f"self-care accuracy      {f['self_care_accuracy']:.3f}")
    print(f"department top-1 / top-3 (non-emergency) {f['department_top1_non_emergency']:.3f} / "
          f"{f['department_top3_non_emergency']:.3f}")  # fmt: skip
    print("confusion (expected -> answered):")
    header = "expected\\answer".ljust(16) + "".join(lv.rjust(11) for lv in LEVELS)
    print(header)
    for expected in LEVELS:
        row = [f["confusion"].get(f"{expected}->{got}", 0) for got in LEVELS]
        print(expected.ljust(16) + "".join(str(c).rjust(11) for c in row))
    if misses:
        print("under-triaged cases:")
        for o in report.outcomes:
            if SEVERITY[o.level] < SEVERITY[o.case["expected_level"]]:
                print(
                    f"  {o.case['id']} expected {o.case['expected_level']}, answered {o.level}: {o.case['text'][:60]}"
                )
    return f


def _as_report(name: str, outcomes: list[Any]) -> Report:
    report = Report(name)
    for o in outcomes:
        case = {"id": o.case.id, "text": o.case.text, "expected_level": o.case.level.value}
        case["departments"] = list(o.case.departments)
        report.outcomes.append(Outcome(case, o.level.value, o.departments))
    return report


def _rules_only(outcomes: list[Any]) -> list[Any]:
    """The same cases as the rules alone answered them (the floor the layer starts from)."""
    from services.clinical.triage import TriageEngine

    rules = TriageEngine(default_engine().knowledge)
    out = []
    for o in outcomes:
        result = rules.assess(TriageInput.model_validate(
            {"text": o.case.text, "age": o.case.age, "sex": o.case.sex, "pregnant": o.case.pregnant}))  # fmt: skip
        out.append(type(o)(o.case, result.level, list(result.departments), o.rules_level))
    return out


def cross_validated(*, choose: bool, misses: bool) -> list[dict[str, Any]]:
    """Out-of-fold figures of the combined engine on the corpus (A, B and any later set)."""
    from services.clinical.triage import crossval
    from services.clinical.triage.learned import load_corpus, load_settings

    engine = default_engine()
    cases, settings = load_corpus(), load_settings()
    sets = sorted({c.id[:1] for c in cases if not c.train_only})
    print(f"\n== cross-validation on the training corpus ({', '.join(sets)}; data/triage/corpus)")
    print("Rules were tuned on set A (in-sample for A); the learned layer is scored out-of-fold only.")
    figures = []
    for by, name in (("family", "grouped 5-fold by family"), ("set", "leave one set out")):
        predicted = crossval.out_of_fold(cases, settings, engine.normalize, by=by)
        if choose and by == "family":
            print(f"thresholds CV would choose: {crossval.choose(engine, predicted, settings)!r}")
        outcomes = crossval.assess(engine, predicted, settings)
        figures.append(print_report(_as_report(f"rules_only_{by}", _rules_only(outcomes)), False,
                                    f"rules alone, same cases ({name})"))  # fmt: skip
        figures.append(print_report(_as_report(f"combined_{by}", outcomes), misses,
                                    f"rules + learned layer, out-of-fold ({name})"))  # fmt: skip
        for letter in sets:
            part = [o for o in outcomes if o.case.id[:1] == letter]
            figures.append(print_report(_as_report(f"combined_{by}_{letter}", part), False,
                                        f"  of which set {letter} ({name})"))  # fmt: skip
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--misses", action="store_true", help="list every under-triaged vignette")
    parser.add_argument("--cv", action="store_true", help="cross-validated figures of rules + learned layer")
    parser.add_argument("--choose", action="store_true", help="with --cv: print the thresholds CV would choose")
    args = parser.parse_args(argv)
    if args.cv:
        figures = cross_validated(choose=args.choose, misses=args.misses)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        return 0
    paths = args.sets or sorted(BLIND_DIR.glob("*.jsonl"))
    figures = []
    for path in paths:
        title = None
        if in_training(path):
            title = f"set {path.stem}: IN-SAMPLE (training data of the learned layer; see --cv)"
        figures.append(print_report(run(path), args.misses, title))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
