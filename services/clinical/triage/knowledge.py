"""Loading and validating the triage knowledge under ``data/triage``.

The YAML is edited by hospital staff, so it is validated strictly here:
unknown keys, unknown department codes, unknown levels, bad regexes and
duplicate ids all raise :class:`TriageDataError` at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.clinical.triage.anchors import Anchors, all_of, either, required_chars
from services.clinical.triage.errors import TriageDataError
from services.clinical.triage.interview import InterviewKnowledge, load_interview
from services.clinical.triage.models import TriageLevel
from services.clinical.triage.nets import NetKnowledge, load_nets
from services.clinical.triage.patterns import compile_alternatives
from services.clinical.triage.protocols import ProtocolSpec, load_protocols

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "triage"
DEPARTMENTS_FILE = "departments.yml"

_M = TypeVar("_M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Strict):
    """Demographic condition; every given field must hold."""

    min_age: float | None = None
    max_age: float | None = Field(default=None, description="exclusive upper bound, years")
    sex: Literal["male", "female"] | None = None
    pregnant: bool | None = None
    child: bool | None = None
    elder: bool | None = None


class RedFlagSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    source: str = Field(min_length=3)
    departments: list[str] = Field(min_length=1)
    advice: str = ""
    any: list[str] = []
    all: list[list[str]] = []
    when: When | None = None
    #: Words that keep the rule quiet when said (not negated): a named picture that explains the
    #: sign and is not an emergency, e.g. Bell's palsy (forehead involved, limbs and speech said
    #: normal, no other deficit) for a face droop. Write it so any other danger sign lifts it.
    unless: list[str] = []


class SymptomSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    source: str = Field(min_length=3)
    level: TriageLevel
    mild_level: TriageLevel | None = None
    severe_level: TriageLevel | None = None
    departments: list[str] = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)
    explains: list[str] = []
    #: Words that keep the complaint unread when said (not negated): a back pain of months that is
    #: worse on bending is no renal colic, however "疼得厉害" it is.
    unless: list[str] = []
    #: Words that keep the severity words from raising an adult's complaint to ``severe_level``: a
    #: long-standing pain without red flags is a clinic case however it is described. A child's is
    #: judged as said (NICE NG12: a child's unexplained bone pain is seen within 48 hours).
    severe_unless_adult: list[str] = []


class ModifierSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    source: str = Field(min_length=3)
    symptoms: list[str] = []
    when: When
    min_level: TriageLevel | None = None
    departments_first: list[str] = []


class ChildSpec(_Strict):
    department: str
    replaces: list[str]
    #: Replaced departments a child still needs beside paediatrics (a child's self-harm is psychiatry's too).
    keeps_beside: list[str] = []
    source: str


class RedFlagFile(_Strict):
    terms: dict[str, str] = {}
    rules: list[RedFlagSpec] = Field(min_length=1)


class SymptomFile(_Strict):
    terms: dict[str, str] = {}
    default_departments: list[str] = Field(min_length=1)
    symptoms: list[SymptomSpec] = Field(min_length=1)


class ModifierFile(_Strict):
    child: ChildSpec
    modifiers: list[ModifierSpec] = []


class LexiconFile(_Strict):
    replacements: dict[str, str] = {}
    mild: list[str] = Field(min_length=1)
    severe: list[str] = Field(min_length=1)
    #: The severe words that only say how long ("好几天", "一周了"): they still raise a complaint to its
    #: ``severe_level``, but do not by themselves rule home care out, since every self-care entry's
    #: ``max_days`` already judges how long is too long ("眼皮跳好几天了" is still an eyelid twitch).
    lasting: list[str] = []

    @model_validator(mode="after")
    def _lasting_are_severe(self) -> LexiconFile:
        unknown = set(self.lasting) - set(self.severe)
        if unknown:
            raise ValueError(f"lexicon.yml lasting: not in severe: {sorted(unknown)}")
        return self


class AdviceFile(_Strict):
    levels: dict[TriageLevel, str]
    unknown: str
    child: str = ""
    elder: str = ""
    #: {flags} of the emergency template when no rule named the danger (the learned layer raised it).
    unnamed_danger: str = "这些症状合在一起，需要医生马上判断"


@dataclass(frozen=True, slots=True)
class RedFlagRule:
    """A compiled red-flag rule: ``any`` alone, or every group of ``all``, fires it."""

    spec: RedFlagSpec
    any: re.Pattern[str] | None
    all: tuple[re.Pattern[str], ...]
    unless: re.Pattern[str] | None = None
    #: Characters the rule cannot fire without (services/clinical/triage/anchors.py); None: always scan.
    anchors: Anchors = None


@dataclass(frozen=True, slots=True)
class Symptom:
    spec: SymptomSpec
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None
    severe_unless_adult: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Everything the engine knows, validated and compiled."""

    departments: dict[str, str]
    red_flags: tuple[RedFlagRule, ...]
    symptoms: tuple[Symptom, ...]
    default_departments: tuple[str, ...]
    child: ChildSpec
    modifiers: tuple[ModifierSpec, ...]
    lexicon: LexiconFile
    advice: AdviceFile
    nets: NetKnowledge
    interview: InterviewKnowledge
    protocols: tuple[ProtocolSpec, ...]
    #: Emergency rules named by protocols.yml or nets.yml covered_by that do not exist.
    dangling: tuple[str, ...]
    #: The named fragments of red_flags.yml ({TREATMENT_COURSE}, {RISKY_DRUG}...), for patterns kept elsewhere.
    terms: dict[str, str] = field(default_factory=dict)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise TriageDataError(f"missing knowledge file {path}") from exc
    except yaml.YAMLError as exc:
        raise TriageDataError(f"{path.name}: not valid YAML: {exc}") from exc


