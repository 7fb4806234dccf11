"""Safety nets: dangerous numbers and risk groups (``data/triage/nets.yml``).

Keyword red flags catch "胸口压着疼"; they cannot catch "血氧88" or "宝宝出生
12天，今天有点烫" or "吃华法林的奶奶磕到头".  A net is a conjunction of
conditions over :class:`~services.clinical.triage.findings.Findings` (numbers,
conditions, mechanisms), who the patient is, and optional text patterns.
Emergency nets also run in the fast edge check, so they answer without Rasa.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.clinical.triage.anchors import AnchorIndex, Anchors, all_of
from services.clinical.triage.demographics import Demographics
from services.clinical.triage.errors import TriageDataError
from services.clinical.triage.findings import ANY_TERM, Findings
from services.clinical.triage.models import TriageLevel
from services.clinical.triage.patterns import compile_alternatives, find

# Words without which no fever can have been said (a cheap gate before {FEVER}).
_FEVERISH = re.compile(r"烧|热|烫|体温|度|℃|°")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bound(_Strict):
    """Numeric thresholds; every given bound must hold."""

    below: float | None = None
    above: float | None = None
    at_least: float | None = None
    at_most: float | None = None

    def holds(self, value: float | None) -> bool:
        if value is None:
            return False
        checks = (
            self.below is None or value < self.below,
            self.above is None or value > self.above,
            self.at_least is None or value >= self.at_least,
            self.at_most is None or value <= self.at_most,
        )
        return all(checks)


ValueName = Literal[
    "temperature",
    "temperature_low",
    "systolic",
    "diastolic",
    "pulse",
    "spo2",
    "glucose",
    "tablets",
    "pregnancy_weeks",
    "age_days",
    "age_years",
    "fever_words",
    "duration_hours",
]


class NetSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    level: TriageLevel
    source: str = Field(min_length=3)
    departments: list[str] = Field(min_length=1)
    advice: str = ""
    values: dict[ValueName, Bound] = {}
    any_values: dict[ValueName, Bound] = {}
    pregnant: bool | None = None
    postpartum: bool | None = None
    child: bool | None = None
    elder: bool | None = None
    #: The patient's sex, as given or said ("女儿", "老公"); unknown never satisfies it.
    sex: Literal["male", "female"] | None = None
    conditions: list[str] = []
    mechanisms: list[str] = []
    text: list[str] = []
    text_also: list[str] = []
    #: Words that keep the net quiet when said (not negated), e.g. a delayed onset of neck pain after a
    #: simple rear-end collision (Canadian C-spine rule low-risk factor); high-risk wording belongs in a
    #: separate net without ``unless`` so that it still fires.
    unless: list[str] = []
    #: Like ``unless``, but only for a patient not known to be a child: a long-standing musculoskeletal
    #: pain without red flags is no same-day case in an adult, while a child's unexplained bone pain
    #: is seen within 48 hours (NICE NG12).
    unless_adult: list[str] = []
    #: Red-flag rules that already say the same; when one fired, this net stays quiet.
    covered_by: list[str] = []
    #: False for general discriminators (severe pain): the complaint's own departments stay first.
    departments_first: bool = True


class VocabularyEntry(_Strict):
    source: str = Field(min_length=3)
    patterns: list[str] = Field(min_length=1)


class FindingsFile(_Strict):
    conditions: dict[str, VocabularyEntry]
    mechanisms: dict[str, VocabularyEntry]


class NetsFile(_Strict):
    terms: dict[str, str] = {}
    nets: list[NetSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Net:
    spec: NetSpec
    text: re.Pattern[str] | None
    text_also: re.Pattern[str] | None
    #: Values that must all be known / at least one known, for a fast skip.
    needs: frozenset[str] = frozenset()
    needs_any: frozenset[str] = frozenset()
    unless: re.Pattern[str] | None = None
    #: Characters the net's words cannot match without (anchors.py); None: no words, or always scan.
    anchors: Anchors = None
    unless_adult: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class NetHit:
    """A net that fired, with the findings that made it fire (for the reasons)."""

    id: str
    label: str
    level: TriageLevel
    departments: tuple[str, ...]
    source: str
    advice: str
    findings: tuple[str, ...]
    covered_by: tuple[str, ...] = ()
    departments_first: bool = True


@dataclass(frozen=True, slots=True)
class NetKnowledge:
    conditions: dict[str, re.Pattern[str]]
    mechanisms: dict[str, re.Pattern[str]]
    nets: tuple[Net, ...]
    fever: re.Pattern[str]
    #: The nets' anchors, looked up by the message's characters (anchors.py); derived from
    #: ``nets`` on every construction, so ``dataclasses.replace(..., nets=...)`` stays right.
    index: AnchorIndex = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", AnchorIndex([net.anchors for net in self.nets]))


def _vocabulary(entries: dict[str, VocabularyEntry], where: str) -> dict[str, re.Pattern[str]]:
    compiled = {name: compile_alternatives(entry.patterns, {}, f"{where} {name}") for name, entry in entries.items()}
    every = [pattern for entry in entries.values() for pattern in entry.patterns]
    return {ANY_TERM: compile_alternatives(every, {}, where), **compiled}


def load_nets(
    findings_data: object, nets_data: object, departments: dict[str, str], terms: dict[str, str]
) -> NetKnowledge:
    """Validate ``findings.yml`` and ``nets.yml`` (already read); ``terms`` come from red_flags.yml."""
    try:
        vocab = FindingsFile.model_validate(findings_data)
    except ValidationError as exc:
        raise TriageDataError(f"findings.yml: {exc}") from exc
    try:
        parsed = NetsFile.model_validate(nets_data)
    except ValidationError as exc:
        raise TriageDataError(f"nets.yml: {exc}") from exc
    all_terms = {**terms, **parsed.terms}
    seen: set[str] = set()
    nets = []
    for spec in parsed.nets:
        where = f"nets.yml {spec.id}"
        if spec.id in seen:
            raise TriageDataError(f"nets.yml: duplicate id {spec.id!r}")
        seen.add(spec.id)
        unknown = [code for code in spec.departments if code not in departments]
        if unknown:
            raise TriageDataError(f"{where}: unknown department code(s) {unknown}")
        if spec.level is TriageLevel.EMERGENCY and spec.departments[0] != "emergency":
            raise TriageDataError(f"{where}: departments must start with emergency")
        missing = set(spec.conditions) - set(vocab.conditions) | set(spec.mechanisms) - set(vocab.mechanisms)
        if missing:
            raise TriageDataError(f"{where}: not in findings.yml: {sorted(missing)}")
        text = compile_alternatives(spec.text, all_terms, where) if spec.text else None
        also = compile_alternatives(spec.text_also, all_terms, where) if spec.text_also else None
        unless = compile_alternatives(spec.unless, all_terms, where) if spec.unless else None
        adult = compile_alternatives(spec.unless_adult, all_terms, where) if spec.unless_adult else None
        anchors = all_of([text, also])
        needs, needs_any = frozenset(spec.values), frozenset(spec.any_values)
        nets.append(Net(spec, text, also, needs, needs_any, unless, anchors, adult))
    fever = compile_alternatives(["{FEVER}"], all_terms, "nets.yml fever words")
    return NetKnowledge(
        conditions=_vocabulary(vocab.conditions, "findings.yml conditions"),
        mechanisms=_vocabulary(vocab.mechanisms, "findings.yml mechanisms"),
        nets=tuple(nets),
        fever=fever,
    )


def _values(findings: Findings, text: str, fever: re.Pattern[str]) -> dict[str, float | None]:
    values: dict[str, float | None] = {
        name: findings.value(name)
        for name in ("temperature", "systolic", "diastolic", "pulse", "spo2", "glucose", "tablets")
    }
    values |= {
        "temperature_low": findings.temperature,
        "pregnancy_weeks": findings.pregnancy_weeks,
        "age_days": findings.age_days,
        "age_years": findings.age_years,
        "duration_hours": findings.duration_hours,
    }
    said_fever = _FEVERISH.search(text) is not None and find(fever, text) is not None
    temperature = findings.temperature
    fever_now = said_fever and (temperature is None or temperature >= 37.5)
    values["fever_words"] = 1.0 if fever_now else None
    return values


def _person(spec: NetSpec, findings: Findings, who: Demographics) -> bool:
    if spec.pregnant is not None and bool(findings.pregnant) != spec.pregnant:
        return False
    if spec.postpartum is not None and findings.postpartum != spec.postpartum:
        return False
    if spec.child is not None and who.is_child != spec.child:
        return False
    if spec.elder is not None and who.is_elder != spec.elder:
        return False
    if spec.sex is not None and who.sex != spec.sex:
        return False
    if spec.conditions and not findings.conditions.intersection(spec.conditions):
        return False
    return not (spec.mechanisms and not findings.mechanisms.intersection(spec.mechanisms))


def _hit(spec: NetSpec, findings: Findings, values: dict[str, float | None], said: list[str]) -> NetHit:
    used = [*spec.values, *(n for n, b in spec.any_values.items() if b.holds(values[n]))]
    described = findings.describe([n for n in used if n in findings.evidence])
    words = findings.evidence
    described += [f"{c}（{words.get(c, '')}）" for c in sorted(findings.conditions) if c in spec.conditions]
    described += [f"{m}（{words.get(m, '')}）" for m in sorted(findings.mechanisms) if m in spec.mechanisms]
    return NetHit(
        spec.id,
        spec.label,
        spec.level,
        tuple(spec.departments),
        spec.source,
        spec.advice,
        tuple(described + said),
        tuple(spec.covered_by),
        spec.departments_first,
    )


def _quieted(net: Net, text: str, who: Demographics) -> bool:
    """Whether the net's ``unless`` (anyone) or ``unless_adult`` (not a child) words were said."""
    if net.unless is not None and find(net.unless, text) is not None:
        return True
    return net.unless_adult is not None and not who.is_child and find(net.unless_adult, text) is not None


