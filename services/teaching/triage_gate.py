"""The triage gates a change must pass: candidate rules in a data/triage
directory loaded and run against the vignettes and the red-flag and ordinary
corpora. A reviewed rules change (triage_changes) is blocked by them; a
training run trained beside changed rules reports them (model_lifecycle).
The digest says whether the rules moved since something was decided on them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The same thresholds as tests/unit/triage/test_quality.py (the reasons are written there).
LEVEL_ACCURACY_MIN = 0.85
DEPARTMENT_ACCURACY_MIN = 0.85
EDGE_FALSE_POSITIVE_MAX = 0.03


@dataclass
class TriageGate:
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def triage_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def triage_gate(triage_dir: Path, departments_file: Path | None = None) -> TriageGate:
    """Load a candidate data/triage and run the vignette and corpus gates on it."""
    from services.clinical.triage import TriageDataError, TriageEngine
    from services.clinical.triage.evaluation import (
        NON_EMERGENCY_CORPUS,
        RED_FLAG_CORPUS,
        evaluate,
        flagged,
        load_lines,
        load_vignettes,
        missed_red_flags,
    )

    try:
        engine = TriageEngine.from_directory(triage_dir, departments_file)
    except (TriageDataError, ValueError, OSError) as exc:
        return TriageGate(False, failures=[f"规则无法加载：{exc}"[:2000]])
    report = evaluate(engine, load_vignettes())
    red_flag_lines = load_lines(RED_FLAG_CORPUS)
    missed = missed_red_flags(engine, red_flag_lines)
    ordinary = load_lines(NON_EMERGENCY_CORPUS)
    false_alarm_rate = len(flagged(engine, ordinary)) / max(1, len(ordinary))
    figures = {
        "vignettes": report.total,
        "level_accuracy": round(report.level_accuracy, 4),
        "department_accuracy": round(report.department_accuracy, 4),
        "emergencies_missed": [o.vignette.text for o in report.emergency_missed],
        "red_flag_corpus": len(red_flag_lines),
        "red_flags_missed": missed,
        "false_alarm_rate": round(false_alarm_rate, 4),
    }
    failures = []
    if report.emergency_missed:
        failures.append(f"漏掉 {len(report.emergency_missed)} 个急诊病例")
    if missed:
        failures.append(f"危险信号语料漏掉 {len(missed)} 条")
    if report.level_accuracy < LEVEL_ACCURACY_MIN:
        failures.append(f"分诊级别准确率 {report.level_accuracy:.3f} < {LEVEL_ACCURACY_MIN}")
    if report.department_accuracy < DEPARTMENT_ACCURACY_MIN:
        failures.append(f"首选科室准确率 {report.department_accuracy:.3f} < {DEPARTMENT_ACCURACY_MIN}")
    if false_alarm_rate > EDGE_FALSE_POSITIVE_MAX:
        failures.append(f"误报率 {false_alarm_rate:.3f} > {EDGE_FALSE_POSITIVE_MAX}")
    return TriageGate(not failures, figures, failures)


def triage_suite(triage_dir: Path) -> dict[str, Any]:
    gate = triage_gate(triage_dir)
    return {"passed": gate.passed, "failures": gate.failures, **gate.figures}
