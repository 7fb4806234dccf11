"""What the triage paraphrase tests read off one assessment: the level, with the red flags or
every reason's rule that decided it. One place, so each set's test file asks the same way."""

from __future__ import annotations

from services.clinical.triage import TriageEngine, TriageInput, TriageLevel


def level_and_flags(engine: TriageEngine, text: str, **given: object) -> tuple[TriageLevel, list[str]]:
    """The level and the red flags (rules, nets, the learned layer) that made it an emergency."""
    found = engine.assess(TriageInput(text=text, **given))
    return found.level, found.red_flags


def level_and_rules(engine: TriageEngine, text: str, **given: object) -> tuple[TriageLevel, list[str]]:
    """The level and every reason's rule (symptoms, nets, protocols, the learned layer's line)."""
    found = engine.assess(TriageInput(text=text, **given))
    return found.level, [reason.rule for reason in found.reasons]
