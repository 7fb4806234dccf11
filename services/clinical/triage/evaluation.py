"""Measuring the engine against the vignettes and corpora in ``tests/triage``.

Shared by the unit tests (which assert thresholds) and
``scripts/triage_report.py`` (which prints the figures), so both count the
same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from services.clinical.triage.engine import TriageEngine
from services.clinical.triage.knowledge import REPO_ROOT
from services.clinical.triage.models import TriageInput, TriageLevel, TriageResult

CORPUS_DIR = REPO_ROOT / "tests" / "triage"
VIGNETTES = CORPUS_DIR / "vignettes.yml"
#: Level-only cases written for issue 10 (protocols, numbers, risk groups, self-care).
PROTOCOL_VIGNETTES = CORPUS_DIR / "vignettes_protocols.yml"
RED_FLAG_CORPUS = CORPUS_DIR / "red_flag_corpus.txt"
NON_EMERGENCY_CORPUS = CORPUS_DIR / "non_emergency_corpus.txt"


class Vignette(BaseModel):
    """One written case: the input and what a triage nurse would answer."""

    model_config = ConfigDict(extra="forbid")

    text: str
    age: float | None = None
    sex: str | None = None
    pregnant: bool | None = None
    level: TriageLevel
    #: Acceptable first departments; empty when only the level is judged.
    departments: list[str] = []
    note: str = ""

    def as_input(self) -> TriageInput:
        return TriageInput.model_validate(
            {"text": self.text, "age": self.age, "sex": self.sex, "pregnant": self.pregnant}
        )


@dataclass
class Outcome:
    vignette: Vignette
    result: TriageResult

    @property
    def level_ok(self) -> bool:
        return self.result.level is self.vignette.level

    @property
    def department_ok(self) -> bool:
        return not self.vignette.departments or self.result.departments[0] in self.vignette.departments

    @property
    def department_top3_ok(self) -> bool:
        return not self.vignette.departments or bool(set(self.result.departments[:3]) & set(self.vignette.departments))


@dataclass
class VignetteReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def level_accuracy(self) -> float:
        return sum(o.level_ok for o in self.outcomes) / self.total

    def _judged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.vignette.departments]

    @property
    def department_accuracy(self) -> float:
        judged = self._judged()
        return sum(o.department_ok for o in judged) / len(judged) if judged else 1.0

    @property
    def department_top3(self) -> float:
        judged = self._judged()
        return sum(o.department_top3_ok for o in judged) / len(judged) if judged else 1.0

    @property
    def self_care_accuracy(self) -> float:
        """Self-care cases answered self-care (sending them all to a clinic scores 0)."""
        cases = [o for o in self.outcomes if o.vignette.level is TriageLevel.SELF_CARE]
        return sum(o.level_ok for o in cases) / len(cases) if cases else 1.0

    def confusion(self) -> dict[TriageLevel, dict[TriageLevel, int]]:
        """expected level → answered level → count."""
        table = {want: dict.fromkeys(TriageLevel, 0) for want in TriageLevel}
        for o in self.outcomes:
            table[o.vignette.level][o.result.level] += 1
        return table

    def _emergencies(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.vignette.level is TriageLevel.EMERGENCY]

    @property
    def emergency_count(self) -> int:
        return len(self._emergencies())

    @property
    def emergency_missed(self) -> list[Outcome]:
        return [o for o in self._emergencies() if o.result.level is not TriageLevel.EMERGENCY]

    @property
    def under_triaged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result.level < o.vignette.level]

    @property
    def over_triaged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result.level > o.vignette.level]

    @property
    def false_emergencies(self) -> list[Outcome]:
        """Non-emergency cases sent to the emergency room."""
        return [
            o
            for o in self.outcomes
            if o.vignette.level is not TriageLevel.EMERGENCY and o.result.level is TriageLevel.EMERGENCY
        ]


def load_vignettes(path: Path = VIGNETTES) -> list[Vignette]:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return [Vignette.model_validate(item) for item in raw["vignettes"]]


def load_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a corpus file."""
    with path.open(encoding="utf-8") as handle:
        stripped = (line.strip() for line in handle)
        return [line for line in stripped if line and not line.startswith("#")]


def evaluate(engine: TriageEngine, vignettes: list[Vignette]) -> VignetteReport:
    return VignetteReport([Outcome(v, engine.assess(v.as_input())) for v in vignettes])


def missed_red_flags(engine: TriageEngine, lines: list[str]) -> list[str]:
    return [line for line in lines if not engine.red_flags(line)]


def flagged(engine: TriageEngine, lines: list[str]) -> list[str]:
    return [line for line in lines if engine.red_flags(line)]


def clopper_pearson_upper(failures: int, trials: int, confidence: float = 0.95) -> float:
    """One-sided exact upper bound of a failure rate.

    With zero failures this is ``1 - (1 - confidence) ** (1 / trials)``, which
    the "rule of three" approximates as ``3 / trials``; with failures it is the
    Beta quantile, found here by bisection to stay free of SciPy.
    """
    if trials <= 0:
        return 1.0
    alpha = 1.0 - confidence
    if failures == 0:
        return 1.0 - alpha ** (1.0 / trials)
    if failures >= trials:
        return 1.0

    def tail(p: float) -> float:  # P(X <= failures | p)
        return sum(math.comb(trials, k) * p**k * (1 - p) ** (trials - k) for k in range(failures + 1))

    lo, hi = failures / trials, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if tail(mid) > alpha:
            lo = mid
        else:
            hi = mid
    return hi
