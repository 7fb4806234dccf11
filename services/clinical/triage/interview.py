"""The interview and self-care, as data (``questions.yml``, ``self_care.yml``).

A one-shot guess settles "胸口疼" or "发烧" on whatever words happened to be
typed.  A triage nurse asks the one question that decides it ("出冷汗吗？",
"最高多少度？").  Each question here names the complaints it belongs to and,
per answer option, the words that answer *says* ("胸口疼，出冷汗"), so an
answered question is re-assessed by exactly the same rules as free text.  The
engine offers a question only when one of its answers would change the
level, which keeps the interview to what matters.

Self-care applies only to mild, short, low-risk complaints; each entry gives
concrete care and explicit "如果出现…请及时就医" worsening signs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.clinical.triage.demographics import Demographics
from services.clinical.triage.errors import TriageDataError
from services.clinical.triage.findings import Findings
from services.clinical.triage.patterns import compile_alternatives, find

#: Conditions that make any "stay at home" advice unsafe.
_HIGH_RISK_CONDITIONS = frozenset({"chemotherapy", "immunosuppressed", "dialysis", "heart_failure", "anticoagulant"})
MAX_QUESTIONS = 3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(_Strict):
    value: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    says: str = Field(min_length=1)


class QuestionSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    complaints: list[str] = Field(min_length=1)
    text: str
    source: str = Field(min_length=3)
    unless: list[str] = []
    unless_finding: list[str] = []
    #: Asked only of women of child-bearing age (not of men, children or elders).
    women_only: bool = False
    options: list[OptionSpec] = Field(min_length=2)


class SelfCareSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    symptoms: list[str] = Field(min_length=1)
    source: str = Field(min_length=3)
    max_days: float = Field(gt=0)
    plain: bool = False
    advice: str = Field(min_length=10)
    worsening: str = Field(pattern=r"如果")
    #: Words one of which the patient must have said ("没晕", "照样玩") for this entry to apply.
    needs: list[str] = []
    #: Words that rule this entry out (a head bump after drinking).
    unless: list[str] = []
    #: Youngest age (years) the entry is for; a younger or infant patient is seen.
    min_age: float | None = Field(default=None, gt=0)
    #: Age (years) from which the entry no longer applies (an entry written for children: 14).
    max_age: float | None = Field(default=None, gt=0)
    #: Only when the patient's age is known (said or given): an unknown age is never taken as old
    #: enough ("宝宝发烧" may be two months old).
    age_known: bool = False
    #: The highest temperature (℃) said that this entry is written for (a well child's fever below 39);
    #: without it any stated temperature above 38.4 rules home care out.
    max_temperature: float | None = Field(default=None, ge=38.5, lt=40)
    #: Urgent safety nets (nets.yml) or level modifiers (modifiers.yml) this entry may stand in for
    #: when all its conditions hold.
    yields: list[str] = []
    #: Risk groups this entry is written for (the common discomforts of pregnancy, a newborn's
    #: normal findings): their patients may have it only when none of ``group_unless`` (the
    #: group's danger signs) is said.
    #: ``postpartum``: the ordinary course after a birth (lochia tailing off, hair shedding, baby blues in
    #: the first two weeks), NICE NG194 / NHS "Your body after the birth".
    groups: list[Literal["pregnancy", "young_infant", "postpartum"]] = []
    group_unless: list[str] = []
    #: Long-standing by nature (dandruff, dry cracked hands, a small wart): said as recurring or as
    #: lasting years ("好几年了", "一到冬天就") it stays what the entry is for, since the recurrence
    #: gate is there for complaints whose coming back is itself a reason to be seen.
    recurring: bool = False

    @model_validator(mode="after")
    def _groups_have_danger_signs(self) -> SelfCareSpec:
        if self.groups and not self.group_unless:
            raise ValueError(f"{self.id}: an entry open to a risk group must list its danger signs (group_unless)")
        return self


class QuestionsFile(_Strict):
    questions: list[QuestionSpec] = Field(min_length=1)


class SelfCareFile(_Strict):
    reassuring: list[str] = Field(min_length=1)
    worrying: list[str] = Field(min_length=1)
    self_care: list[SelfCareSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Question:
    spec: QuestionSpec
    unless: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class InterviewKnowledge:
    questions: tuple[Question, ...]
    by_id: dict[str, QuestionSpec]
    #: The general entry of each complaint (the one without ``needs``, else its only entry).
    self_care: dict[str, SelfCareSpec]
    reassuring: re.Pattern[str]
    worrying: re.Pattern[str]
    #: Compiled ``needs`` and ``unless`` of the entries that have them, by entry id.
    needs: dict[str, re.Pattern[str]] = field(default_factory=dict)
    unless: dict[str, re.Pattern[str]] = field(default_factory=dict)
    group_unless: dict[str, re.Pattern[str]] = field(default_factory=dict)
    #: Every entry of each complaint, the ones with ``needs`` first (a well child's fever before
    #: the general mild fever), in file order.
    by_symptom: dict[str, tuple[SelfCareSpec, ...]] = field(default_factory=dict)

    def entries_for(self, symptom: str) -> tuple[SelfCareSpec, ...]:
        """The entries of one complaint, the specific ones (with ``needs``) first."""
        found = self.by_symptom.get(symptom)
        if found is not None:
            return found
        general = self.self_care.get(symptom)
        return (general,) if general is not None else ()

    @property
    def entries(self) -> list[SelfCareSpec]:
        """Every self-care entry once."""
        seen = {id(e): e for entries in self.by_symptom.values() for e in entries}
        seen.update({id(e): e for e in self.self_care.values()})
        return list(seen.values())


class UnknownAnswer(ValueError):
    """An answer names a question or option that does not exist."""


def load_interview(questions_data: object, self_care_data: object, symptom_ids: set[str]) -> InterviewKnowledge:
    """Validate both files against the symptom ids of ``symptoms.yml``."""
    try:
        questions = QuestionsFile.model_validate(questions_data)
        care = SelfCareFile.model_validate(self_care_data)
    except ValidationError as exc:
        raise TriageDataError(f"questions.yml/self_care.yml: {exc}") from exc
    compiled = []
    by_id: dict[str, QuestionSpec] = {}
    for spec in questions.questions:
        if spec.id in by_id:
            raise TriageDataError(f"questions.yml: duplicate id {spec.id!r}")
        missing = set(spec.complaints) - symptom_ids
        if missing:
            raise TriageDataError(f"questions.yml {spec.id}: unknown complaints {sorted(missing)}")
        by_id[spec.id] = spec
        unless = compile_alternatives(spec.unless, {}, f"questions.yml {spec.id}") if spec.unless else None
        compiled.append(Question(spec, unless))
    # One general entry per complaint; an entry with ``needs`` (said words it applies to only) may sit
    # beside it, and is tried first.
    by_symptom: dict[str, SelfCareSpec] = {}
    specific: dict[str, list[SelfCareSpec]] = {}
    ids: set[str] = set()
    for entry in care.self_care:
        if entry.id in ids:
            raise TriageDataError(f"self_care.yml: duplicate id {entry.id!r}")
        ids.add(entry.id)
        missing = set(entry.symptoms) - symptom_ids
        if missing:
            raise TriageDataError(f"self_care.yml {entry.id}: unknown symptoms {sorted(missing)}")
        for symptom in entry.symptoms:
            if entry.needs:
                specific.setdefault(symptom, []).append(entry)
                continue
            if symptom in by_symptom:
                raise TriageDataError(f"self_care.yml: symptom {symptom!r} has two entries")
            by_symptom[symptom] = entry
    for symptom, entries in specific.items():
        if symptom not in by_symptom and len(entries) > 1:
            raise TriageDataError(f"self_care.yml: symptom {symptom!r} has two entries and no general one")
    all_by_symptom = {
        symptom: tuple(specific.get(symptom, [])) + ((by_symptom[symptom],) if symptom in by_symptom else ())
        for symptom in set(by_symptom) | set(specific)
    }
    for symptom, entries in specific.items():
        by_symptom.setdefault(symptom, entries[0])
    reassuring = compile_alternatives(care.reassuring, {}, "self_care.yml reassuring")
    worrying = compile_alternatives(care.worrying, {}, "self_care.yml worrying")
    needed = {e.id: compile_alternatives(e.needs, {}, f"self_care.yml {e.id}") for e in care.self_care if e.needs}
    excluded = {e.id: compile_alternatives(e.unless, {}, f"self_care.yml {e.id}") for e in care.self_care if e.unless}
    dangers = {
        e.id: compile_alternatives(e.group_unless, {}, f"self_care.yml {e.id}") for e in care.self_care if e.groups
    }
    return InterviewKnowledge(
        tuple(compiled), by_id, by_symptom, reassuring, worrying, needed, excluded, dangers, all_by_symptom
    )


def answered_text(knowledge: InterviewKnowledge, answers: dict[str, str]) -> str:
    """What the answers say, as sentences appended to the patient's text."""
    said = []
    for question_id, value in answers.items():
        spec = knowledge.by_id.get(question_id)
        if spec is None:
            raise UnknownAnswer(f"没有这个问题：{question_id}")
        option = next((o for o in spec.options if o.value == value), None)
        if option is None:
            choices = "、".join(o.value for o in spec.options)
            raise UnknownAnswer(f"问题 {question_id} 的答案只能是：{choices}")
        said.append(option.says)
    return "。".join(said)


