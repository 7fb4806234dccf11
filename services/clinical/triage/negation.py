"""Negation and history: "没有胸痛" must not raise a chest-pain red flag.

A term counts as negated when a negation cue stands right before it, with
only filler words ("明显", "出现", "什么") or a list of other symptoms joined by
"、/和/或" in between, inside the same clause.  Anything else between cue and
term (a clause break, "但是", another symptom without a list separator) ends
the negation, because missing a real emergency is worse than a false alarm.
Cues that are themselves findings ("没劲", "没反应", "喘不上气") or
idioms ("不停", "是不是") are excluded.

Dialect and traditional negations ("勿", "呒没", "唔", "冇", "没得", "莫得", "無")
reach this module already rewritten to "不/没有" by the lexicon
(data/triage/lexicon.yml), so one set of cues reads them all and the same
exclusions keep "勿能动" ("不能动") and "冇知觉" ("没知觉") findings.
"""

from __future__ import annotations

import re

# 不 followed by these is not a negation of what comes next.
_BU_IDIOMS = "知停断止住舒对好行了得动醒清能会出上下过太安适大小少多想要准像稳见来去成用"
_MEI_FINDINGS = "劲|力|精神|胃口|食欲|办法|法|用|反应|意识|知觉|呼吸|气|了|醒|心跳|脉|想到|多久|过多久|一会|尿|奶"
_CUE = (
    r"(?:"
    # "是不是" is no denial, but "但是不喘", "可是不发烧" are: the 是 of a conjunction does not block 不.
    rf"(?:(?<=但是|可是|只是|倒是|就是|而是|还是)|(?<![是有]))不(?![{_BU_IDIOMS}])"
    rf"|(?<!有)没有?(?!{_MEI_FINDINGS})"
    r"|无(?!力|法|缘|故|意|精|神|助|聊|奈|端|数|论|所|事)"
    r"|未(?!来|经|满|足)"
    r"|否认|并非|从未|排除了|(?<![是有])不是"
    r"|预防|防止|避免|以防"
    r")"
)
#: A negation cue at the start of a text ("没听到响声", "不是突然的"): the learned layer's second reading
#: (denied_clauses.py) drops a clause that opens with one and names no sign.
CUE = re.compile(_CUE)
_FILLER = (
    r"(?:有|明显|出现|什么|任何|感到|觉得|感觉|过|的|太|怎么|再|发生|伴有?|其他|别的|特别|很|那么|这么|"
    r"啥|也|都|一点|一点儿|有点|啊|呀|了|那种|这种|类似|吃什么|用什么|吃过|用过|想过|想|打算|要)"
)
_LIST_ITEM = r"(?:[\u4e00-\u9fff]{1,5}?[、/和或及与]|(?:跌跤|摔跤|跌倒|摔倒)(?:过)?)"
# "没拉黑便", "没解过柏油样大便", "没见血", "没起疙瘩": the verb of passing, seeing or coming up
# stands between the cue and what is denied (set 18's P01 was sent to 120 for "没拉黑便").
# Negation only, not history.
_PASSED = r"(?:拉|解|排|见|起|长)"
_HISTORY_CUE = (
    r"(?:(?:以前|之前|曾经|去年|前年|早年|几年前|年前|上次|既往)[^，,。；;]{0,3}?(?:得过|患过|有过|犯过|发过|做过)"
    r"|得过|患过)"
)
_NEGATED_BEFORE = re.compile(rf"{_CUE}(?:{_FILLER}|{_LIST_ITEM}|{_PASSED})*$")
_HISTORY_BEFORE = re.compile(rf"{_HISTORY_CUE}(?:{_FILLER}|{_LIST_ITEM})*$")
# "心梗病史", "脑梗后遗症", "支架术后": history, not an event now.
_HISTORY_AFTER = re.compile(
    r"(?:的)?(?:病史|史|后遗症|术后|手术后|恢复期|康复|支架|搭桥|出院|以后|之后"
    r"|(?:已经|有)?(?:\d+|[一二两三四五六七八九十几多]+)(?:多)?(?:年|个月)|(?:已经|有)?半(?:年|个月))"
)
# "喘气正常", "呼吸也没问题": the patient reports the function as normal. Not when
# asked ("呼吸很快正常吗") or denied ("不正常"); at most two characters in between
# so the term's own qualifier ("喘气都正常") is allowed but a new clause is not.
_NORMAL_AFTER = re.compile(r"[\u4e00-\u9fff]{0,2}?(?:都|也|还|一切)?(?:正常|没问题|挺好|好好的)(?![吗么嘛不])")
# "喘气吞东西都正常", "呼吸和吃奶也没问题": the term, then other named functions, then
# "都/也" normal. Only a closed list of functions may stand between, so a sign followed
# by a test result ("胸痛心电图都正常") is never read as denied.
_NORMAL_LIST_AFTER = re.compile(
    r"(?:[、/和跟与及]?(?:吞咽|吞东西|咽东西|咽口水|吃饭|吃奶|吃东西|吃喝|喝水|说话|走路|睡觉|呼吸|喘气|大小便|小便|大便)){1,3}"
    r"(?:都|也都|也|全都)(?:正常|没问题|挺好|好好的)(?![吗么嘛不])"
)
# "嘴唇眼睛都不肿", "手脚不麻": body parts, then "(都/也)不/没" and a plain sign, said
# as one phrase. Covers a term that is the body part alone ("眼睛" routes to
# ophthalmology) and a pattern whose match spans the denial ("手[^，]{0,4}麻").
# Only this closed list of signs: "不能动", "没知觉", "呼吸不畅" stay findings.
_BODY = (
    r"(?:嘴唇|嘴巴|嘴|眼睛|眼皮|眼|脸|脸上|舌头|喉咙|嗓子|手脚|手|脚|腿|胳膊|四肢"
    r"|身上|肚子|头|脖子|颈|皮肤|鼻子|耳朵|脸皮)"
)
_PLAIN_SIGN = r"(?:肿|痛|疼|麻|痒|红|烫|烧|发烧|发热|吐|呕|晕|出血|流血|发紫|发青|发黄|黄|歪)"
_BODY_DENIED = re.compile(
    rf"(?:{_BODY}[、/和跟与及]?){{1,4}}(?:都|也|也都|全都)?(?:不|没有?|无){_PLAIN_SIGN}(?![得的吗么嘛])"
)
_LOOKBACK = 18


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause a match sits in, by the clause spaces normalisation kept (else the text)."""
    breaks: tuple[int, ...] = getattr(text, "breaks", ())
    lo = max((b for b in breaks if b <= start), default=0)
    hi = min((b for b in breaks if b >= end), default=len(text))
    return lo, hi


def is_negated(text: str, start: int, end: int, *, history: bool = True) -> bool:
    """True when the match ``text[start:end]`` is negated (or, with ``history``, past history).

    Red flags pass ``history=True``: "去年得过心梗" is not an event now.
    Symptom mapping passes ``False``: the old illness still picks the department.
    """
    lo, hi = _clause(text, start, end)  # "不胸痛 就是咳嗽": a denial stays in its own clause
    before = text[max(lo, start - _LOOKBACK) : start]
    denied = _BODY_DENIED.match(text, start, hi)
    if denied and denied.end() >= end:
        return True
    if before and _NEGATED_BEFORE.search(before):
        return True
    if _NORMAL_AFTER.match(text, end, hi) or _NORMAL_LIST_AFTER.match(text, end, hi):
        return True
    if not history:
        return False
    if before and _HISTORY_BEFORE.search(before):
        return True
    return bool(_HISTORY_AFTER.match(text, end, hi))
