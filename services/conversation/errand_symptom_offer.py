"""An errand that also tells a complaint: the errand is done, and triage is offered after it.

Why (issue 10, "every symptom reaches triage"): the front door never takes over an errand
about something already made (services/conversation/symptom_routing.py), so "把明天的号退了
吧，孩子发烧去不了", "改个时间，这两天头晕得厉害", "降压药快吃完了，最近老头疼", "化验结果出来
没，最近老是没劲" and "找个人工，孩子一直吐" got their errand, and the edge's emergency check
(services/clinical/triage/edge.py, which answers 120 before the bot), but the fever, the
dizziness or the vomiting was never looked at. Taking the message away from its errand
would fail the errand; so after the bot's replies for that turn one short line is added,
with a button whose payload is the triage journey's own trigger with the message as its
symptom (`/report_symptom{"symptom": ...}`, symptom_routing.triage_trigger): one tap and
the complaint is triaged without being typed again.

What counts: the NLU read the message as such an errand (:data:`ERRAND_INTENTS`, the bot
did not fall back: a fallback with a complaint already goes to triage) and the shared
complaint readers (complaint_wording.tells_complaint: routing.looks_like_symptom and the
families the router has no word for) find a complaint in it, with drug names holding a
complaint's character taken out ("止疼药吃完了" is a refill, not a pain told) and a clause
that says the complaint is over left out ("孩子烧退了，号退了吧"). Never a booking (the
edge has assessed it and a booking without a department already goes to triage), an FAQ,
a form answer (inform, affirm, deny), a button's payload, nor a conversation in its
emergency journey (services/conversation/emergency.py answers every turn of it).

The whole assessment runs on the message (the same text the button hands to triage), and
the line says how soon when it matters, never less than the assessment said: urgent is
"today" (the engine's urgent level: to be seen within 24 hours, as the bot's own
utter_triage_urgent says; Manchester Triage System urgent/very urgent, 急诊预检分诊专家共识
(2018) level 3); an emergency the edge did not answer (it sets aside the learned layer
alone on an errand) is told to go to the emergency department or call 120 now, never
offered as something for later.

While a person is asked for, the bot is paused once the hand-off opens; the button's
payload (a triage trigger carrying its symptom) then counts as asking for a journey
(:func:`is_offer_tap`), so tapping it leaves the queue, as the line says, and triage runs.
"""

from __future__ import annotations

import logging
import re

from prometheus_client import Counter

from integrations.rasa.client import BotMessage, Button, Understanding
from services.clinical.triage import TriageEngine, TriageLevel
from services.clinical.triage.complaint_wording import tells_complaint
from services.clinical.triage.edge import NOT_CLINICAL_NUMBER  # a phone, ID or code is no clinical value
from services.clinical.triage.models import TriageInput
from services.conversation.symptom_routing import triage_trigger

log = logging.getLogger(__name__)

# Errands about something already made, which the front door never takes over.
HANDOFF = "request_human"
ERRAND_INTENTS = frozenset(
    {"cancel_appointment", "reschedule_appointment", "query_appointment", "query_result", "request_refill", HANDOFF}
)
# The payload stays well inside the chat's 500 characters when tapped.
MAX_SYMPTOM_CHARS = 300
MAX_QUOTED_CHARS = 24
TRIAGE_PAYLOAD = "/report_symptom{"

TOLD = "您提到“{complaint}”，"
AFTER_ERRAND = "办完这件事后，要不要帮您看看该怎么处理、挂哪个科？"
WHILE_WAITING = (
    "等人工客服的时候，要不要我先帮您看看该怎么处理、挂哪个科？（点下面的按钮会先退出人工排队，之后随时可以再找人工。）"
)
# WeChat, Alipay and SMS show buttons as numbered choices ("回复1 …", integrations/channels/
# base.py) that the bot reads against its own last choices: a "1" here would pick the errand's
# first appointment, not triage. There the line names the word that starts triage instead
# (自诊: the NLU's report_symptom, and a journey that leaves a hand-off queue, handoff_choice.py).
BUTTON_CHANNELS = frozenset({"web"})
AFTER_ERRAND_TYPED = "办完这件事后，回复“自诊”，我帮您看看该怎么处理、挂哪个科。"
WHILE_WAITING_TYPED = "等人工客服的时候，如果想先让我帮您看看该怎么处理、挂哪个科，回复“自诊”（会先退出人工排队）。"
UNQUOTED = "身体不舒服"
URGENT_TEXT = "这个情况建议今天就来医院看看。"
EMERGENCY_TEXT = "这个情况可能比较危急：请不要等，马上去急诊，情况重时立即拨打120。"
BUTTON_TITLE = "帮我看看"

