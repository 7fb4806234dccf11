"""Details told right after a triage answer are details, not a "no" to its booking offer.

Why at the edge: set 14's X38 was told "建议您24小时内尽快看医生…" and asked "要我帮您预约骨科吗？";
the patient added "没摔过 也不肿" and heard "还有别的需要帮忙吗？". The NLU read the denials as
``deny`` (0.87), and the rule "urgent triage: no booking" answers a deny after the offer with a
domain response (data/rules/triage.yml), so no action ever sees it; changing that rule means
retraining. A nurse hears the same words as more about the complaint: they are weighed with
what was said before and the advice and the offer follow again.

So when the bot's last line is a triage answer (the booking offer, a level's advice, "您补充的
情况我都考虑进去了…", or the advice said again) and the message tells a clinical detail, the
edge hands it to triage as ``/report_symptom{"symptom": <the words>}`` (symptom_routing.py).
The actions then assess it with the complaint just answered (actions/triage.py: triage_text,
follows_an_answer), keep an emergency already said, hold the level when only denials were added
(``_denials_only_since_answer``), and say "您补充的情况我都考虑进去了…" with the offer again when
the answer stands. Red-flag rules have already read the raw text before this (turns.py:
handle_message), so "没摔过 但是刚才晕过去了" is a 120 answer and never gets here.

A detail is a complaint the triage router knows (``tells_complaint``: "还有点咳嗽"), a sign
denied ("没摔过", "也不肿", "不发烧", "没有吐", "不疼了"; dialect 冇/唔/莫得/没得/呒没/勿 and
traditional characters too), how it is going ("好多了", "越来越疼") or how long ("半年多了").
A plain no ("不用了", "先不用", "不要", "算了", "2") names none and goes on as typed; so does
a yes or a booking in words ("好 帮我约"), and an errand ("取消", "查报告"), which keep their
journeys. Standard library, OpenCC and the triage router only.
"""

from __future__ import annotations

import re

from services.clinical.triage.complaint_wording import tells_complaint
from services.conversation.simplified import simplified

# The bot's triage answers (bot/domain.yml utter_triage_offer_booking, utter_triage_urgent,
# _routine, _self_care; actions/triage.py SAME_ANSWER; actions/triage_followup.py LEAD).
# An emergency is not here: its follow-ups are the emergency journey's (emergency.py).
_TRIAGE_ANSWER = re.compile(
    r"^要我帮您预约.{1,20}吗？$|^建议您24小时内|^建议您到门诊|^目前看情况不太严重|^您补充的情况我都考虑进去了|^按您前面说的情况"
)
# A negation, in Mandarin and dialect (Cantonese 冇/唔, Sichuan 莫得/没得, Wu 呒没/勿, 毋).
_NEGATION = r"(?:没有?|没得|莫得|呒没|无|不|未|冇|唔|勿|毋)"
# What a patient denies or says about the complaint: signs, symptoms and how it came about
# (a fall, a knock, a twist), the presenting features the Manchester Triage System asks after.
_SIGN = (
    r"(?:发烧|发热|烧|烫|吐|呕|恶心|拉肚子|拉稀|泻|咳|喘|憋|气短|肿|胀|疼|痛|痒|酸|麻|晕|抽|"
    r"脓|流水|流血|出血|血|红|紫|青|黑|疹|硬|歪|僵|响|摔|跌|撞|磕|碰|扭|崴|伤|破|发冷|出汗|冒汗)"
)
# "没摔过", "也不肿", "不发烧", "没有吐", "一点都不疼了", "冇發燒": a negation, up to two characters
# ("怎么", "太", "明显"), then the sign.
_DENIED_SIGN = re.compile(rf"{_NEGATION}[\u4e00-\u9fff]{{0,2}}?{_SIGN}")
# How it is going, or how long it has lasted.
_COURSE = re.compile(
    r"好(?:多|些|点|一点|一些)了|轻(?:多|些|点)了|减轻|缓解|加重|重了|更(?:疼|痛|厉害|严重|肿)|越来越"
    r"|(?:[0-9]+|[一二两三四五六七八九十几半好]+)\s*个?多?(?:天|周|星期|礼拜|个月|月|年)多?了"
)
# Everyday words holding a sign's character ("不麻烦了", "没抽血"), and the offer declined in
# words ("先不预约了"), which leaves the rest of the message to be read.
_EVERYDAY = re.compile(
    r"麻烦|痛快|疼爱|抽血|验血|查血"
    r"|(?:先|暂时|还是|就)?(?:不|别|没|甭)(?:用|要|需要|必)?(?:预约|挂号|挂个号|挂|约)(?:了|啦)?"
)
# A yes or a booking in words ("好 帮我约"), and other errands: their journeys, not a detail.
_YES_OR_ERRAND = re.compile(
    r"^(?:好的?|好啊|好吧|行|可以|嗯+|对|是的|要的?|1)(?=$|[\s，,。.!！~]|帮|约|预约|挂|吧|啊)"
    r"|预约|挂号|挂个|约个|约一下|帮我约|帮我挂|取消|退号|改约|报告|结果|续方|开药|人工|客服|缴费|付款|多少钱|地址|在哪"
)


def after_triage_answer(bot_lines: list[str]) -> bool:
    """Whether the bot's last line (oldest first in ``bot_lines``) is a triage answer or its
    booking offer, so the next message may add to the complaint just assessed."""
    return bool(bot_lines) and _TRIAGE_ANSWER.search(bot_lines[-1].strip()) is not None


def tells_detail(text: str) -> bool:
    """Whether ``text`` adds or denies clinical details ("没摔过 也不肿", "还有点咳嗽", "不疼了",
    "冇發燒") rather than only answering the offer ("不用了", "先不用", "2", "好 帮我约")."""
    said = simplified(text or "").strip()
    plain = _EVERYDAY.sub("，", said)
    if not said or said.startswith("/") or _YES_OR_ERRAND.search(plain):
        return False
    return bool(_DENIED_SIGN.search(plain) or _COURSE.search(plain)) or tells_complaint(plain)
