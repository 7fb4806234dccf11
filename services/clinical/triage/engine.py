"""The triage engine: red flags first, then symptoms, then demographic modifiers.

``POST /api/v1/triage`` and the bot's triage action both call
:meth:`TriageEngine.assess`; the chat edge calls the cheap
:meth:`TriageEngine.red_flags` on every raw message.  All knowledge is data
(``data/triage/*.yml``); this module only combines it, deterministically.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Container, Iterable
from functools import lru_cache
from pathlib import Path

from services.clinical.triage import blend, interview
from services.clinical.triage.anchors import AnchorIndex
from services.clinical.triage.assessment import Evaluation, SymptomMatch, advice, reasons
from services.clinical.triage.demographics import Demographics, Sex, extract, merge
from services.clinical.triage.findings import Findings, extract_findings
from services.clinical.triage.knowledge import (
    DEFAULT_DATA_DIR,
    Knowledge,
    ModifierSpec,
    RedFlagRule,
    Symptom,
    When,
    load,
)
from services.clinical.triage.learned import LearnedLayer, LearnedSettings
from services.clinical.triage.models import (
    AnswerOption,
    Question,
    Reason,
    RedFlagHit,
    TriageInput,
    TriageLevel,
    TriageResult,
)
from services.clinical.triage.nets import NetHit, evaluate_nets
from services.clinical.triage.normalize import Normalizer
from services.clinical.triage.patterns import Found, find
from services.clinical.triage.quiet_hold import Quiet, compile_quiet, quiet_topic

_CLAUSE_BREAK = re.compile(r"[，,。.!！?？;；\n]|但是|可是|不过")
_SENTENCE_BREAK = re.compile(r"[。.!！?？;；\n]")
_CLAUSE_SPAN = 12
# "是不是过敏很严重", "会不会发展得很严重": a worry asked about a few words on; removed before
# looking for severity words (a question ending "…严重吗" is handled by the pattern itself).
_ASKED = re.compile(r"(?:是不是|会不会|是否|严不严重|要不要紧)[^，。,.!！?？;；]{0,8}?(?:严重|厉害|重)")
log = logging.getLogger(__name__)


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

    def __init__(self, knowledge: Knowledge, *, learned: bool = False) -> None:
        self.knowledge = knowledge
        self._normalize = Normalizer(knowledge.lexicon.replacements)
        #: The learned layer beside the rules (trained on first use); rules alone when None.
        self.learned = LearnedLayer(self._normalize) if learned else None
        self._hold: tuple[LearnedSettings, blend.Hold | None] | None = None
        self._quiet: tuple[LearnedSettings, Quiet | None] | None = None
        self._mild = re.compile("|".join(map(re.escape, knowledge.lexicon.mild)))
        # "是不是很严重啊", "会不会越来越重", "厉害吗": a worry asked about, not a severity said.
        severe = "|".join(map(re.escape, knowledge.lexicon.severe))
        self._severe = re.compile(rf"(?<!是不是)(?<!会不会)(?<!严不严)(?:{severe})(?![吗么嘛])")
        # The same without the words that only say how long: the self-care gate leaves those to max_days.
        lasting = set(knowledge.lexicon.lasting)
        now = "|".join(re.escape(w) for w in knowledge.lexicon.severe if w not in lasting)
        self._severe_now = re.compile(rf"(?<!是不是)(?<!会不会)(?<!严不严)(?:{now})(?![吗么嘛])")
        self._needs_demographics = any(rule.spec.when for rule in knowledge.red_flags)
        self._rule_index = AnchorIndex([rule.anchors for rule in knowledge.red_flags])

    @classmethod
    def from_directory(
        cls, path: Path = DEFAULT_DATA_DIR, departments_file: Path | None = None, *, learned: bool = False
    ) -> TriageEngine:
        """Load ``path/*.yml`` plus ``path/../departments.yml``; invalid data raises at once."""
        return cls(load(Path(path), departments_file), learned=learned)

    def warm_up(self) -> None:
        """Train the learned layer now (a few seconds), not during the first patient's assessment."""
        if self.learned is not None:
            self.learned.model()

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
        hits = self._red_flags(normalized, who)
        findings = self._findings(normalized, who)
        nets = _uncovered(evaluate_nets(self.knowledge.nets, normalized, findings, who, emergency_only=True), hits)
        return hits + [_as_hit(net) for net in nets]

    def safety_nets(self, text: str) -> list[str]:
        """Ids of every safety net (any level) the raw message trips, for routing it to triage."""
        normalized = self._normalize(text or "")
        who = extract(normalized)
        return [net.id for net in evaluate_nets(self.knowledge.nets, normalized, self._findings(normalized, who), who)]

    def _findings(self, text: str, who: Demographics) -> Findings:
        nets = self.knowledge.nets
        return extract_findings(text, who, nets.conditions, nets.mechanisms)

    def _red_flags(self, text: str, who: Demographics) -> list[RedFlagHit]:
        hits = []
        rules = self.knowledge.red_flags
        for index in self._rule_index.candidates(text):  # only rules whose characters are in the text
            rule = rules[index]
            if not _applies(rule.spec.when, who):
                continue
            found = self._match_rule(rule, text)
            if found is not None:
                spec = rule.spec
                hits.append(RedFlagHit(spec.id, spec.label, tuple(spec.departments), spec.source, found))
        return hits

    @staticmethod
    def _match_rule(rule: RedFlagRule, text: str) -> str | None:
        """What fired the rule, or None; ``unless`` is looked for only once something did."""
        found = TriageEngine._rule_words(rule, text)
        if found is not None and rule.unless is not None and find(rule.unless, text) is not None:
            return None
        return found

    @staticmethod
    def _rule_words(rule: RedFlagRule, text: str) -> str | None:
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
        """Level, departments, red flags, advice, the reasons, and the questions still worth asking.

        Answers to earlier questions are appended as what they say, so they
        pass through the same rules as free text; an unknown answer raises
        :class:`~services.clinical.triage.interview.UnknownAnswer`.
        """
        said = interview.answered_text(self.knowledge.interview, data.answers)
        raw = f"{data.text}。{said}" if said else data.text
        found = self._evaluate(self._normalize(raw), data)
        questions: list[Question] = []
        if found.level is not TriageLevel.EMERGENCY:  # asked about the rules' level, before the layer moves it
            questions = self._questions(found, raw, data)
        learned = self._learned(found, data)
        if found.level is TriageLevel.EMERGENCY:
            questions = []  # any emergency answers at once
        flags = [hit.id for hit in found.hits]
        if found.level is TriageLevel.EMERGENCY and not flags:
            flags = [blend.LEARNED_RULE]  # an emergency always names what called it one
        return TriageResult(
            level=found.level,
            departments=found.departments,
            red_flags=flags,
            advice=advice(self.knowledge, found),
            reasons=reasons(self.knowledge, found) + ([learned] if learned else []),
            questions=questions,
        )

    def _learned(self, found: Evaluation, data: TriageInput) -> Reason | None:
        """Let the learned layer raise (or, when clean, lower to self-care) the rules' level.

        The rules' answer stands if the layer cannot load (a broken corpus is
        logged, never a failed assessment): the rules are the floor either way.
        """
        if self.learned is None:
            return None
        try:
            seen = self.learned.predict(found.text, data.age, data.sex, data.pregnant)
            settings = self.learned.settings
        except (OSError, ValueError, ImportError):
            log.exception("triage learned layer unavailable; the rules answer alone")
            return None
        if blend.denied_in_words(found, self.knowledge.interview.needs):
            return blend.held(seen, settings)
        hold = self._course_hold(settings)
        ordinary = blend.course_of_ordinary_complaint(found, hold, self.knowledge.interview.worrying)
        quiet = quiet_topic(found, self._quiet_hold(settings))
        at_most = TriageLevel.URGENT if ordinary or quiet else TriageLevel.EMERGENCY
        return blend.apply(
            found,
            seen,
            settings,
            self._for_children,
            may_lower=self.may_lower(found),
            at_most=at_most,
            held_for=None if ordinary else quiet,
        )

    def _course_hold(self, settings: LearnedSettings) -> blend.Hold | None:
        """The learned layer's treatment-course hold, compiled once with red_flags.yml's terms."""
        if self._hold is None or self._hold[0] is not settings:
            self._hold = (settings, blend.compile_hold(settings.course_hold, self.knowledge.terms))
        return self._hold[1]

    def _quiet_hold(self, settings: LearnedSettings) -> Quiet | None:
        """The learned layer's hold on non-acute presentations, compiled once with red_flags.yml's terms."""
        if self._quiet is None or self._quiet[0] is not settings:
            self._quiet = (settings, compile_quiet(settings.quiet_hold, self.knowledge.terms))
        return self._quiet[1]

    def rules_only(self, data: TriageInput) -> Evaluation:
        """What the rules alone found (cross-validation of the learned layer reuses it per threshold)."""
        said = interview.answered_text(self.knowledge.interview, data.answers)
        return self._evaluate(self._normalize(f"{data.text}。{said}" if said else data.text), data)

    def may_lower(self, found: Evaluation) -> bool:
        """Whether the learned layer may turn this routine answer into self-care (no flag, net, risk, severity)."""
        if find(self.knowledge.interview.worrying, found.text) is not None or self._said_severe(found.text):
            return False
        complaints = [m.id for m in found.kept]
        allowed = interview.self_care_allowed(
            self.knowledge.interview, complaints, found.findings, found.text, found.who
        )
        return allowed and blend.clean_for_self_care(found)

    def _evaluate(self, text: str, data: TriageInput) -> Evaluation:
        who = merge(extract(text), data.age, data.sex, data.pregnant)
        findings = self._findings(text, who)
        flags = self._red_flags(text, who)
        nets = _uncovered(evaluate_nets(self.knowledge.nets, text, findings, who), flags)
        hits = flags + [_as_hit(n) for n in nets if n.level is TriageLevel.EMERGENCY]
        matched = self._symptoms(text, who)
        explained = self._explained(matched)
        kept = [m for m in matched if m.id not in explained] or matched
        kept.sort(key=lambda m: (-m.level.severity, m.position))
        # An urgent net or a level modifier a self-care entry may stand in for (a minor head bump, a
        # well toddler's fever) waits for that entry.
        yielding = interview.yielding(self.knowledge.interview, [m.id for m in kept])
        level, departments, modifiers, held = self._combine(hits, kept, matched, who, yielding)
        waiting = [n for n in nets if n.id in yielding and n.level is TriageLevel.URGENT]
        others = [n for n in nets if n not in waiting]
        level, departments = _raise_by_nets(others, level, departments, bool(kept))
        care = None
        if level <= TriageLevel.ROUTINE and not hits and not others:
            mild = {m.id: m.mild for m in kept}
            care = interview.self_care_entry(
                self.knowledge.interview,
                mild,
                findings,
                who,
                self._said_severe(text, lasting=False) or find(self.knowledge.interview.worrying, text) is not None,
                bool(self.knowledge.interview.reassuring.search(text)),
                text,
            )
            level = TriageLevel.SELF_CARE if care is not None else max(level, TriageLevel.ROUTINE)
        if care is None:
            level, departments = _raise_by_nets(waiting, level, departments, bool(kept))
            for modifier in held:
                if modifier.min_level is not None and modifier.min_level > level:
                    level = modifier.min_level
                    modifiers.append(modifier.id)
        else:
            nets = others
        if who.is_child:
            departments = _unique(self._for_children(departments))
        return Evaluation(text, who, findings, hits, nets, matched, kept, level, departments, modifiers, care)

    def _said_severe(self, text: str, *, lasting: bool = True) -> bool:
        """A severity word the patient said, not one they asked about ("是不是很严重").

        ``lasting=False`` leaves out the words that only say how long ("好几天"): the self-care gate,
        whose entries judge a duration by their own ``max_days``.
        """
        severe = self._severe if lasting else self._severe_now
        return severe.search(_ASKED.sub("", text)) is not None

    def matched_symptoms(self, text: str) -> list[str]:
        """Ids of the complaints named in normalised ``text`` (for routing messages)."""
        return [m.id for m in self._symptoms(text)]

    def _symptoms(self, text: str, who: Demographics | None = None) -> list[SymptomMatch]:
        matches = []
        for symptom in self.knowledge.symptoms:
            found = find(symptom.pattern, text, history=False)
            if found is None or (symptom.unless is not None and find(symptom.unless, text) is not None):
                continue
            spec = symptom.spec
            level = spec.level
            clause = self._clause(text, found)
            if spec.severe_level is not None and self._said_severe(self._sentence(text, found)):
                # said severe but calmed (a long-standing pain without red flags): its usual level, never mild
                level = spec.level if self._calm_adult(symptom, text, who) else spec.severe_level
            elif spec.mild_level is not None and self._mild.search(clause):
                level = spec.mild_level
            mild = level is TriageLevel.SELF_CARE
            matches.append(SymptomMatch(spec.id, level, tuple(spec.departments), found.start, found.text, mild))
        return matches

    @staticmethod
    def _calm_adult(symptom: Symptom, text: str, who: Demographics | None) -> bool:
        """An adult's complaint whose severity words do not raise it (``severe_unless_adult`` said)."""
        calm = symptom.severe_unless_adult
        adult = who is None or not who.is_child
        return calm is not None and adult and find(calm, text) is not None

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
        self,
        hits: list[RedFlagHit],
        kept: list[SymptomMatch],
        matched: list[SymptomMatch],
        who: Demographics,
        yielding: Container[str] = frozenset(),
    ) -> tuple[TriageLevel, list[str], list[str], list[ModifierSpec]]:
        """Level and departments from flags, complaints and modifiers; modifiers in ``yielding`` are held back.

        A held modifier (one a self-care entry may stand in for) raises nothing here: the caller
        applies it when that entry does not apply.
        """
        level = kept[0].level if kept else TriageLevel.ROUTINE
        first: list[str] = []
        applied: list[str] = []
        held: list[ModifierSpec] = []
        present = {m.id for m in matched}
        for modifier in self.knowledge.modifiers:
            if modifier.symptoms and not present.intersection(modifier.symptoms):
                continue
            if not _applies(modifier.when, who):
                continue
            if modifier.id in yielding and not hits:
                held.append(modifier)
            elif modifier.min_level is not None and modifier.min_level > level:
                level = modifier.min_level
                applied.append(modifier.id)
            first.extend(modifier.departments_first)
        ranked = [code for m in kept for code in m.departments]
        if hits:
            level = TriageLevel.EMERGENCY
            ranked = ["emergency", *(code for hit in hits for code in hit.departments), *first, *ranked]
        else:
            ranked = [*first, *ranked]
        departments = _unique(ranked) or self._default_departments(who)
        return level, departments, applied, held

    def _questions(self, found: Evaluation, raw: str, data: TriageInput) -> list[Question]:
        """Questions one of whose answers would change the level (at most three)."""
        complaints = {m.id for m in found.matched}
        specs = interview.candidates(
            self.knowledge.interview, complaints, found.text, found.findings, found.who, set(data.answers)
        )
        asked: list[Question] = []
        for spec in specs:
            for option in spec.options:
                again = self._evaluate(self._normalize(f"{raw}。{option.says}"), data)
                if again.level is not found.level:
                    options = [AnswerOption(value=o.value, label=o.label) for o in spec.options]
                    asked.append(Question(id=spec.id, text=spec.text, options=options))
                    break
            if len(asked) >= interview.MAX_QUESTIONS:
                break
        return asked

    def _for_children(self, ranked: list[str]) -> list[str]:
        """Children see paediatrics instead of the adult medical departments; a few (psychiatry) stay
        beside it, since "女儿" or "儿子" may be grown up and a child in crisis needs them too."""
        child = self.knowledge.child
        out: list[str] = []
        for code in ranked:
            if code in child.replaces:
                out.append(child.department)
                if code in child.keeps_beside:
                    out.append(code)
            else:
                out.append(code)
        return out

    def _default_departments(self, who: Demographics) -> list[str]:
        if who.is_child:
            return [self.knowledge.child.department]
        return list(self.knowledge.default_departments)


def _raise_by_nets(
    nets: list[NetHit], level: TriageLevel, departments: list[str], understood: bool
) -> tuple[TriageLevel, list[str]]:
    """Non-emergency nets raise the level to theirs and bring their departments in."""
    for net in nets:
        if net.level is not TriageLevel.EMERGENCY and net.level >= level:
            level = net.level
            if net.departments_first or not understood:
                departments = _unique([*net.departments, *departments])
            else:
                departments = _unique([*departments, *net.departments])
    return level, departments


def _uncovered(nets: list[NetHit], hits: list[RedFlagHit]) -> list[NetHit]:
    fired = {hit.id for hit in hits}
    return [net for net in nets if not fired.intersection(net.covered_by)]


def _as_hit(net: NetHit) -> RedFlagHit:
    """An emergency net reported like a red flag (the edge and the API list both)."""
    return RedFlagHit(net.id, net.label, net.departments, net.source, "；".join(net.findings))


@lru_cache(maxsize=1)
def default_engine() -> TriageEngine:
    """The process-wide engine, loaded once on first use (not at import)."""
    return TriageEngine.from_directory(DEFAULT_DATA_DIR, learned=True)
