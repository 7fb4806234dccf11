"""What a patient wishes of a booking, read from any turn of the journey.

A wish is a time of day (上午/下午, 上晝/下半晌 ...), a doctor's title (主任医师,
副主任医师, 主治医师, 专家号, 普通号) or a doctor. Patients say it in the opening message
("挂心内科 要主任医师的"), with the day ("后天上午嘛"), or at the list when they change their
mind ("改成下午噻", "有没有副主任医师的号"); each later word overrides the earlier one of its
kind. The reader is deterministic and works on the simplified text (OpenCC t2s), so
"主任醫師" and "下晝" count like "主任医师" and "下午". The wish is kept in the
``booking_wish`` slot for the whole booking form and narrows every day's slot list.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from actions.dates import PERIODS, period_of, wished_at, with_periods_spelt
from actions.simplified import simplified

TITLES = {"chief": "主任医师", "deputy": "副主任医师", "attending": "主治医师"}
TITLE_NAMES = {**TITLES, "expert": "专家号", "ordinary": "普通号"}
# "普通号", "普通的就要得" (Hunan), "普通的就行", "普通也行", "便宜点的": an ordinary doctor
# (主治医师/住院医师); "普通" of an illness ("普通感冒", "就是普通的胃病") is no wish.
ORDINARY_PATTERN = (
    r"普通(?:号|门诊|医生|大夫|医师|一点|点)|普通的(?!感冒|发烧|咳嗽|病|毛病|小病|炎|检查|体检|胃|拉肚子|过敏)"
    r"|普通\s*(?:也|就)?\s*(?:行|可以|要得|成|中|好)|便宜的|便宜点|便宜些"
)
# Each title's words; a later mention in the message wins ("都是主治医师吗？我想找个主任医师").
_TITLE_WORDS: Tuple[Tuple[str, "re.Pattern[str]"], ...] = (
    ("deputy", re.compile(r"副主任|副教授")),
    ("chief", re.compile(r"(?<!副)主任医师|正主任|(?<!副)主任(?:的|号|看|吧|呢)|[挂要找看请](?:个|一个)?(?:老)?主任")),
    ("attending", re.compile(r"主治")),
    # "想找内分泌科的专家看看": the clinic's name may stand between 找 and 专家
    ("expert", re.compile(r"专家号|[要挂找看](?:个)?专家|专家的|专家看|科的专家|教授的|名医")),
    ("ordinary", re.compile(ORDINARY_PATTERN)),
)
# "不要主任的", "不是主治": the words right before a title take it back.
_NEGATED = re.compile(r"(?:不要|不是|不用|不想要|别|不找)\s*(?:个|那个)?$")
# "普通号勿要" (Shanghainese), "专家号就不要了", "主任的不用", "普通号唔要": the words right
# after a title take it back too.
_NEGATED_AFTER = re.compile(
    r"^(?:的|号|医生|医师|大夫)?\s*(?:就|也|可|我)?\s*(?:勿要|覅|不要|不用|不需要|不想要|不考虑|唔要|唔使|免了|算了|不行|不得行)"
)
PRICE_WORDS = re.compile(r"多少钱|多少元|几块|费用|价格|价钱|贵不贵|收费")
# "随便", "哪天都行", "你看着办", "最早的那个", "没有的话别的也行": any day or place will do;
# the earliest is taken.
ANY_WORDS = re.compile(
    r"随便|都行|都可以|都成|都中|无所谓|哪天都|哪个都|哪位都|谁都行|你看着办|你看着安排|你定|最早|越早越好|尽早|尽快|最近的那|有哪个算哪个"
    r"|(?:别的|其他的?|其它的?)(?:也行|也可以|也成|也中|都行)"
)


def title_of(text: str) -> Optional[str]:
    """The title a message asks for (chief, deputy, attending, expert, ordinary), or None.
    A fee question ("专家号多少钱") asks for nothing."""
    text = simplified(text)
    if PRICE_WORDS.search(text):
        return None
    mentions: List[Tuple[int, str]] = []
    for code, pattern in _TITLE_WORDS:
        for match in pattern.finditer(text):
            if code == "expert" and mentions and any(m[0] == match.start() for m in mentions):
                continue
            if _NEGATED.search(text[max(0, match.start() - 5) : match.start()]):
                continue
            if _NEGATED_AFTER.search(text[match.end() : match.end() + 8]):
                continue
            mentions.append((match.start(), code))
    if not mentions:
        return None
    wished: Optional[str] = None  # in the order said: "要主任的 专家号" stays a 主任医师
    for _start, code in sorted(_first_choices(text, mentions)):
        wished = narrower(wished, code)
    return wished


# A title only put up with ("没有的话普通也行", "实在不行副主任也可以"): the fallback, not the wish.
_ACCEPTED_AFTER = re.compile(r"^[^，,。；;！!？?\s]{0,4}?(?:也|都)(?:行|可以|成|中|要得|好|没事|没关系|凑合)")
_ACCEPTED_BEFORE = re.compile(
    r"(?:没有|没得|没(?=的话)|冇得?|不行|挂不上|约不上|满了)[^，,。\s]{0,6}?(?:的话)?[，,\s]*(?:就|那就|那|再)?[^，,。\s]{0,2}$"
)


def _first_choices(text: str, mentions: List[Tuple[int, str]]) -> List[Tuple[int, str]]:
    """The titles asked for first: "有专家号吗 没有的话普通也行" prefers an expert (a list of
    experts; none that day, the patient hears so and sees the rest), the ordinary one is
    only put up with. A title said alone, or every title put up with alike, stays."""
    put_up_with = [m for m in mentions if _fallback(text, m[0])]
    first = [m for m in mentions if m not in put_up_with]
    return first if first and put_up_with else mentions


def _fallback(text: str, start: int) -> bool:
    after = re.match(r"[\u4e00-\u9fff]{1,4}?", text[start:])  # the title's own words, then 也行
    rest = text[start + (len(after.group(0)) if after else 0) :]
    return bool(_ACCEPTED_AFTER.match(rest)) and bool(_ACCEPTED_BEFORE.search(text[max(0, start - 10) : start]))


def fallback_title(text: str) -> Optional[str]:
    """The title put up with beside the one wished ("有专家号吗 没有的话普通也行": ordinary)."""
    said = simplified(text)
    wished = title_of(said)
    for code, pattern in _TITLE_WORDS:
        for match in pattern.finditer(said):
            if code != wished and _fallback(said, match.start()):
                return code
    return None


def narrower(old: Optional[str], new: Optional[str]) -> Optional[str]:
    """ "专家号" after "要主任医师的" keeps the narrower wish: a 主任医师 is an expert already."""
    if new == "expert" and old in ("chief", "deputy"):
        return old
    return new or old


def wants_anything(text: str) -> bool:
    """ "随便", "哪天都行", "你看着办，最早的那个吧": the patient leaves the choice to us."""
    return bool(ANY_WORDS.search(simplified(text)))


def period_wished(text: str) -> Optional[str]:
    """The half of the day asked for, not a time inside a complaint ("一上午都没..."): the
    one said last, so "上午俺得送孩子 改下午吧" and "下午不行，上午吧" ask for the other half.
    A half the patient is busy in ("要下午的 上午要送孙子", "上午要上班") is no wish, wherever
    it stands; when every half said is busy, none is wished."""
    text = re.sub(r"[一整]上午|[一整]下午", "", with_periods_spelt(simplified(text)))
    said = [(match.start(), match.end(), period) for word, period in PERIODS for match in re.finditer(word, text)]
    free = [(start, end, period) for start, end, period in said if wished_at(text, end)]
    staying = [(start, end, period) for start, end, period in free if not _GOING_ELSEWHERE.match(text, end)]
    if staying and {period for _s, _e, period in staying} != {period for _s, _e, period in free}:
        free = staying  # "要上半天 下半天伊要去医院配药": the half spent on another errand is no wish
    if said:
        return max(free)[2] if free else None
    return period_of(text)


# Right after a half of the day: the patient goes somewhere then ("下半天伊要去医院配药",
# "下午他得去拿药"). Alone it may be the visit itself ("下午要去医院看看"); beside another half
# wished in the same message it is the reason that other half is asked for (set 11's M25).
_GOING_ELSEWHERE = re.compile(r"\s*(?:我|俺|咱|人家|他|她|伊|侬|阿拉)?(?:要|得|还要|还得|需要|准备)去")


def read(texts: Iterable[str], wish: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The wish after these messages, in order: each one's time of day and title override
    the earlier ones; button payloads ("/inform...") say nothing."""
    current: Dict[str, Any] = {"period": None, "title": None, **(wish or {})}
    for text in texts:
        if not text or text.startswith("/"):
            continue
        period = period_wished(text)
        if period:
            current["period"] = period
        current["title"] = narrower(current.get("title"), title_of(text))
    return current


def describe(wish: Dict[str, Any]) -> str:
    """ "下午、主任医师": the wish in the patient's words."""
    parts = [
        {"morning": "上午", "afternoon": "下午", "evening": "晚上"}.get(str(wish.get("period")), ""),
        str(wish.get("doctor") or ""),
        TITLE_NAMES.get(str(wish.get("title")), ""),
    ]
    return "、".join(p for p in parts if p)
