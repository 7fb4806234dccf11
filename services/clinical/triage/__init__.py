"""Triage engine: red-flag rules, symptom → department mapping, demographic modifiers.

Usage::

    from services.clinical.triage import TriageInput, TriageLevel, default_engine

    result = default_engine().assess(TriageInput(text="我爸胸口压着疼，出冷汗"))
    hits = default_engine().red_flags(raw_message)        # fast edge check
    level = TriageLevel.highest(previous_level, result.level)  # never downgrade
"""

from services.clinical.triage.engine import TriageEngine, default_engine
from services.clinical.triage.errors import TriageDataError
from services.clinical.triage.interview import UnknownAnswer
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR
from services.clinical.triage.models import RedFlagHit, TriageInput, TriageLevel, TriageResult

__all__ = [
    "DEFAULT_DATA_DIR",
    "RedFlagHit",
    "TriageDataError",
    "TriageEngine",
    "TriageInput",
    "TriageLevel",
    "TriageResult",
    "UnknownAnswer",
    "default_engine",
]