def candidates(
    knowledge: InterviewKnowledge,
    complaints: set[str],
    text: str,
    findings: Findings,
    who: Demographics,
    answered: set[str],
) -> list[QuestionSpec]:
    """Questions for these complaints whose discriminator the patient has not stated yet."""
    found = []
    for question in knowledge.questions:
        spec = question.spec
        if spec.id in answered or not complaints.intersection(spec.complaints):
            continue
        if spec.women_only and (who.sex == "male" or who.is_child or who.is_elder):
            continue
        if question.unless is not None and question.unless.search(text):
            continue
        if any(findings.value(name) is not None for name in spec.unless_finding):
            continue
        found.append(spec)
    return found


def _infant(findings: Findings, who: Demographics) -> bool:
    return (who.age is not None and who.age < 1) or (findings.age_days is not None and findings.age_days < 365)


def low_risk(
    findings: Findings,
    who: Demographics,
    *,
    infants: bool,
    pregnancy: bool = False,
    young_infant: bool = False,
    postpartum: bool = False,
    max_temperature: float | None = None,
    recurring: bool = False,
) -> bool:
    """No risk group and no abnormal number: the only patients whose answer may go down to self-care.

    Pregnancy, postpartum, elders, high-risk conditions, recurrence and an
    abnormal vital sign always rule it out; babies under three months too, and
    every infant when ``infants`` is false (the learned layer's stricter gate).
    ``pregnancy`` lets a pregnant (not a postpartum) patient through, and
    ``young_infant`` a baby under three months, for entries written for them
    whose danger signs the caller has checked, and ``postpartum`` a mother after the birth for an entry
    written for the ordinary course after it (her danger signs checked the same way: bleeding, fever,
    headache or blood pressure, leg swelling, breathlessness, thoughts of harm stay out);
    ``recurring`` lets a complaint long-standing by nature
    through when said as recurring. ``max_temperature`` raises the highest temperature
    allowed (38.4) for an entry written for it (a well child's fever below 39).
    """
    if (findings.postpartum and not postpartum) or who.is_elder:
        return False
    if (who.pregnant or findings.pregnant) and not pregnancy:
        return False
    if findings.conditions & _HIGH_RISK_CONDITIONS:
        return False
    # The discomforts written for pregnancy and for young babies come and go by nature ("孕期老是鼻塞",
    # "新生儿经常打喷嚏", "老是打嗝"): said as recurring they stay what their entry is for; their own
    # danger signs were checked by the caller (``group_unless``).
    expected = (
        recurring
        or (pregnancy and bool(who.pregnant or findings.pregnant))
        or (postpartum and findings.postpartum)
        or (young_infant and _infant(findings, who))
    )
    if (findings.recurrent and not expected) or not _normal_vital_signs(findings, max_temperature):
        return False
    if young_infant and infants and _infant(findings, who):
        return True
    # Under three months by the age given or by the days the words say ("出生一周").
    young = (who.age is not None and who.age < 0.25) or (findings.age_days is not None and findings.age_days < 91)
    return not (_infant(findings, who) and (young or not infants))


