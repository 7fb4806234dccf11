"""Quality floors on the level-only protocol vignettes (tests/triage/vignettes_protocols.yml).

These are in-sample (written while the nets and wording were built), so the
floors are there to catch regressions, not to claim performance; the blind
sets are what measure it.
"""

from __future__ import annotations

import pytest

from services.clinical.triage import TriageEngine
from services.clinical.triage.evaluation import PROTOCOL_VIGNETTES, VignetteReport, evaluate, load_vignettes


@pytest.fixture(scope="module")
def report(engine: TriageEngine) -> VignetteReport:
    return evaluate(engine, load_vignettes(PROTOCOL_VIGNETTES))


def test_protocol_emergencies_are_caught(report: VignetteReport) -> None:
    caught = 1 - len(report.emergency_missed) / report.emergency_count
    assert caught >= 0.97, [o.vignette.text for o in report.emergency_missed]


def test_protocol_under_triage_stays_low(report: VignetteReport) -> None:
    assert len(report.under_triaged) / report.total <= 0.05, [o.vignette.text for o in report.under_triaged]


def test_protocol_level_accuracy_and_self_care(report: VignetteReport) -> None:
    assert report.level_accuracy >= 0.9
    assert report.self_care_accuracy >= 0.8
