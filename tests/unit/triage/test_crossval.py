"""The cross-validation that chooses the learned layer's thresholds and reports its figures
(scripts/triage_blind_report.py --cv), on a small slice of the corpus so it stays fast."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel, crossval
from services.clinical.triage.learned import LEVELS, Vignette, load_corpus, load_settings


@pytest.fixture(scope="module")
def cases() -> list[Vignette]:
    scored = [c for c in load_corpus() if not c.train_only]
    return scored[::10]


@pytest.mark.slow  # ten fits with the in-house cases in every fold: about 10 s
def test_every_scored_case_gets_one_out_of_fold_prediction(engine: TriageEngine, cases: list[Vignette]) -> None:
    predicted = crossval.out_of_fold(cases, load_settings(), engine.normalize)
    assert [case.id for case, _ in predicted] == [case.id for case in cases]
    for _, seen in predicted:
        assert abs(sum(seen.probabilities[level] for level in LEVELS) - 1) < 1e-9
    again = crossval.out_of_fold(cases, load_settings(), engine.normalize)
    assert [seen for _, seen in again] == [seen for _, seen in predicted]  # deterministic folds and fits


def test_groups_keep_a_family_on_one_side() -> None:
    a = Vignette("T001", "x", TriageLevel.URGENT, (), "acs_atypical_jaw")
    b = Vignette("T002", "y", TriageLevel.URGENT, (), "acs_dialect_sichuan")
    c = Vignette("B001", "z", TriageLevel.URGENT, (), "acs_typical")
    assert a.group == b.group != c.group


@pytest.mark.slow  # five fits and the threshold search: about 8 s
def test_the_chosen_thresholds_keep_the_sensitivity_target(engine: TriageEngine, cases: list[Vignette]) -> None:
    settings = load_settings()
    predicted = crossval.out_of_fold(cases, settings, engine.normalize)
    chosen = crossval.choose(engine, predicted, settings)
    assert chosen.emergency in crossval.GRID and chosen.urgent in crossval.GRID
    outcomes = crossval.assess(engine, predicted, chosen)
    emergencies = [o for o in outcomes if o.case.level is TriageLevel.EMERGENCY]
    caught = sum(o.level is TriageLevel.EMERGENCY for o in emergencies)
    assert emergencies and caught / len(emergencies) >= crossval.EMERGENCY_SENSITIVITY_TARGET
    assert all(o.level >= o.rules_level or o.level is TriageLevel.SELF_CARE for o in outcomes)  # rules floor