def _normal_vital_signs(findings: Findings, max_temperature: float | None = None) -> bool:
    """Any stated abnormal number (BP 170/105, SpO2 93, T 38.5) means a clinician should look."""
    limits = {
        "temperature": (36.0, max(38.4, max_temperature or 0.0)),
        "systolic": (90, 159),
        "diastolic": (50, 99),
        "pulse": (50, 110),
        "spo2": (95, 100),
        "glucose": (3.9, 13.9),
    }
    for name, (low, high) in limits.items():
        value = findings.value(name)
        if value is not None and not low <= value <= high:
            return False
    return True


def self_care_allowed(
    knowledge: InterviewKnowledge, complaints: list[str], findings: Findings, text: str, who: Demographics
) -> bool:
    """Whether every complaint may be self-care at all, and not for longer than its entry allows.

    The learned layer may judge the wording mild where the lexicon has no
    word for it, but never a complaint the protocols keep out of home care,
    a duration beyond its limit ("打嗝三天了"), nor an entry whose own
    conditions fail (a scratch from a stray, a teething baby with fever).
    """
    for symptom in complaints:
        entry = knowledge.self_care.get(symptom)
        if entry is None or not _conditions_hold(knowledge, entry, text, findings, who):
            return False
        if findings.duration_hours is not None and findings.duration_hours > entry.max_days * 24:
            return False
    return True


