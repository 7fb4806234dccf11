"""Clinical quality gates over the written vignettes and corpora (tests/triage).

Thresholds, and why:
- Emergency sensitivity 100 % on vignettes and zero misses on the red-flag
  corpus: under-triage of an emergency is the one error we cannot accept.
  With >= 400 phrasings and no miss, the exact one-sided 95 % upper bound of
  the miss rate is below 0.75 %.
- Overall level accuracy >= 0.85: nurses' own inter-rater agreement on
  five-level triage scales is around 0.8-0.9 (kappa studies of MTS/ESI), so
  demanding more from a rule engine would only overfit the vignettes.
- Top-1 department accuracy >= 0.85, same reasoning; the acceptable set
  already lists every department a clinician would accept.
- Edge false-positive rate <= 3 %: above that the red-flag banner would
  interrupt ordinary booking chats often enough to be ignored.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.evaluation import (
    NON_EMERGENCY_CORPUS,
    RED_FLAG_CORPUS,
    VignetteReport,
    clopper_pearson_upper,
    evaluate,
    flagged,
    load_lines,
    load_vignettes,
    missed_red_flags,
)

LEVEL_ACCURACY_MIN = 0.85
DEPARTMENT_ACCURACY_MIN = 0.85
EDGE_FALSE_POSITIVE_MAX = 0.03


@pytest.fixture(scope="module")
def report(engine: TriageEngine) -> VignetteReport:
    return evaluate(engine, load_vignettes())


def test_enough_vignettes_of_every_level(report: VignetteReport) -> None:
    assert report.total >= 150
    levels = {o.vignette.level for o in report.outcomes}
    assert levels == set(TriageLevel)


def test_vignette_departments_are_known_codes(engine: TriageEngine) -> None:
    known = engine.knowledge.departments
    for vignette in load_vignettes():
        assert set(vignette.departments) <= set(known), vignette.text


def test_no_emergency_vignette_is_missed(report: VignetteReport) -> None:
    missed = [o.vignette.text for o in report.emergency_missed]
    assert missed == []


def test_level_accuracy(report: VignetteReport) -> None:
    wrong = [(o.vignette.text, o.vignette.level.value, o.result.level.value) for o in report.outcomes if not o.level_ok]
    assert report.level_accuracy >= LEVEL_ACCURACY_MIN, wrong


def test_department_accuracy(report: VignetteReport) -> None:
    wrong = [(o.vignette.text, o.result.departments) for o in report.outcomes if not o.department_ok]
    assert report.department_accuracy >= DEPARTMENT_ACCURACY_MIN, wrong


def test_every_result_is_well_formed(report: VignetteReport) -> None:
    for outcome in report.outcomes:
        result = outcome.result
        assert result.departments, outcome.vignette.text
        if result.level is TriageLevel.EMERGENCY:
            assert result.departments[0] == "emergency"
            assert result.red_flags
            assert "拨打120" in result.advice and "立即去急诊" in result.advice


def test_red_flag_corpus_has_no_miss(engine: TriageEngine) -> None:
    lines = load_lines(RED_FLAG_CORPUS)
    assert len(lines) >= 400
    assert missed_red_flags(engine, lines) == []
    assert clopper_pearson_upper(0, len(lines)) < 0.01


def test_edge_check_rarely_cries_wolf(engine: TriageEngine) -> None:
    lines = load_lines(NON_EMERGENCY_CORPUS)
    assert len(lines) >= 150
    false_alarms = flagged(engine, lines)
    assert len(false_alarms) / len(lines) <= EDGE_FALSE_POSITIVE_MAX, false_alarms


@pytest.mark.parametrize(
    ("failures", "trials", "expected"),
    [(0, 400, 0.00746), (0, 100, 0.0295), (1, 100, 0.0466), (5, 50, 0.1988)],
)
def test_clopper_pearson_upper_bound(failures: int, trials: int, expected: float) -> None:
    assert clopper_pearson_upper(failures, trials) == pytest.approx(expected, abs=5e-4)
