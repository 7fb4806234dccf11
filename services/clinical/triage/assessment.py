"""What one assessment found, and how it is explained to the clinician and the patient.

Split from the engine so that the engine only decides; the wording of the
advice and the list of reasons are built here from the same evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.clinical.triage.demographics import Demographics
from services.clinical.triage.findings import Findings
from services.clinical.triage.interview import SelfCareSpec
from services.clinical.triage.knowledge import Knowledge
from services.clinical.triage.models import Reason, RedFlagHit, TriageLevel
from services.clinical.triage.nets import NetHit


def unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


@dataclass(frozen=True, slots=True)
class SymptomMatch:
    """A symptom found in the text, with the level its wording implies."""

    id: str
    level: TriageLevel
    departments: tuple[str, ...]
    position: int
    said: str
    #: The wording was mild enough for the symptom's self-care level.
    mild: bool


@dataclass(slots=True)
class Evaluation:
    """Everything one assessment found, before it is worded for the patient."""

    text: str
    who: Demographics
    findings: Findings
    hits: list[RedFlagHit]
    nets: list[NetHit]
    matched: list[SymptomMatch]
    kept: list[SymptomMatch]
    level: TriageLevel
    departments: list[str]
    modifiers: list[str]
    self_care: SelfCareSpec | None


def reasons(knowledge: Knowledge, found: Evaluation) -> list[Reason]:
    """The rules that decided the answer, for the clinician reading it: flags, nets, complaints, charts."""
    flags = {rule.spec.id: rule.spec for rule in knowledge.red_flags}
    reasons = [
        Reason(rule=h.id, label=h.label, level=TriageLevel.EMERGENCY, source=h.source, findings=[h.matched])
        for h in found.hits
        if h.id in flags
    ]
    reasons += [
        Reason(rule=n.id, label=n.label, level=n.level, source=n.source, findings=list(n.findings)) for n in found.nets
    ]
    by_id = {s.spec.id: s.spec for s in knowledge.symptoms}
    reasons += [
        Reason(rule=m.id, label=by_id[m.id].label, level=m.level, source=by_id[m.id].source, findings=[m.said])
        for m in found.kept
    ]
    complaints = {m.id for m in found.kept}
    reasons += [
        Reason(rule=f"protocol_{p.id}", label=f"主诉：{p.label}", source=p.source)
        for p in knowledge.protocols
        if complaints.intersection(p.symptoms) and for_patient(p.who, found)
    ][:2]
    sources = {m.id: m.source for m in knowledge.modifiers}
    reasons += [Reason(rule=m, label=m, source=sources[m]) for m in found.modifiers]
    if found.self_care is not None:
        care = found.self_care
        reasons.append(
            Reason(rule=f"self_care_{care.id}", label="居家护理", level=TriageLevel.SELF_CARE, source=care.source)
        )
    return reasons


def advice(knowledge: Knowledge, found: Evaluation) -> str:
    """The patient-facing text: the level's template, self-care care and worsening signs, first aid."""
    advice = knowledge.advice
    names = knowledge.departments
    level, departments, hits, who = found.level, found.departments, found.hits, found.who
    shown = [names[code] for code in departments[:2] if code != "emergency"] or [names[departments[0]]]
    # A level the learned layer raised is understood enough to act on, even with no rule's words.
    understood = bool(found.matched) or bool(found.nets) or level >= TriageLevel.URGENT
    template = advice.levels[level] if understood or hits else advice.unknown
    flags = "、".join(h.label for h in hits[:2]) or advice.unnamed_danger
    parts = [template.format(departments="或".join(shown), flags=flags)]
    if found.self_care is not None:
        parts = [found.self_care.advice, found.self_care.worsening, f"一直不好的话，可以挂{shown[0]}看看。"]
    by_id = {rule.spec.id: rule.spec.advice for rule in knowledge.red_flags}
    by_id |= {net.id: net.advice for net in found.nets}
    parts.extend(tip for tip in unique(by_id.get(h.id, "") for h in hits) if tip)
    if level is not TriageLevel.EMERGENCY:
        parts.extend(n.advice for n in found.nets if n.advice)
        if who.is_child and advice.child:
            parts.append(advice.child)
        elif who.is_elder and advice.elder:
            parts.append(advice.elder)
    return "".join(parts)


def for_patient(who: str, found: Evaluation) -> bool:
    """Whether a protocol chart's population ("adult", "newborn", ...) fits this patient."""
    days = found.findings.age_days
    checks = {
        "any": True,
        "adult": not found.who.is_child,
        "child": found.who.is_child,
        "newborn": days is not None and days < 28,
        "infant": days is not None and days < 91,
        "pregnant": bool(found.findings.pregnant),
        "postpartum": found.findings.postpartum,
    }
    return checks[who]