def _parse(model: type[_M], path: Path) -> _M:
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise TriageDataError(f"{path.name}: {exc}") from exc


def load_departments(path: Path) -> dict[str, str]:
    """Department code → name from ``data/departments.yml`` (read only)."""
    raw = _read_yaml(path)
    try:
        return {str(d["code"]): str(d["name"]) for d in raw["departments"]}
    except (TypeError, KeyError) as exc:
        raise TriageDataError(f"{path.name}: expected departments: [{{code, name}}]") from exc


def _check_codes(codes: list[str], known: dict[str, str], where: str) -> None:
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise TriageDataError(f"{where}: unknown department code(s) {unknown}")


def _check_unique(ids: list[str], where: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise TriageDataError(f"{where}: duplicate id {item!r}")
        seen.add(item)


def _compile_rule(spec: RedFlagSpec, terms: dict[str, str]) -> RedFlagRule:
    where = f"red_flags.yml rule {spec.id}"
    if not spec.any and not spec.all:
        raise TriageDataError(f"{where}: needs `any` or `all`")
    any_pattern = compile_alternatives(spec.any, terms, where) if spec.any else None
    groups = tuple(compile_alternatives(group, terms, where) for group in spec.all)
    unless = compile_alternatives(spec.unless, terms, where) if spec.unless else None
    needs = [required_chars(any_pattern)] if any_pattern is not None else []
    needs += [all_of(groups)] if groups else []
    return RedFlagRule(spec, any_pattern, groups, unless, either(*needs))


def _compile_symptom(spec: SymptomSpec, terms: dict[str, str]) -> Symptom:
    """A symptom's patterns; they may use red_flags.yml's terms too (its own win on a shared name),
    so a picture written once (a long-standing musculoskeletal pain) serves nets and symptoms alike."""
    where = f"symptoms.yml {spec.id}"
    return Symptom(
        spec,
        compile_alternatives(spec.patterns, terms, where),
        compile_alternatives(spec.unless, terms, where) if spec.unless else None,
        compile_alternatives(spec.severe_unless_adult, terms, where) if spec.severe_unless_adult else None,
    )


def load(data_dir: Path, departments_file: Path | None = None) -> Knowledge:
    """Read, validate and compile every knowledge file."""
    departments_path = departments_file or data_dir.parent / DEPARTMENTS_FILE
    departments = load_departments(departments_path)
    flags = _parse(RedFlagFile, data_dir / "red_flags.yml")
    symptoms = _parse(SymptomFile, data_dir / "symptoms.yml")
    modifiers = _parse(ModifierFile, data_dir / "modifiers.yml")
    lexicon = _parse(LexiconFile, data_dir / "lexicon.yml")
    advice = _parse(AdviceFile, data_dir / "advice.yml")

    _check_unique([r.id for r in flags.rules], "red_flags.yml")
    _check_unique([s.id for s in symptoms.symptoms], "symptoms.yml")
    symptom_ids = {s.id for s in symptoms.symptoms}
    for rule in flags.rules:
        _check_codes(rule.departments, departments, f"red_flags.yml rule {rule.id}")
        if rule.departments[0] != "emergency":
            raise TriageDataError(f"red_flags.yml rule {rule.id}: departments must start with emergency")
    for symptom in symptoms.symptoms:
        _check_codes(symptom.departments, departments, f"symptoms.yml {symptom.id}")
        missing = set(symptom.explains) - symptom_ids
        if missing:
            raise TriageDataError(f"symptoms.yml {symptom.id}: explains unknown {sorted(missing)}")
        if symptom.level is TriageLevel.EMERGENCY:
            raise TriageDataError(f"symptoms.yml {symptom.id}: emergencies belong in red_flags.yml")
    _check_codes(symptoms.default_departments, departments, "symptoms.yml default_departments")
    _check_codes(
        [modifiers.child.department, *modifiers.child.replaces, *modifiers.child.keeps_beside],
        departments,
        "modifiers.yml child",
    )
    for modifier in modifiers.modifiers:
        _check_codes(modifier.departments_first, departments, f"modifiers.yml {modifier.id}")
        missing = set(modifier.symptoms) - symptom_ids
        if missing:
            raise TriageDataError(f"modifiers.yml {modifier.id}: unknown symptoms {sorted(missing)}")
    if set(advice.levels) != set(TriageLevel):
        raise TriageDataError("advice.yml: needs a text for every level")

    nets = load_nets(_read_yaml(data_dir / "findings.yml"), _read_yaml(data_dir / "nets.yml"), departments, flags.terms)
    flag_ids = {rule.id for rule in flags.rules}
    # A covered_by naming a deleted red flag only means the net is never silenced (safe).
    uncovered = {name for net in nets.nets for name in net.spec.covered_by} - flag_ids
    interview = load_interview(
        _read_yaml(data_dir / "questions.yml"), _read_yaml(data_dir / "self_care.yml"), symptom_ids
    )
    net_levels = {net.spec.id: net.spec.level for net in nets.nets}
    # A modifier may be yielded only if it raises no further than urgent (never to an emergency).
    modifier_levels = {m.id: m.min_level for m in modifiers.modifiers}
    for entry in interview.entries:
        wrong = [
            n
            for n in entry.yields
            if net_levels.get(n) is not TriageLevel.URGENT and modifier_levels.get(n) is not TriageLevel.URGENT
        ]
        if wrong:
            raise TriageDataError(
                f"self_care.yml {entry.id}: yields only urgent nets of nets.yml or urgent modifiers of "
                f"modifiers.yml, not {wrong}"
            )
    protocols, dangling = load_protocols(
        _read_yaml(data_dir / "protocols.yml"),
        symptoms=symptom_ids,
        emergencies=flag_ids | {i for i, level in net_levels.items() if level is TriageLevel.EMERGENCY},
        urgents={i for i, level in net_levels.items() if level is TriageLevel.URGENT},
        questions=set(interview.by_id),
        self_care={entry.id for entry in interview.entries},
        departments=set(departments),
    )
    return Knowledge(
        departments=departments,
        red_flags=tuple(_compile_rule(rule, flags.terms) for rule in flags.rules),
        symptoms=tuple(_compile_symptom(s, {**flags.terms, **symptoms.terms}) for s in symptoms.symptoms),
        default_departments=tuple(symptoms.default_departments),
        child=modifiers.child,
        modifiers=tuple(modifiers.modifiers),
        lexicon=lexicon,
        advice=advice,
        nets=nets,
        interview=interview,
        protocols=protocols,
        dangling=tuple(sorted(set(dangling) | uncovered)),
        terms=dict(flags.terms),
    )