def self_care_entry(
    knowledge: InterviewKnowledge,
    symptoms: dict[str, bool],
    findings: Findings,
    who: Demographics,
    severe: bool,
    reassured: bool = False,
    text: str = "",
) -> SelfCareSpec | None:
    """The self-care advice when every complaint is mild, short and low-risk; else None.

    ``symptoms`` maps each complaint kept to whether its wording was already
    mild (its level came out self_care).  A plain complaint ("嗓子疼两天")
    qualifies only when its entry says ``plain`` and the patient said how
    long it has lasted or something reassuring ("精神挺好", "没发烧"): some
    complaints are self-care only when the patient says they are slight.
    An entry with ``needs`` applies only when one of its words is in ``text``
    (and they reassure for it), never with one of its ``unless`` words, nor
    below its ``min_age``; a complaint's entries with ``needs`` are tried
    before its general one. An infant's plain complaint qualifies only under
    an entry that states its own ``min_age``.
    """
    if not symptoms or severe:
        return None
    entries: list[SelfCareSpec] = []
    for symptom, mild in symptoms.items():
        entry = next(
            (e for e in knowledge.entries_for(symptom) if _fits(knowledge, e, mild, text, findings, who, reassured)),
            None,
        )
        if entry is None:
            return None
        entries.append(entry)
    # A group is let through by the entries that fit (a postpartum mother's baby blues fit their own
    # entry, not the general low-mood one), each written for it, with none of its danger signs said.
    pregnancy = _group_allowed(knowledge, entries, text, "pregnancy")
    young_infant = _group_allowed(knowledge, entries, text, "young_infant")
    postpartum = _group_allowed(knowledge, entries, text, "postpartum")
    limit = max((e.max_temperature for e in entries if e.max_temperature is not None), default=None)
    recurring = all(e.recurring for e in entries)
    if not low_risk(
        findings,
        who,
        infants=True,
        pregnancy=pregnancy,
        young_infant=young_infant,
        postpartum=postpartum,
        max_temperature=limit,
        recurring=recurring,
    ):
        return None
    temperature = findings.value("temperature")
    if limit is not None and temperature is not None and temperature > 38.4:
        # The number was allowed by the entry written for it: its advice is the one that fits.
        return next(e for e in entries if e.max_temperature == limit)
    return entries[0]


def _fits(
    knowledge: InterviewKnowledge,
    entry: SelfCareSpec,
    mild: bool,
    text: str,
    findings: Findings,
    who: Demographics,
    reassured: bool,
) -> bool:
    """One entry's conditions, its mild or plain wording, and its longest duration hold for a complaint."""
    if not _conditions_hold(knowledge, entry, text, findings, who):
        return False
    # A plain complaint needs a stated short duration ("嗓子疼两天"); unknown stays routine.
    known_mild = findings.duration_hours is not None or reassured or entry.id in knowledge.needs
    plain = entry.plain and (not _infant(findings, who) or entry.min_age is not None) and known_mild
    if not (mild or plain):
        return False
    return findings.duration_hours is None or findings.duration_hours <= entry.max_days * 24


def _group_allowed(knowledge: InterviewKnowledge, entries: list[SelfCareSpec], text: str, group: str) -> bool:
    """Every complaint's entry is written for ``group``, and none of their danger signs is said."""
    if not entries or any(group not in e.groups for e in entries):
        return False
    return all(find(knowledge.group_unless[e.id], text) is None for e in entries)


def _conditions_hold(
    knowledge: InterviewKnowledge, entry: SelfCareSpec, text: str, findings: Findings, who: Demographics
) -> bool:
    """An entry's own conditions: a word it needs said, none it excludes, and the patient's age in range.

    An unknown age passes ``min_age`` unless the words say an infant ("宝宝十个月"), and never passes
    ``age_known``; ``max_age`` needs the patient young enough, or a child of unknown age.
    """
    infant = _infant(findings, who)
    needs = knowledge.needs.get(entry.id)
    if needs is not None and find(needs, text) is None:
        return False
    unless = knowledge.unless.get(entry.id)
    if unless is not None and find(unless, text) is not None:
        return False
    age = who.age if who.age is not None else (findings.age_days / 365 if findings.age_days is not None else None)
    if entry.age_known and age is None:
        return False
    if entry.max_age is not None and not (who.is_child if age is None else age < entry.max_age):
        return False
    if entry.min_age is None:
        return True
    return (age is not None and age >= entry.min_age) or (age is None and not infant)


def yielding(knowledge: InterviewKnowledge, symptoms: list[str]) -> set[str]:
    """Urgent nets and level modifiers that a self-care entry of these complaints may stand in for (``yields``)."""
    return {name for s in symptoms for entry in knowledge.entries_for(s) for name in entry.yields}
