"""Should more blind sets join the learned layer's corpus? Leave-one-set-out, today's corpus against the grown one.

Why: a set kept out of the corpus is the layer's out-of-sample check; once a fresh sealed set
takes that job, the older ones may join, but only if the layer then does better on words it
has not seen. The figure that says so is each blind set's when it is held out: with today's
corpus (a candidate set was never trained on; each corpus set held out in turn) and with the
grown corpus (every blind set held out in turn, the rest in training). Set T, written as
training data, and the in-house ``train_only`` cases are always in training. ``--unseen`` sets
are in neither corpus: each is scored by the whole of each corpus, a check no fold can flatter.

The rules are the checkout's (they are in-sample for every set they were tuned on); only the
learned layer is out-of-fold. Thresholds are ``data/triage/learned.yml``'s.

    python scripts/triage_corpus_growth.py tests/triage/blind/set_f.jsonl ... [--unseen set_e.jsonl] [--json out]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.clinical.triage import TriageEngine, TriageLevel, crossval, default_engine  # noqa: E402
from services.clinical.triage.learned import (  # noqa: E402
    LearnedSettings,
    Prediction,
    Vignette,
    load_corpus,
    load_settings,
    load_vignettes,
)

#: Written as training data, not as a blind set: never held out.
ALWAYS_TRAINED = ("T",)


@dataclass(frozen=True, slots=True)
class Figures:
    """One held-out set: counts, so sets can be summed before rates are taken."""

    set: str
    vignettes: int
    emergencies: int
    caught: int
    caught_by_rules: int
    under: int
    self_care: int
    self_care_right: int
    level_right: int

    def plus(self, other: Figures, name: str) -> Figures:
        return Figures(name, *(a + b for a, b in zip(counts(self), counts(other), strict=True)))

    def row(self) -> str:
        return (
            f"| {self.set} | {self.caught}/{self.emergencies} ({self.caught_by_rules}) | "
            f"{self.under} ({self.under / self.vignettes:.3f}) | "
            f"{self.self_care_right}/{self.self_care} ({self.self_care_right / max(1, self.self_care):.3f}) | "
            f"{self.level_right}/{self.vignettes} ({self.level_right / self.vignettes:.3f}) |"
        )


def counts(f: Figures) -> list[int]:
    return [getattr(f, name) for name in Figures.__dataclass_fields__ if name != "set"]


def letter(case: Vignette) -> str:
    return case.id[:1]


def figures(
    engine: TriageEngine, predicted: Sequence[tuple[Vignette, Prediction]], settings: LearnedSettings
) -> dict[str, Figures]:
    """Per-set counts of the real engine path (rules, then the layer with the held-out prediction)."""
    by_set: dict[str, Figures] = {}
    for o in crossval.assess(engine, predicted, settings):
        key = letter(o.case)
        emergency = o.case.level is TriageLevel.EMERGENCY
        self_care = o.case.level is TriageLevel.SELF_CARE
        one = Figures(
            set=key,
            vignettes=1,
            emergencies=int(emergency),
            caught=int(emergency and o.level is TriageLevel.EMERGENCY),
            caught_by_rules=int(emergency and o.rules_level is TriageLevel.EMERGENCY),
            under=int(o.level < o.case.level),
            self_care=int(self_care),
            self_care_right=int(self_care and o.level is TriageLevel.SELF_CARE),
            level_right=int(o.level is o.case.level),
        )
        by_set[key] = by_set[key].plus(one, key) if key in by_set else one
    return dict(sorted(by_set.items()))


def table(title: str, rows: dict[str, Figures], summed: Sequence[str]) -> None:
    print(f"\n{title}\n")
    print("| held out | emergencies caught (by the rules alone) | under-triaged | self-care right | level right |")
    print("|---|---|---|---|---|")
    for f in rows.values():
        print(f.row())
    whole = Figures(f"sum {'+'.join(summed)}", *[0] * (len(Figures.__dataclass_fields__) - 1))
    for held in summed:
        whole = whole.plus(rows[held], whole.set)
    print(whole.row())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("added", nargs="+", type=Path, help="blind sets that would join the corpus")
    parser.add_argument("--unseen", nargs="*", type=Path, default=[], help="sets in neither corpus")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    engine, settings = default_engine(), load_settings()
    today = load_corpus()
    added = [case for path in args.added for case in load_vignettes(path)]
    unseen = [case for path in args.unseen for case in load_vignettes(path)]
    corpus_sets = {letter(c) for c in today if not c.train_only}
    added_sets = {letter(c) for c in added}
    if corpus_sets & added_sets or any(c.train_only for c in added):
        raise SystemExit(f"already in the corpus: {sorted(corpus_sets & added_sets)}")
    held = sorted((corpus_sets | added_sets) - set(ALWAYS_TRAINED))
    blind_today = [c for c in today if not c.train_only and letter(c) not in ALWAYS_TRAINED]
    grown = [*today, *added]

    scored = [*blind_today, *added, *unseen]
    results = {
        name: figures(engine, crossval.held_out_by_set(corpus, scored, settings, engine.normalize), settings)
        for name, corpus in (("today", today), ("grown", grown))
    }
    unseen_sets = sorted({letter(c) for c in unseen})
    for name, rows in results.items():
        table(f"corpus {name}: each set held out (unseen: {', '.join(unseen_sets) or 'none'})", rows, held)
    if args.json:
        dumped = {name: {k: asdict(v) for k, v in rows.items()} for name, rows in results.items()}
        args.json.write_text(json.dumps(dumped, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
