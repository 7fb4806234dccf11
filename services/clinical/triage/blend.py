"""Where the rules' evaluation meets the learned layer's prediction.

The rules decide first and stay the floor (:func:`learned.combine`); this
module applies the combined level to the evaluation (departments, the
emergency entry first) and words the reason a clinician reads: which model,
which probability, which threshold, and whether it raised or lowered the
rules' answer - or only that it agreed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass

from services.clinical.triage import interview
from services.clinical.triage.assessment import Evaluation, unique
from services.clinical.triage.learned import (
    CourseHold,
    Decision,
    LearnedSettings,
    Prediction,
    characters,
    combine,
    rank_departments,
)
from services.clinical.triage.models import Reason, TriageLevel
from services.clinical.triage.patterns import compile_alternatives, find

LEARNED_RULE = "learned_level"
_NAMES = {
    TriageLevel.EMERGENCY: "急诊",
    TriageLevel.URGENT: "24小时内就诊",
    TriageLevel.ROUTINE: "门诊",
    TriageLevel.SELF_CARE: "居家护理",
}


def clean_for_self_care(found: Evaluation) -> bool:
    """Routine may become self-care only with no red flag, no net and no risk group (infants included)."""
    if found.hits or found.nets or found.modifiers:
        return False
    return interview.low_risk(found.findings, found.who, infants=False)


def denied_in_words(found: Evaluation, needs: Container[str]) -> bool:
    """A self-care answer from an entry that needs the patient's own denial ("没头晕", "照样玩").

    Those entries (a darkened stool after iron, a child's bump on the head)
    reach self-care only when the patient has ruled out their red flags in
    words; a corpus statistic over the same characters (black stool is
    usually bleeding) must not overrule what was said. On blind sets A-J
    every such answer was labelled self-care (22 cases, no urgent, no
    emergency), and the layer raised one of them (J212) to emergency.
    """
    return found.level is TriageLevel.SELF_CARE and found.self_care is not None and found.self_care.id in needs


@dataclass(frozen=True, slots=True)
class Hold:
    """The compiled :class:`~services.clinical.triage.learned.CourseHold`."""

    course: re.Pattern[str]
    complaints: frozenset[str]
    named: re.Pattern[str]
    unless: re.Pattern[str]
    nets: frozenset[str] = frozenset()
    max_temperature: float | None = None


def compile_hold(spec: CourseHold | None, terms: Mapping[str, str]) -> Hold | None:
    if spec is None:
        return None
    where = "learned.yml course_hold"
    return Hold(
        course=compile_alternatives([spec.course], terms, where),
        complaints=frozenset(spec.complaints),
        named=compile_alternatives([spec.named], terms, where),
        unless=compile_alternatives([spec.unless], terms, where),
        nets=frozenset(spec.nets),
        max_temperature=spec.max_temperature,
    )


def course_of_ordinary_complaint(found: Evaluation, hold: Hold | None, worrying: re.Pattern[str]) -> bool:
    """A treatment course of an ordinary complaint, with nothing the rules call dangerous.

    "孩子吃了三天头孢还是咳", "儿子吃了好几天消炎药也不见好": still ill on a course of an
    ordinary medicine is a reason to see a doctor soon (NHS 111: not getting better
    after a course - call 111 or the GP), not an emergency by itself; the emergencies
    of such a story are said in words the rules read (喘不上气, 嘴唇发紫, 抽了, 叫不醒:
    red flags and nets) or come with a risk group (infants, pregnancy, elders,
    high-risk conditions, an abnormal number). So the learned layer may raise it to
    urgent, not to emergency, when: no red flag, no net, no risk modifier, no risk
    group (infants included), a course said, every complaint the rules read is one a
    course is ordinarily taken for (or, if they read none, such a complaint or its
    medicine is said), and nothing of ``unless`` (an accidental or someone else's
    medicine, a high-risk drug, a drug reaction) nor a ``worrying`` word of the
    patient's own (精神差, 尿少, 喘, 烧不退: self_care.yml) is said. The only nets that may have
    fired are ``hold.nets`` (the 39-degree fever net of a child over one or an adult, up to
    ``hold.max_temperature``): that net, not the layer, decides the level. On blind sets A-K every
    emergency the layer alone caught with a course said fails one of these (B117,
    C231, F309, F367, G356, J095, K157, K284).
    """
    if hold is None or found.hits or found.modifiers:
        return False
    if any(net.id not in hold.nets or net.level is TriageLevel.EMERGENCY for net in found.nets):
        return False
    fever_net = any(net.id in hold.nets for net in found.nets)
    limit = hold.max_temperature if fever_net else None
    if not interview.low_risk(found.findings, found.who, infants=False, max_temperature=limit):
        return False
    text = found.text
    if find(hold.course, text) is None or hold.unless.search(text) is not None:
        return False
    if find(worrying, text) is not None:
        return False
    complaints = {m.id for m in found.matched}
    if complaints:
        return complaints <= hold.complaints
    return find(hold.named, text) is not None


def held(seen: Prediction, settings: LearnedSettings) -> Reason:
    """The layer's line when the patient's own denial keeps the rules' self-care answer."""
    return Reason(
        rule=LEARNED_RULE,
        label=(f"病人自己说了排除危险信号的话，规则的“居家护理”不由学习模型提高（急诊概率 {seen.emergency:.2f}）"),
        level=None,
        source=settings.source,
        findings=[
            f"P({level.value})={p:.2f}" for level, p in sorted(seen.probabilities.items(), key=lambda kv: -kv[1])
        ],
    )


def apply(
    found: Evaluation,
    seen: Prediction,
    settings: LearnedSettings,
    for_children: Callable[[list[str]], list[str]],
    *,
    may_lower: bool,
    at_most: TriageLevel = TriageLevel.EMERGENCY,
    held_for: str | None = None,
) -> Reason:
    """Set the combined level and departments on ``found``; return the reason that explains them."""
    rules_level = found.level
    decision = combine(rules_level, seen, settings, may_lower=may_lower, said=characters(found.text), at_most=at_most)
    if decision.moved == "too_short":
        return reason(rules_level, decision, seen, settings, held_for)
    ranked = [code for code in found.departments if code != "emergency"]
    ranked = rank_departments(ranked, seen, settings, understood=bool(found.matched or found.nets))
    if found.who.is_child:
        ranked = unique(for_children(ranked))
    if decision.level is TriageLevel.EMERGENCY:
        ranked = ["emergency", *ranked]
    found.level = decision.level
    if decision.level is not TriageLevel.SELF_CARE:
        found.self_care = None  # raised above the rules' self-care: its home-care text no longer fits
    found.departments = ranked or found.departments
    return reason(rules_level, decision, seen, settings, held_for)


def reason(
    rules_level: TriageLevel,
    decision: Decision,
    seen: Prediction,
    settings: LearnedSettings,
    held_for: str | None = None,
) -> Reason:
    """The learned layer's line in ``reasons``: its probabilities, and what it changed if anything.

    ``held_for`` names the non-acute presentation that held it at urgent (quiet_hold.py);
    without it a hold is the treatment course's.
    """
    shown = [f"P({level.value})={p:.2f}" for level, p in sorted(seen.probabilities.items(), key=lambda kv: -kv[1])]
    shown += [f"科室 {code} {p:.2f}" for code, p in seen.departments[:2]]
    if decision.moved == "raised":
        threshold = settings.emergency
        if decision.level is TriageLevel.URGENT:
            threshold = settings.urgent_from_self_care if rules_level is TriageLevel.SELF_CARE else settings.urgent
        label = (
            f"学习模型把规则的“{_NAMES[rules_level]}”提高为“{_NAMES[decision.level]}”"
            f"（概率 {decision.probability:.2f} ≥ 阈值 {threshold:.2f}）"
        )
    elif decision.moved == "held" and held_for is not None:
        label = (
            f"整体不急的表现（{held_for}），规则未见危险信号或急诊安全网、也没说急的话："
            f"学习模型最多提高到“{_NAMES[decision.level]}”，不提高为“急诊”"
            f"（急诊概率 {seen.emergency:.2f} ≥ 阈值 {settings.emergency:.2f}）"
        )
    elif decision.moved == "held":
        label = (
            f"治疗中的普通病症，规则未见危险信号、安全网或高危人群：学习模型最多提高到“{_NAMES[decision.level]}”，"
            f"不提高为“急诊”（急诊概率 {seen.emergency:.2f} ≥ 阈值 {settings.emergency:.2f}）"
        )
    elif decision.moved == "too_short":
        label = f"消息太短（不足{settings.min_characters}个字），学习模型不改变规则的结论，由规则和追问决定"
    elif decision.moved == "lowered":
        label = (
            f"学习模型把规则的“门诊”降为“居家护理”（概率 {decision.probability:.2f} ≥ 阈值 {settings.self_care:.2f}；"
            "规则未见危险信号或高危人群）"
        )
    else:
        label = f"学习模型未改变规则的结论（急诊概率 {seen.emergency:.2f}，阈值 {settings.emergency:.2f}）"
    return Reason(
        rule=LEARNED_RULE,
        label=label,
        level=decision.level if decision.moved in ("raised", "lowered") or decision.level is not rules_level else None,
        source=settings.source,
        findings=shown,
    )