def evaluate_nets(
    knowledge: NetKnowledge,
    text: str,
    findings: Findings,
    who: Demographics,
    *,
    emergency_only: bool = False,
) -> list[NetHit]:
    """Every net that holds for this message, most severe first."""
    values = _values(findings, text, knowledge.fever)
    known = {name for name, value in values.items() if value is not None}
    hits = []
    for index in knowledge.index.candidates(text):  # nets whose words could be in the text, or with none
        net = knowledge.nets[index]
        spec = net.spec
        if emergency_only and spec.level is not TriageLevel.EMERGENCY:
            continue
        if not net.needs <= known or (net.needs_any and not net.needs_any & known):
            continue
        if not all(bound.holds(values[name]) for name, bound in spec.values.items()):
            continue
        if spec.any_values and not any(bound.holds(values[name]) for name, bound in spec.any_values.items()):
            continue
        if not _person(spec, findings, who):
            continue
        said: list[str] = []
        for pattern in (net.text, net.text_also):
            if pattern is None:
                continue
            found = find(pattern, text)
            if found is None:
                break
            said.append(f"“{found.text}”")
        else:
            if not _quieted(net, text, who):  # looked for once the net holds
                hits.append(_hit(spec, findings, values, said))
    hits.sort(key=lambda h: -h.level.severity)
    return hits
