"""What the chat edge answers as an emergency, before consent, the bot or any limit.

The red-flag rules alone caught 149 of the 216 emergencies of blind set C at the
edge; the whole assessment (rules, safety nets, symptom scoring and the learned
layer) caught 204 from the same words. The other 55 - an elder's chest tightness in
Cantonese, a child who swallowed a button battery, a patient on a bridge - reached
the 120 advice only if the bot's triage journey ran to the end, after the consent
question. So the edge runs the whole assessment too, on any message that reads as a
complaint or is long enough to be one, and answers an emergency there: the rules
still answer first and alone when the assessment cannot run.

Why a gate at all: a short form answer ("两天", a name, a date) says nothing the
learned layer should judge. On tuning material (sets B and T, blind set 1 of
whole conversations, the first NLU set) the gate "looks like a complaint, or at
least 15 characters" kept every emergency the assessment found (425/425) and
flagged none of 653 non-symptom messages (docs/triage-blind.md).

Why errands about an appointment already made are judged by the rules only: the learned
layer alone said emergency to "帮我妈把明天的号退了，她去不了了", a husband asking his
pregnant wife's appointment, the SMS code he typed next, and an angry double payment (23
alarms over 1611 non-emergency messages of conversation sets 1-3 and NLU sets 1-2). Its
emergency is set aside only when it is the sole reason and the message reads as such an
errand with nothing sudden and no complaint in it (data/triage/routing.yml, errand_words,
acute_words): 11 of the 23 alarms go, and of the 1175 emergencies the edge caught on
triage sets A-D and the red-flag corpus none is lost. Booking a new visit is no such
errand: "帮我挂个号，我爸说话都听不懂了" stays the layer's to judge. The conversation's
own business counts as such an errand too (a correction, a changed time of day, a form
answer, a results query, asking for a person, visiting): conversation set 4 had the layer
alone, sure at 0.63-0.86, answer 120 to "哎不对不对 上午俺得送孩子 改下午吧". A higher bar
for messages with no complaint in them could not have told that apart: the layer alone
catches 51 emergencies told in no complaint word on tuning material, one at 0.62 (a father
giving his things away), so any bar above 0.6 loses one. With those words the 1333
emergencies the edge catches on sets A-E and the red-flag corpus stay 1333, and alarms on
1303 non-emergency messages of conversation sets 1-4 and NLU sets 1-2 fall 7 -> 2.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from services.clinical.triage import blend
from services.clinical.triage.complaint_wording import booking_tells_complaint
from services.clinical.triage.engine import TriageEngine
from services.clinical.triage.models import RedFlagHit, TriageInput, TriageLevel, TriageResult
from services.clinical.triage.routing import looks_like_symptom, reads_as_errand, resolve_department

log = logging.getLogger(__name__)

MIN_ASSESSED_CHARS = 15
# The learned layer's P(emergency) above which it answers alone on a message with no
# complaint words (`_unsure_without_words`); its own threshold is data/triage/learned.yml's.
SURE_WITHOUT_COMPLAINT = 0.6
# ... and on a request to book a department the patient names, with its reason beside it
# (blind set 4's first run: "整个骨科的号 腰疼得够呛 明儿个上午的" at 0.48 and "帮我爸挂个眼科，
# 他看东西模糊，老花镜也不管用了" at 0.74 were told to call 120 and could not book).
SURE_FOR_A_BOOKING = 0.8
# A phone, an ID number or a code: six digits or more are never a temperature, a pressure,
# a dose or an age, and the learned layer read "身份证是孩子的：110101…" and "手机号打错俩数
# 重新来 139…" as emergencies by their digits (blind set 4). Rules still see the whole text.
NOT_CLINICAL_NUMBER = re.compile(r"\d{6,}[Xx]?")
BOOKING_WORDS = re.compile(r"挂|掛|约|約|预约|預約|号|號")
# The chat itself is the trouble ("我老头子不会打字 眼睛也不好", "字太小看不清", set 8's J18): an
# elder who cannot work the chat is offered a person (services/conversation/handoff_choice.py);
# the learned layer alone read "眼睛也不好" beside it as an emergency at 0.50. It answers alone
# there only when sure, as for a booking; any red-flag rule, net or score still answers.
CHAT_TROUBLE = re.compile(r"不会(打字|弄|用|操作|点|按)|字(太|好|有点)?小|看不(清|懂)(字|屏幕|手机|上面|这个)")
MAX_ASSESSED_CHARS = 2000
ASSESSED_LABEL = "综合判断"
ASSESSED_SOURCE = "分诊引擎综合评估（规则、症状组合与学习模型），docs/triage.md"


def emergency_hits(engine: TriageEngine, text: str) -> list[RedFlagHit]:
    """The red flags in ``text``; failing those, one hit when the whole assessment of the
    message alone says emergency. Never raises: an assessment that fails leaves the rules."""
    hits = engine.red_flags(text)
    text = NOT_CLINICAL_NUMBER.sub("", text)
    if hits or not worth_assessing(text):
        return hits
    try:
        found, probability = _assessed(engine, text[:MAX_ASSESSED_CHARS])
        assessed = list(found)
        if assessed and learned_alone(assessed) and (reads_as_errand(text) or _unsure_without_words(text, probability)):
            return []
        return assessed
    except Exception:  # the rules have answered; the edge must not fail on the rest
        log.exception("edge assessment failed; the red-flag rules answered alone")
        return []


def learned_alone(hits: list[RedFlagHit]) -> bool:
    """Only the learned layer called it an emergency: no rule, net or symptom score did."""
    return all(hit.id == blend.LEARNED_RULE for hit in hits)


def _unsure_without_words(text: str, probability: float | None) -> bool:
    """The learned layer alone, unsure, on a message with no complaint in it: no alarm.

    Blind conversation set 4 (its first, sealed run): a mother mid-booking asked "对了你们
    医院停车方便吗 我开车带他过去" and the layer alone said emergency at 0.38 (threshold
    0.35); the 120 advice then locked her child's booking. Words the layer has seen in
    emergencies ("开车", "孩子") carry it over the threshold when nothing in the message is
    a complaint. The layer still answers alone where it is sure (a teenager giving away his
    things, 0.75) or where the message reads as a complaint."""
    if probability is None:
        return False
    if probability < SURE_WITHOUT_COMPLAINT and not looks_like_symptom(text):
        return True
    if CHAT_TROUBLE.search(text) and probability < SURE_FOR_A_BOOKING:
        return True
    return probability < SURE_FOR_A_BOOKING and asks_to_book_a_department(text)


def asks_to_book_a_department(text: str) -> bool:
    """ "整个骨科的号 腰疼得够呛", "帮我爸挂个眼科，他看东西模糊": a visit to a department the
    patient names, with the reason beside it."""
    return BOOKING_WORDS.search(text) is not None and resolve_department(text) not in (None, "emergency")


def _emergency_probability(result: TriageResult) -> float | None:
    """P(emergency) of the learned layer, as its reason states it."""
    for reason in result.reasons:
        if reason.rule == blend.LEARNED_RULE:
            for finding in reason.findings:
                if finding.startswith("P(emergency)="):
                    return float(finding.split("=", 1)[1])
    return None


@lru_cache(maxsize=512)
def _assessed(engine: TriageEngine, text: str) -> tuple[tuple[RedFlagHit, ...], float | None]:
    """The whole assessment's emergency, remembered: one chat message is judged by the
    limiter's exemption and then by the turn, and a conversation's emergency state judges
    its alert message again on every later turn. A failure raises and is not remembered."""
    result = engine.assess(TriageInput(text=text))
    if result.level is not TriageLevel.EMERGENCY:
        return (), None
    rule = "+".join(result.red_flags) or blend.LEARNED_RULE
    departments = tuple(code for code in result.departments if code != "emergency")
    hit = RedFlagHit(rule, ASSESSED_LABEL, ("emergency", *departments), ASSESSED_SOURCE, "")
    return (hit,), _emergency_probability(result)


def worth_assessing(text: str) -> bool:
    """A complaint, or a message long enough to hide one; never a bare form answer.

    A complaint is also one told in words the router has none for, or inside a booking's
    own words (services/clinical/triage/complaint_wording.py): "约个号看看脚气 皮肤那边的"
    is short and its 约个号 reads to the router as an errand, so such a booking went on
    unjudged (NLU set 8, tuning material, had one)."""
    stripped = (text or "").strip()
    if not stripped or stripped.startswith("/"):  # a button's payload is not a description
        return False
    return len(stripped) >= MIN_ASSESSED_CHARS or looks_like_symptom(stripped) or booking_tells_complaint(stripped)