# An errand's words holding a complaint's character, taken out before the complaint is read:
# a drug named by the complaint it treats ("止疼药", "退烧药", "止咳糖浆", "感冒药"), a long-term
# condition's medicine ("哮喘的喷雾用完了", "痛风的药再拿点": a refill, not an attack), a blood
# draw ("昨天抽的血 结果呢": 抽 is read as a fit). Tuning material (NLU sets 1, 2, 5-8, true
# intents): these made 10 of the 11 false offers on 600 errands without a symptom (the 11th,
# "答非所问", is a red flag's word the edge answers first); 9 of 9 errands with one are offered.
_ERRAND_WORDS = re.compile(
    r"(?:止|镇|退|降|抗)?(?:疼|痛|咳嗽?|烧|热|泻|吐|痒|晕车?|过敏|感冒|失眠|安眠|拉肚子|头疼|头痛|胃)"
    r"(?:药|片|胶囊|糖浆|冲剂|颗粒|贴|膏|栓|针|喷雾)"
    r"|(?:哮喘|痛风|慢阻肺|癫痫|偏头痛|胃病|类?风湿|关节炎|鼻炎|湿疹|失眠|抑郁|焦虑)(?:的|用的|吃的)?"
    r"(?:药|喷雾|喷剂|吸入剂|气雾剂|吸的|针|片)"
    r"|抽(?:了|的|过)?(?:个|点)?血|采(?:了|的)?血"
)
# A clause telling the complaint is over: "孩子烧退了", "已经不疼了", "头晕好多了".
_OVER = re.compile(
    r"烧退了|退烧了|退了烧|不烧了|痊愈|没事了"
    r"|(?<!结果)(?<!报告)(?<!单子)(?<!片子)好(?:多|些|点)?了(?![没吗么])"
    r"|已经不再?(?:疼|痛|晕|吐|咳|拉|痒|难受|发烧|发热)|不再?(?:疼|痛|晕|吐|咳|拉|痒|难受|发烧|发热)了"
)
_CLAUSES = re.compile(r"[，。,.!！?？；;、\s]+")
_TRAILING = re.compile(r"(?:了吧|吧|呢|啊|呀|哦|嘛|啦)+$")

ERRAND_SYMPTOM_OFFERS = Counter(
    "hospital_errand_symptom_offers_total", "Errands that told a complaint, offered triage after", ["intent", "level"]
)


def complaint_clauses(text: str) -> list[str]:
    """The clauses of ``text`` that tell a complaint not said to be over, the errand's own words aside."""
    plain = _ERRAND_WORDS.sub("，", text or "")
    return [c for c in _CLAUSES.split(plain) if c and tells_complaint(c) and not _OVER.search(c)]


def tells_a_complaint(text: str) -> bool:
    """A complaint in the errand's words: in a clause of its own, or across clauses when
    no clause says it is over ("最近老是 没劲" split by a space)."""
    if complaint_clauses(text):
        return True
    plain = _ERRAND_WORDS.sub("，", text or "")
    return tells_complaint(plain) and not _OVER.search(plain)


def would_offer(understanding: Understanding | None, text: str, bot_fell_back: bool) -> bool:
    """The front door adds the triage offer to this turn (without the assessment, which
    only sets the line's urgency): an errand, understood, that tells a complaint.
    Also the blind NLU report's count of errands judged by triage (scripts/nlu_blind_report.py)."""
    if understanding is None or bot_fell_back or understanding.intent not in ERRAND_INTENTS:
        return False
    stripped = (text or "").strip()
    return bool(stripped) and not stripped.startswith("/") and tells_a_complaint(stripped)


def is_offer_tap(text: str) -> bool:
    """The offer's button (a triage trigger carrying its symptom), as sent back when tapped."""
    return text.strip().startswith(TRIAGE_PAYLOAD)


def with_offer(
    triage: TriageEngine,
    channel: str,
    text: str,
    understanding: Understanding | None,
    replies: list[BotMessage],
    bot_fell_back: bool,
    in_emergency: bool,
) -> list[BotMessage]:
    """``replies`` with the offer after them when the errand told a complaint; else unchanged.
    ``text``: the message as the patient typed it; ``channel``: where it came from (web, wechat …)."""
    if in_emergency or not would_offer(understanding, text, bot_fell_back):
        return replies
    if any(button.payload.startswith("/report_symptom") for reply in replies for button in reply.buttons):
        return replies  # the bot offered triage itself
    assert understanding is not None
    symptom = NOT_CLINICAL_NUMBER.sub("", text.strip())[:MAX_SYMPTOM_CHARS]
    level = _level(triage, symptom)
    ERRAND_SYMPTOM_OFFERS.labels(understanding.intent, level.value if level else "unknown").inc()
    return [*replies, offer_line(understanding.intent, symptom, level, channel in BUTTON_CHANNELS)]


def offer_line(intent: str, symptom: str, level: TriageLevel | None, buttons: bool = True) -> BotMessage:
    """The line and its button (``buttons``: the channel shows real ones, else the word to
    reply). Urgent says "today" before the offer; an emergency is said instead of "after the
    errand" (it must not wait for the errand)."""
    quoted = "，".join(_TRAILING.sub("", c) for c in complaint_clauses(symptom))
    complaint = quoted if 0 < len(quoted) <= MAX_QUOTED_CHARS else UNQUOTED
    told = TOLD.format(complaint=complaint)
    if level is TriageLevel.EMERGENCY:
        said = f"{told}{EMERGENCY_TEXT}"
    else:
        urgency = URGENT_TEXT if level is TriageLevel.URGENT else ""
        waiting, after = (WHILE_WAITING, AFTER_ERRAND) if buttons else (WHILE_WAITING_TYPED, AFTER_ERRAND_TYPED)
        said = f"{told}{urgency}{waiting if intent == HANDOFF else after}"
    return BotMessage(said, (Button(BUTTON_TITLE, triage_trigger(symptom)),) if buttons else ())


def _level(triage: TriageEngine, text: str) -> TriageLevel | None:
    """The whole assessment's level; None when it fails (the offer stands, without urgency)."""
    try:
        return triage.assess(TriageInput(text=text)).level
    except Exception:  # the errand has been answered; the offer must not fail the turn
        log.exception("assessment of an errand's complaint failed; offered without urgency")
        return None
