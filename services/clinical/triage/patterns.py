"""Compiled patterns with negation-aware matching, shared by rules and symptoms.

Staff write plain regex alternatives in YAML and may reuse named fragments
as ``{CHEST}``; here they are expanded, checked and compiled once at load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.clinical.triage.errors import TriageDataError
from services.clinical.triage.negation import is_negated

_TERM_REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def expand(pattern: str, terms: Mapping[str, str], where: str) -> str:
    """Replace ``{NAME}`` references by ``(?:fragment)``; unknown names are errors."""

    def _sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in terms:
            raise TriageDataError(f"{where}: unknown term {{{name}}}")
        return f"(?:{terms[name]})"

    for _ in range(5):  # terms may use terms, a few levels deep
        expanded = _TERM_REF.sub(_sub, pattern)
        if expanded == pattern:
            return expanded
        pattern = expanded
    raise TriageDataError(f"{where}: terms nested too deep (a cycle?)")


def compile_alternatives(patterns: Sequence[str], terms: Mapping[str, str], where: str) -> re.Pattern[str]:
    """One regex for a list of alternatives, so each list is a single scan."""
    if not patterns:
        raise TriageDataError(f"{where}: empty pattern list")
    parts = []
    for pattern in patterns:
        expanded = expand(str(pattern), terms, where)
        try:
            re.compile(expanded)
        except re.error as exc:
            raise TriageDataError(f"{where}: bad pattern {pattern!r}: {exc}") from exc
        parts.append(f"(?:{expanded})")
    return re.compile("|".join(parts))


@dataclass(frozen=True, slots=True)
class Found:
    """A non-negated match of a pattern."""

    start: int
    end: int
    text: str


def find(pattern: re.Pattern[str], text: str, *, history: bool = True) -> Found | None:
    """First match of ``pattern`` in ``text`` that is not negated (nor history, if asked)."""
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        if not is_negated(text, match.start(), match.end(), history=history):
            return Found(match.start(), match.end(), match.group(0))
    return None
