"""The triage engine: red flags first, then symptoms, then demographic modifiers.

``POST /api/v1/triage`` and the bot's triage action both call
:meth:`TriageEngine.assess`; the chat edge calls the cheap
:meth:`TriageEngine.red_flags` on every raw message.  All knowledge is data
(``data/triage/*.yml``); this module only combines it, deterministically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.clinical.triage.demographics import Demographics, Sex, extract, merge
from services.clinical.triage.knowledge import DEFAULT_DATA_DIR, Knowledge, RedFlagRule, When, load
from services.clinical.triage.models import RedFlagHit, TriageInput, TriageLevel, TriageResult
from services.clinical.triage.normalize import Normalizer
from services.clinical.triage.patterns import Found, find

_CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；\n]|但是|可是|不过")
_SENTENCE_BREAK = re.compile(r"[。.!！?？;；\n]")
_CLAUSE_SPAN = 12


@dataclass(frozen=True, slots=True)
class SymptomMatch:
    """A symptom found in the text, with the level its wording implies."""

    id: str
    level: TriageLevel
    departments: tuple[str, ...]
    position: int


def _applies(when: When | None, who: Demographics) -> bool:
    """Whether a demographic condition holds; unknown facts never satisfy it."""
    if when is None:
        return True
    checks: list[bool] = []
    if when.min_age is not None:
        checks.append(who.age is not None and who.age >= when.min_age)
    if when.max_age is not None:
        checks.append(who.age is not None and who.age < when.max_age)
    if when.sex is not None:
        checks.append(who.sex == when.sex)
    if when.pregnant is not None:
        checks.append(bool(who.pregnant) == when.pregnant)
    if when.child is not None:
        checks.append(who.is_child == when.child)
    if when.elder is not None:
        checks.append(who.is_elder == when.elder)
    return all(checks)


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


class TriageEngine:
    """Deterministic triage over validated knowledge; safe to share between threads."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self._normalize = Normalizer(knowledge.lexicon.replacements)
        self._mild = re.compile("|".join(map(re.escape, knowledge.lexicon.mild)))
        self._severe = re.compile("|".join(map(re.escape, knowledge.lexicon.severe)))
        self._needs_demographics = any(rule.spec.when for rule in knowledge.red_flags)

    @classmethod
    def from_directory(cls, path: Path = DEFAULT_DATA_DIR, departments_file: Path | None = None) -> TriageEngine:
        """Load ``path/*.yml`` plus ``path/../departments.yml``; invalid data raises at once."""
        return cls(load(Path(path), departments_file))

    # -- the fast path ------------------------------------------------------
    def normalize(self, text: str) -> str:
        """The canonical form rules are matched against (exposed for tests and tools)."""
        return self._normalize(text)

    def red_flags(
        self,
        text: str,
        *,
        age: float | None = None,
        sex: Sex | None = None,
        pregnant: bool | None = None,
    ) -> list[RedFlagHit]:
        """Red flags in a raw message; cheap enough to run on every chat message.

        Demographic red flags (fever under 3 months, bleeding in pregnancy)
        use the age/pregnancy stated in the text unless given explicitly.
        """
        if not text:
            return []
        normalized = self._normalize(text)
        who = merge(extract(normalized), age, sex, pregnant) if self._needs_demographics else Demographics()
        return self._red_flags(normalized, who)

    def _red_flags(self, text: str, who: Demographics) -> list[RedFlagHit]:
        hits = []
        for rule in self.knowledge.red_flags:
            if not _applies(rule.spec.when, who):
                continue
            found = self._match_rule(rule, text)
            if found is not None:
                spec = rule.spec
                hits.append(RedFlagHit(spec.id, spec.label, tuple(spec.departments), spec.source, found))
        return hits

    @staticmethod
    def _match_rule(rule: RedFlagRule, text: str) -> str | None:
        if rule.any is not None:
            found = find(rule.any, text)
            if found is not None:
                return found.text
        if rule.all:
            parts: list[str] = []
            for group in rule.all:
                part = find(group, text)
                if part is None:
                    return None
                parts.append(part.text)
            return "+".join(parts)
        return None

    # -- full assessment ------------------------------------------------------
    def assess(self, data: TriageInput) -> TriageResult:
        """Level, ranked departments, red flags and advice for one request."""
        text = self._normalize(data.text)
        who = merge(extract(text), data.age, data.sex, data.pregnant)
        hits = self._red_flags(text, who)
        matched = self._symptoms(text)
        level, departments = self._combine(hits, matched, who)
        return TriageResult(
            level=level,
            departments=departments,
            red_flags=[hit.id for hit in hits],
            advice=self._advice(level, departments, hits, who, bool(matched)),
        )

    def _symptoms(self, text: str) -> list[SymptomMatch]:
        matches = []
        for symptom in self.knowledge.symptoms:
            found = find(symptom.pattern, text, history=False)
            if found is None:
                continue
            spec = symptom.spec
            level = spec.level
            clause = self._clause(text, found)
            if spec.severe_level is not None and self._severe.search(self._sentence(text, found)):
                level = spec.severe_level
            elif spec.mild_level is not None and self._mild.search(clause):
                level = spec.mild_level
            matches.append(SymptomMatch(spec.id, level, tuple(spec.departments), found.start))
        return matches

    @staticmethod
    def _clause(text: str, found: Found) -> str:
        """The words around a match up to the nearest clause breaks (for 有点/剧烈)."""
        lo = max(0, found.start - _CLAUSE_SPAN)
        hi = min(len(text), found.end + _CLAUSE_SPAN)
        before = _CLAUSE_BREAK.split(text[lo : found.start])[-1]
        after = _CLAUSE_BREAK.split(text[found.end : hi])[0]
        return before + found.text + after

    @staticmethod
    def _sentence(text: str, found: Found) -> str:
        """The sentence around a match: "崴了脚，肿得厉害" is one severe complaint."""
        lo = max(0, found.start - 2 * _CLAUSE_SPAN)
        hi = min(len(text), found.end + 2 * _CLAUSE_SPAN)
        before = _SENTENCE_BREAK.split(text[lo : found.start])[-1]
        after = _SENTENCE_BREAK.split(text[found.end : hi])[0]
        return before + found.text + after

    def _explained(self, matched: list[SymptomMatch]) -> set[str]:
        by_id = {s.spec.id: s.spec for s in self.knowledge.symptoms}
        return {gone for m in matched for gone in by_id[m.id].explains}

    def _combine(
        self, hits: list[RedFlagHit], matched: list[SymptomMatch], who: Demographics
    ) -> tuple[TriageLevel, list[str]]:
        explained = self._explained(matched)
        kept = [m for m in matched if m.id not in explained] or matched
        kept.sort(key=lambda m: (-m.level.severity, m.position))
        level = kept[0].level if kept else TriageLevel.ROUTINE
        first: list[str] = []
        present = {m.id for m in matched}
        for modifier in self.knowledge.modifiers:
            if modifier.symptoms and not present.intersection(modifier.symptoms):
                continue
            if not _applies(modifier.when, who):
                continue
            if modifier.min_level is not None:
                level = max(level, modifier.min_level)
            first.extend(modifier.departments_first)
        ranked = [code for m in kept for code in m.departments]
        if hits:
            level = TriageLevel.EMERGENCY
            ranked = ["emergency", *(code for hit in hits for code in hit.departments), *first, *ranked]
        else:
            ranked = [*first, *ranked]
        ranked = self._for_children(ranked) if who.is_child else ranked
        departments = _unique(ranked) or self._default_departments(who)
        return level, departments

    def _for_children(self, ranked: list[str]) -> list[str]:
        """Children see paediatrics instead of the adult medical departments."""
        child = self.knowledge.child
        return [child.department if code in child.replaces else code for code in ranked]

    def _default_departments(self, who: Demographics) -> list[str]:
        if who.is_child:
            return [self.knowledge.child.department]
        return list(self.knowledge.default_departments)

    def _advice(
        self,
        level: TriageLevel,
        departments: list[str],
        hits: list[RedFlagHit],
        who: Demographics,
        understood: bool,
    ) -> str:
        advice = self.knowledge.advice
        names = self.knowledge.departments
        shown = [names[code] for code in departments[:2] if code != "emergency"] or [names[departments[0]]]
        template = advice.levels[level] if understood or hits else advice.unknown
        parts = [template.format(departments="或".join(shown), flags="、".join(h.label for h in hits[:2]))]
        by_id = {rule.spec.id: rule.spec.advice for rule in self.knowledge.red_flags}
        parts.extend(tip for tip in _unique(by_id[h.id] for h in hits) if tip)
        if level is not TriageLevel.EMERGENCY:
            if who.is_child and advice.child:
                parts.append(advice.child)
            elif who.is_elder and advice.elder:
                parts.append(advice.elder)
        return "".join(parts)


@lru_cache(maxsize=1)
def default_engine() -> TriageEngine:
    """The process-wide engine, loaded once on first use (not at import)."""
    return TriageEngine.from_directory(DEFAULT_DATA_DIR)
