"""Grouped cross-validation of the combined engine (rules + learned layer), out-of-fold.

Why grouped: the corpus holds several paraphrases of one scenario; a random
split would let the model see a case's sibling and flatter it. Groups are the
corpus file and the coarse family (:attr:`Vignette.group`), so every figure
here is for words and scenarios the model did not train on, while the rules
were tuned on set A (in-sample for A) - that is stated wherever the figures
are shown. ``by="set"`` holds out a whole corpus file at a time (train on A,
test on B, ...), the nearest proxy for an unseen author.

Thresholds are chosen on the same out-of-fold predictions (:func:`choose`),
which makes the combined figures slightly optimistic: the thresholds saw all
folds. A sealed set scored by someone else is the check on that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.clinical.triage.engine import TriageEngine
from services.clinical.triage.learned import (
    LearnedLayer,
    LearnedSettings,
    LevelModel,
    Prediction,
    Vignette,
    characters,
    combine,
    features_text,
    first_department,
    train,
)
from services.clinical.triage.models import TriageInput, TriageLevel

FOLDS = 5
#: Out-of-fold emergency sensitivity the emergency threshold must keep.
EMERGENCY_SENSITIVITY_TARGET = 0.98
GRID = tuple(round(0.05 * i, 2) for i in range(2, 20))


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Vignette
    level: TriageLevel
    departments: list[str]
    rules_level: TriageLevel


@dataclass(frozen=True, slots=True)
class _Seen:
    """One case's rules answer and out-of-fold prediction (what threshold choice needs)."""

    case: Vignette
    rules: TriageLevel
    may_lower: bool
    said: int
    prediction: Prediction


def as_input(case: Vignette) -> TriageInput:
    return TriageInput.model_validate({"text": case.text, "age": case.age, "sex": case.sex, "pregnant": case.pregnant})


def out_of_fold(
    cases: Sequence[Vignette], settings: LearnedSettings, normalize: Callable[[str], str], *, by: str = "family"
) -> list[tuple[Vignette, Prediction]]:
    """Each scored case's prediction from a model trained without its group (deterministic folds).

    ``train_only`` cases (the in-house vignettes written with the rules) are in
    every training fold and never scored.
    """
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

    always = [c for c in cases if c.train_only]
    scored = [c for c in cases if not c.train_only]
    groups = [c.group if by == "family" else c.id[:1] for c in scored]
    splitter = GroupKFold(FOLDS) if by == "family" else LeaveOneGroupOut()
    predictions: dict[int, Prediction] = {}
    for train_index, test_index in splitter.split(scored, groups=groups):
        model = train([*always, *(scored[i] for i in train_index)], settings, normalize)
        for i in test_index:
            case = scored[i]
            predictions[i] = model.predict_one(features_text(normalize(case.text), case.age, case.sex, case.pregnant))
    return [(case, predictions[i]) for i, case in enumerate(scored)]


def held_out_by_set(
    corpus: Sequence[Vignette], scored: Sequence[Vignette], settings: LearnedSettings, normalize: Callable[[str], str]
) -> list[tuple[Vignette, Prediction]]:
    """Each scored case predicted by a model trained on ``corpus`` without the case's own set.

    Unlike ``out_of_fold(by="set")`` the scored cases need not be in the corpus: a set that is
    not is predicted by the whole corpus (what it gets if it stays out), so one call answers
    "held out of this corpus" for sets in it and sets outside it alike. ``train_only`` cases
    never leave training, whatever their id's letter (the in-house ids start with "H", as set
    H's do).
    """
    present = {c.id[:1] for c in corpus if not c.train_only}
    models: dict[str, LevelModel] = {}
    out = []
    for case in scored:
        own = case.id[:1] if case.id[:1] in present else ""  # "": the whole corpus
        if own not in models:
            models[own] = train([c for c in corpus if c.train_only or c.id[:1] != own], settings, normalize)
        out.append(
            (case, models[own].predict_one(features_text(normalize(case.text), case.age, case.sex, case.pregnant)))
        )
    return out


class _Replay(LearnedLayer):
    """A learned layer that answers with a given out-of-fold prediction (set before each assessment)."""

    def __init__(self, engine: TriageEngine, settings: LearnedSettings) -> None:
        super().__init__(engine.normalize)
        self._fixed = settings
        self.next: Prediction | None = None

    @property
    def settings(self) -> LearnedSettings:
        return self._fixed

    def predict(self, normalized: str, age: float | None, sex: str | None, pregnant: bool | None) -> Prediction:
        assert self.next is not None
        return self.next


def assess(
    engine: TriageEngine, predicted: Sequence[tuple[Vignette, Prediction]], settings: LearnedSettings
) -> list[Outcome]:
    """The real engine path (rules, then the layer) with each case's out-of-fold prediction."""
    rules_engine = TriageEngine(engine.knowledge)
    replay = _Replay(rules_engine, settings)
    combined = TriageEngine(engine.knowledge)
    combined.learned = replay
    outcomes = []
    for case, seen in predicted:
        replay.next = seen
        result = combined.assess(as_input(case))
        rules = rules_engine.rules_only(as_input(case)).level
        outcomes.append(Outcome(case, result.level, list(result.departments), rules))
    return outcomes


def _cost(seen: Sequence[_Seen], settings: LearnedSettings) -> tuple[float, float, float]:
    """(emergency sensitivity, under-triage, over-triage) of the pure combination."""
    caught = under = over = emergencies = 0
    for s in seen:
        level = combine(s.rules, s.prediction, settings, may_lower=s.may_lower, said=s.said).level
        if s.case.level is TriageLevel.EMERGENCY:
            emergencies += 1
            caught += level is TriageLevel.EMERGENCY
        under += level < s.case.level
        over += level > s.case.level
    n = max(1, len(seen))
    return caught / max(1, emergencies), under / n, over / n


def choose(
    engine: TriageEngine, predicted: Sequence[tuple[Vignette, Prediction]], settings: LearnedSettings
) -> LearnedSettings:
    """Thresholds from out-of-fold predictions, one after the other (see data/triage/learned.yml)."""
    seen = []
    for case, prediction in predicted:
        found = engine.rules_only(as_input(case))
        seen.append(_Seen(case, found.level, engine.may_lower(found), characters(found.text), prediction))
    never = 1.0
    best = settings.model_copy(update={"urgent": never, "urgent_from_self_care": never, "self_care": never})
    target = EMERGENCY_SENSITIVITY_TARGET
    keeping = [t for t in GRID if _cost(seen, best.model_copy(update={"emergency": t}))[0] >= target]
    best = best.model_copy(update={"emergency": max(keeping) if keeping else min(GRID)})
    for name in ("urgent", "urgent_from_self_care", "self_care"):
        scores = {t: _cost(seen, best.model_copy(update={name: t})) for t in GRID}
        pick = min(GRID, key=lambda t: (round(2 * scores[t][1] + scores[t][2], 9), -t))
        best = best.model_copy(update={name: pick})
    top3 = {t: department_top3(assess(engine, predicted, best.model_copy(update={"department": t}))) for t in GRID[::2]}
    return best.model_copy(update={"department": max(GRID[::2], key=lambda t: (top3[t], t))})


def department_top3(outcomes: Sequence[Outcome]) -> float:
    judged = [o for o in outcomes if first_department(o.case)]
    hits = sum(1 for o in judged if set(o.departments[:3]) & set(o.case.departments))
    return hits / max(1, len(judged))
