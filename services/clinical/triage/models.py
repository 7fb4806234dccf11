"""Value types of the triage engine: what goes in, what comes out.

The level strings are the public contract (DESIGN.md); callers compare levels
through :meth:`TriageLevel.severity` so that a later chat turn can never
downgrade an emergency (``TriageLevel.highest(previous, current)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_SEVERITY = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}


class TriageLevel(StrEnum):
    """Triage levels, ordered by severity (``self_care`` < ... < ``emergency``)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    SELF_CARE = "self_care"

    @property
    def severity(self) -> int:
        """Rank for comparisons: higher is more severe."""
        return _SEVERITY[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, TriageLevel):
            return NotImplemented
        return self.severity < other.severity

    def __le__(self, other: object) -> bool:
        if not isinstance(other, TriageLevel):
            return NotImplemented
        return self.severity <= other.severity

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, TriageLevel):
            return NotImplemented
        return self.severity > other.severity

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, TriageLevel):
            return NotImplemented
        return self.severity >= other.severity

    @classmethod
    def highest(cls, *levels: TriageLevel | str | None) -> TriageLevel | None:
        """The most severe of ``levels`` (``None``s ignored).

        A conversation keeps ``level = TriageLevel.highest(level, new.level)``
        after every turn, so "I feel better now" never undoes an emergency.
        """
        known = [cls(level) for level in levels if level is not None]
        return max(known) if known else None


@dataclass(frozen=True, slots=True)
class RedFlagHit:
    """One red-flag rule that fired, with the text that made it fire."""

    id: str
    label: str
    departments: tuple[str, ...]
    source: str
    matched: str


class TriageInput(BaseModel):
    """A triage request; explicit fields win over what the text says."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(max_length=20_000)
    age: float | None = Field(default=None, ge=0, le=130)
    sex: Literal["male", "female"] | None = None
    pregnant: bool | None = None
    #: Answers to earlier ``questions``: question id → option value.
    answers: dict[str, str] = Field(default_factory=dict, max_length=20)

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Reason(BaseModel):
    """One rule that shaped the answer, with its source and the findings it used."""

    rule: str
    label: str
    level: TriageLevel | None = None
    source: str
    findings: list[str] = []


class AnswerOption(BaseModel):
    value: str
    label: str


class Question(BaseModel):
    """A question whose answer would change the level (asked as buttons)."""

    id: str
    text: str
    options: list[AnswerOption]


class TriageResult(BaseModel):
    """The engine's answer; ``departments`` is never empty and ranked best first."""

    level: TriageLevel
    departments: list[str] = Field(min_length=1)
    red_flags: list[str]
    advice: str
    reasons: list[Reason] = []
    questions: list[Question] = []
