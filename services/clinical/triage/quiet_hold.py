"""Non-acute presentations: the learned layer alone may raise them to urgent, never to 120.

Why: the layer reads characters, not time courses. "孩子斜视", "娃两岁只会叫爸爸妈妈",
"乳头流血水 就一边", "血压吃着药今天160" share n-grams with emergencies (眼睛歪, 说话,
血, 血压+头晕), and on blind set R the layer alone sent such cases to 120. Their
emergencies are said in words the rules read (a sudden squint with double vision, a
stroke's speech, a pressure of 180 with symptoms: red flags and emergency nets) or in
the ``acute`` words below; without any of those, the presentation as a whole is a
clinic or same-day one in its own guideline (each topic's ``source``). So: no red flag,
no emergency net, a topic named and nothing acute said -> the layer stops at urgent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.clinical.triage.assessment import Evaluation
from services.clinical.triage.learned import QuietHold
from services.clinical.triage.models import TriageLevel
from services.clinical.triage.patterns import compile_alternatives, find


@dataclass(frozen=True, slots=True)
class Topic:
    """A compiled :class:`~services.clinical.triage.learned.QuietTopic`."""

    id: str
    said: re.Pattern[str]
    unless: re.Pattern[str] | None
    child: bool
    masks: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Quiet:
    """The compiled hold: the shared acute words and the topics."""

    acute: re.Pattern[str]
    topics: tuple[Topic, ...]


def compile_quiet(spec: QuietHold | None, terms: Mapping[str, str]) -> Quiet | None:
    if spec is None:
        return None
    where = "learned.yml quiet_hold"
    topics = tuple(
        Topic(
            id=topic.id,
            said=compile_alternatives([topic.said], terms, f"{where} {topic.id}"),
            unless=compile_alternatives([topic.unless], terms, f"{where} {topic.id}") if topic.unless else None,
            child=topic.child,
            masks=compile_alternatives([topic.masks], terms, f"{where} {topic.id}") if topic.masks else None,
        )
        for topic in spec.topics
    )
    return Quiet(acute=compile_alternatives([spec.acute], terms, where), topics=topics)


def quiet_topic(found: Evaluation, quiet: Quiet | None) -> str | None:
    """The id of the non-acute presentation that holds the layer at urgent, or None.

    Held only when the rules saw no red flag and no emergency net, a topic is named
    (not denied), the patient fits its group, and neither the shared acute words nor
    the topic's own ``unless`` are anywhere in the text (searched raw: a denied "不喘"
    still lifts the hold, which errs towards 120). A topic's ``masks`` (an illness's own
    name, 哮喘) are blanked for the acute search only: "续哮喘的喷剂" says no 喘 of its own,
    while "哮喘喷剂用了还是喘" still does.
    """
    if quiet is None or found.hits or any(net.level is TriageLevel.EMERGENCY for net in found.nets):
        return None
    text = found.text
    acute_as_said = quiet.acute.search(text) is not None  # once, for every topic without masks
    for topic in quiet.topics:
        if topic.child and not found.who.is_child:
            continue
        acute = quiet.acute.search(topic.masks.sub("", text)) is not None if topic.masks else acute_as_said
        if acute:
            continue
        if find(topic.said, text) is None:
            continue
        if topic.unless is not None and topic.unless.search(text) is not None:
            continue
        return topic.id
    return None
