"""The cross-validation that chooses the learned layer's thresholds and reports its figures
(scripts/triage_blind_report.py --cv), on a small slice of the corpus so it stays fast."""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel, crossval
from services.clinical.triage.learned import LEVELS, Vignette, features_text, load_corpus, load_settings, train


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


@pytest.mark.slow  # three small fits: a few seconds
def test_a_held_out_set_is_predicted_without_itself_and_an_outside_set_by_the_whole_corpus(
    engine: TriageEngine,
) -> None:
    corpus = load_corpus()
    house = [c for c in corpus if c.train_only][::10]
    a = [c for c in corpus if c.id.startswith("A")][::10]
    b = [c for c in corpus if c.id.startswith("B")][::10]
    outside = [c for c in corpus if c.id.startswith("C")][:3]
    settings, normalize = load_settings(), engine.normalize
    predicted = dict(crossval.held_out_by_set([*house, *a, *b], [a[0], b[0], *outside], settings, normalize))

    def seen_by(training: list[Vignette], case: Vignette) -> object:
        text = features_text(normalize(case.text), case.age, case.sex, case.pregnant)
        return train(training, settings, normalize).predict_one(text)

    assert house[0].id.startswith("H")  # in-house ids share set H's letter, yet never leave training
    assert predicted[a[0]] == seen_by([*house, *b], a[0])
    assert predicted[b[0]] == seen_by([*house, *a], b[0])
    assert predicted[outside[0]] == seen_by([*house, *a, *b], outside[0])
