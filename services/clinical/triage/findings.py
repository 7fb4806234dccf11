"""Findings read from the patient's words: numbers, risk factors, mechanisms.

Keywords alone miss what makes a case dangerous: "血压190/120", "体温34.8",
"吃了20片", "宝宝出生12天", "怀孕32周", "吃华法林".  This module turns such
phrases into typed facts that the safety nets (``data/triage/nets.yml``)
compare with thresholds.  Numbers and units are code (they are grammar);
the vocabulary of conditions and mechanisms is data (``findings.yml``) so
staff can add a drug name without touching Python.  Negated mentions
("没吃抗凝药") do not count; hedged ones ("好像怀孕了") are kept and listed
in ``uncertain`` so a clinician reading the reasons can see the doubt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.clinical.triage.demographics import Demographics, mother_speaking, number
from services.clinical.triage.negation import is_negated

_NUM = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百几]+)"
# A hundred and what follows it: "二百二" is 220, "一百三十五" 135, "两百零五" 205. One digit after 百
# is the tens and ends the number, so "血压二百二一百三" (a pair said with no slash) reads 220, then 130.
_CN_HUNDREDS = (
    r"[一二两]百(?:零[一二三四五六七八九]|[一二三四五六七八九]十[一二三四五六七八九]?"
    r"|十[一二三四五六七八九]?|[一二三四五六七八九](?![十百]))?"
)
_N2 = rf"(\d{{2,3}}|{_CN_HUNDREDS}|[三四五六七八九]十[一二三四五六七八九]?)"

# Between a vital sign and its number: a few words, or a comma then "只有/才/是"
# ("我测了血氧，只有85"), but never another clause ("血糖正常，体温39").
_GAP = r"(?:[^，。\d一二两三四五六七八九]{0,8}?(?:，(?:只有|才|是|有|大概|差不多|就|都|显示|测出来)*)?)"
# Temperature: "39.5度", "38.6℃", "体温35", "烧到40", "三十九度五".
_TEMP_UNIT = re.compile(r"(?<![\d.])(\d{2}(?:\.\d)?)\s*(?:度|℃|°c?|摄氏度)(?:\s*(\d))?(?!\s*(?:角|弯))")
# "烧38.6" (烧 said straight before the number, no 发 or 度: set W's W168) is a temperature too.
_TEMP_WORD = re.compile(
    r"(?:体温|温度|烧到|烧了|发烧|发热|高烧|低烧|量了|测了|(?<![退燃火])烧(?=\s*(?:3[5-9]|4[0-2])))"
    r"[^，。\d]{0,4}?(\d{2}(?:\.\d)?)(?!\d)"
)
_TEMP_CN = re.compile(r"([三四]十[一二三四五六七八九]?)度([一二三四五六七八九])?")
# A bare number after a fever medicine is the temperature ("吃了退烧药两个小时了还是39.2", "美林吃了又到38.8").
_TEMP_AFTER_ANTIPYRETIC = re.compile(
    r"(?:退(?:烧|热)(?:药|贴|栓)|美林|泰诺林|布洛芬|对乙酰氨基酚|小儿氨酚)[^。]{0,16}?"
    r"(?:还是|还有|还在|仍然|仍是|依然|依旧|又到|又烧到|又升到|又是|到了|都)[^，。\d]{0,2}?"
    r"(\d{2}(?:\.\d)?)(?![\d.]|\s*(?:岁|个|天|周|月|年|kg|斤|公斤|次|片|毫升|ml|分))"
)
# Blood pressure: "血压180/110", "高压190低压120", "血压两百多".
_BP_PAIR = re.compile(r"(?:血压|bp)[^，。\d]{0,8}?(\d{2,3})\s*(?:/|／|\\|-|~|、|\s|到|比)\s*(\d{2,3})")
_BP_HIGH = re.compile(rf"(?:高压|收缩压|上压)[^，。\d]{{0,4}}?{_N2}")
_BP_LOW = re.compile(rf"(?:低压|舒张压|下压)[^，。\d]{{0,4}}?{_N2}")
_BP_ONE = re.compile(rf"血压[^，。\d一二两三四五六七八九]{{0,8}}?{_N2}")
# Both numbers in Chinese numerals: "血压二百二 一百三" (the space between them is read as a clause
# break and removed), "血压一百九比一百一". Not across 到 or a comma: "二百降到一百五" is one falling reading.
_BP_PAIR_CN = re.compile(
    rf"血压[^，。\d一二两三四五六七八九]{{0,8}}?({_CN_HUNDREDS})\s*(?:/|／|比|、)?\s*"
    rf"({_CN_HUNDREDS}|[四五六七八九]十[一二三四五六七八九]?)(?![\d一二两三四五六七八九十百])"
)
# A bare "190/120" with no "血压" word ("吃了降压药还是190/120"): only a slash pair whose numbers
# read as a pressure (systolic 70-300 above a diastolic 40-200 by at least 15; dates and
# doses never do), so a hypertensive emergency said without the word is not missed.
_BP_BARE = re.compile(r"(?<![\d./:])(\d{2,3})\s*[/／]\s*(\d{2,3})(?![\d./:%])")
# Pulse: "心率150", "心跳才38", "脉搏一百四".
_PULSE = re.compile(rf"(?:心率|心跳|脉搏|脉率|hr){_GAP}{_N2}")
# SpO2: "血氧88", "血氧饱和度只有89%", "指脉氧85".
_SPO2 = re.compile(
    rf"(?:血氧|氧饱和度?|饱和度|脉氧|指氧|spo2|sao2){_GAP}(\d{{2,3}}|[五六七八九]十[一二三四五六七八九几]?|一百)(?:\s*%)?"
)
# Glucose mmol/L: "血糖2.8", "血糖高到30多", "血糖仪显示hi".
_GLUCOSE = re.compile(rf"(?:血糖|(?:测|查|空腹|餐后|随机)(?:的)?糖(?!尿)){_GAP}(\d{{1,3}}(?:\.\d+)?)")
_GLUCOSE_HI = re.compile(r"血糖[^，。]{0,8}(?:hi|high|测不出来?(?:了)?(?:太)?高|爆表)")
_GLUCOSE_LO = re.compile(r"血糖[^，。]{0,8}(?:lo(?!w)|low|低到测不出)")
# Pregnancy: "怀孕32周", "孕8个月", "孕七个多月", "孕晚期".
_PREG_WEEKS = re.compile(rf"(?:怀孕|孕|怀了|怀)(?:了)?(?:已经)?\s*{_NUM}\s*(?:多)?\s*(?:周|星期)")
_PREG_MONTHS = re.compile(rf"(?:怀孕|孕|怀了|怀)(?:了)?(?:已经)?\s*{_NUM}\s*(?:个)?(?:多)?(?:半)?\s*月")
# "28周 自己量了血压…" from a patient already known to be pregnant: weeks said at the start of
# a clause with no verb before them are her gestation (read only when pregnancy is given).
_PREG_WEEKS_BARE = re.compile(r"(?:^|(?<=[，。,；;\s]))(?:已经|现在)?(\d{1,2})\s*(?:多)?\s*(?:周|w)(?![前后以岁大])")
_PREG_STAGE = {"孕晚期": 32.0, "快生了": 38.0, "临产": 38.0, "足月": 38.0, "预产期": 36.0, "孕早期": 8.0}
_POSTPARTUM = re.compile(
    r"产后|坐月子|月子里|月子期间|出月子|生完(?:孩子|宝宝|小孩)?|刚生(?:完|了)|剖(?:腹)?产(?:后|完)|顺产(?:后|完)|生产后|分娩后"
    # "剖腹产出院一周了", "顺产第三天": the birth, then how long since (not a planned caesarean).
    r"|(?:剖(?:腹|宫)?产|顺产)(?:了|过)?[^，。]{0,2}(?:出院|回家|第?[一二两三四五六七八九十\d]+(?:天|周|个月|个多月))"
)
# A newborn is under 28 days (WHO); a word that says so but not which day counts as 14.
NEWBORN_DAYS = 28.0
NEWBORN_WORD_DAYS = 14.0
_NEWBORN = re.compile(r"新生儿|刚出生|刚生下来|没满月|未满月|不满月|月子里的?(?:宝宝|孩子|婴儿)")
# "宝宝三天没拉屎": days right after the baby word, then no stool, are how long the bowels have not opened,
# not the baby's age (demographics._DAYS_WITHOUT reads it the same way); a birth word keeps the age.
_NO_STOOL_AFTER = r"(?!(?:都|也|还)?(?:没|不)(?:有)?(?:拉|大便|便便|解|排便|屙|㞎|粑))"
_AGE_DAYS = re.compile(
    rf"(?:出生|生下来|新生儿|(?:宝宝|孩子|婴儿)(?=才|刚|出生|现在|已经|满|第))(?:才|刚|刚出生|出生|现在|已经|满|刚满|第)*"
    rf"{_NUM}\s*(?:天|日)|(?:宝宝|孩子|婴儿){_NUM}\s*(?:天|日){_NO_STOOL_AFTER}"
)
# "药吃了十天宝宝说…", "吃了两周大便黑": a span after a verb, or 大 starting the next word, is no age.
_NOT_AFTER_VERB = r"(?<![吃用做打喝服抹涂擦搽贴住疼痛咳吐拉烧治输练停戴敷续疗液持][了过])"
_AGE_DAYS_BEFORE = re.compile(rf"{_NOT_AFTER_VERB}{_NUM}\s*天(?:大)?的?(?:宝宝|孩子|婴儿|新生儿|小孩)")
_AGE_WEEKS = re.compile(
    rf"(?:出生|生下来|宝宝|孩子|婴儿)(?:才|刚|刚出生|出生|现在|已经)*{_NUM}\s*(?:周|星期)"
    rf"|{_NOT_AFTER_VERB}{_NUM}\s*(?:周|星期)大(?!腿|便|概|约|夫|脑|肠|部分|多|小)"
)
# Tablets: "吃了20片", "吞了一整瓶", "十几粒安眠药".
_TABLETS = re.compile(rf"(?:吃|吞|服|喝)(?:了|下|下去|掉)?[^，。\d]{{0,6}}?{_NUM}\s*(?:多)?\s*(?:片|粒|颗|丸|袋|支)")
_TABLETS_BEFORE = re.compile(
    rf"{_NUM}\s*(?:多)?\s*(?:片|粒|颗)[^，。]{{0,6}}(?:药|安眠|安定|降压|降糖|止痛|扑热息痛|布洛芬)"
)
_WHOLE_PACK = re.compile(
    r"(?:吃|吞|服|喝)(?:了|下|掉)?[^，。]{0,4}(?:一整?瓶|整瓶|一整?盒|整盒|一板|一把|大把|半瓶|好多片|很多片|一大把)"
)
# A bottle of a drink is no bottle of pills: "喝了半瓶白酒", "啤酒喝了一整瓶" (alcohol has its own
# rules). Rubbing alcohol (酒精), mercury (水银) and medicine (药水, 糖浆) are not drinks here.
_DRINK = r"(?:白酒|啤酒|红酒|黄酒|洋酒|米酒|酒(?!精)|饮料|可乐|汽水|果汁|牛奶|酸奶|奶|咖啡|茶|水(?!银))"
_DRINK_AFTER = re.compile(rf"(?:多|的)?{_DRINK}")
_DRINK_BEFORE = re.compile(rf"{_DRINK}(?:都|也|又|就)?$")
# Onset and duration.
_SUDDEN = re.compile(r"突然|一下子|忽然|猛地|猛然|突发|刚才一下")
# "三四天一次", "两天才解一次": how often, not how long ("便秘好多年了，三四天才解一次").
_DURATION = re.compile(
    rf"{_NUM}\s*(?:个)?(?:多)?\s*(分钟|小时|钟头|天|日|周|星期|礼拜|月|年)"
    r"(?!后|以后|之后|(?:才|就|左右|多)?(?:能|会)?(?:解|拉|排|来|大便|便便)?(?:一|1)(?:次|回|趟))"
)
_AGE_BEFORE = re.compile(r"(?:出生|生下来|宝宝|孩子|婴儿|孕|怀孕|产后|满)(?:才|刚|已经|第)?$")
_AGE_AFTER = re.compile(r"(?:大|的(?:宝宝|孩子|婴儿|小孩))")
_UNIT_HOURS = {"分钟": 1 / 60, "小时": 1, "钟头": 1, "天": 24, "日": 24, "周": 168, "星期": 168, "礼拜": 168}
_UNIT_HOURS |= {"月": 720, "年": 8760}
_DURATION_WORDS: dict[str, float] = {
    "半年": 4380.0,
    "半个月": 360,
    "好几年": 26280,
    "多年": 26280,
    "好多年": 26280,
    "很久": 2160,
    "长期": 4380,
}
_DURATION_WORDS |= {"刚才": 0.5, "刚刚": 0.5, "今天": 6, "昨天": 24, "昨晚": 18, "前天": 48, "这两天": 48, "这几天": 72}
# "没吃华法林", "停了阿司匹林": a drug not taken is not a risk factor.
_NOT_TAKEN = re.compile(r"(?:没有?|不|未|从不|停了?|停掉了?)(?:在)?(?:吃|用|服|打|做)(?:过)?$")
# Cheap gates: most chat messages carry no number and no baby word, and then
# the dozen number patterns need not run (the edge check stays fast).
_HAS_NUMBER = re.compile(r"[\d一二两三四五六七八九十百几半]")
_RECURRENT = re.compile(r"经常|反复|老是|总是|长期|时好时坏|好几个月|几个月了|半年|好几年|这么多年|越来越")
_UNCERTAIN = re.compile(r"好像|可能|也许|似乎|不确定|不知道是不是|怀疑|说不清|不太清楚|大概")


@dataclass(frozen=True, slots=True)
class Findings:
    """Facts read from one message; ``None``/empty means not stated."""

    temperature: float | None = None
    systolic: float | None = None
    diastolic: float | None = None
    pulse: float | None = None
    spo2: float | None = None
    glucose: float | None = None
    age_days: float | None = None
    age_years: float | None = None
    pregnancy_weeks: float | None = None
    pregnant: bool | None = None
    postpartum: bool = False
    tablets: float | None = None
    sudden: bool = False
    duration_hours: float | None = None
    conditions: frozenset[str] = frozenset()
    mechanisms: frozenset[str] = frozenset()
    #: Recurrent or long-standing ("经常", "反复", "老毛病" aside): never self-care.
    recurrent: bool = False
    uncertain: tuple[str, ...] = ()
    evidence: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        """A finding by name, for rules written as data."""
        return getattr(self, name)

    def describe(self, names: list[str]) -> list[str]:
        """ "体温=39.5（39度5）"-style lines for the reasons shown to clinicians."""
        return [f"{n}={self.value(n)}（{self.evidence[n]}）" if n in self.evidence else n for n in names]


def _first_number(pattern: re.Pattern[str], text: str, lo: float, hi: float) -> tuple[float, str] | None:
    for match in pattern.finditer(text):
        token = next((group for group in match.groups() if group), "")
        value = number(token.rstrip("几")) if token else None
        if value is not None and lo <= value <= hi and not is_negated(text, match.start(), match.end(), history=False):
            return value, match.group(0)
    return None


def _temperature(text: str) -> tuple[float, str] | None:
    for match in _TEMP_UNIT.finditer(text):
        value = float(match.group(1))
        if match.group(2) and "." not in match.group(1):
            value += int(match.group(2)) / 10
        if text.startswith(("以下", "不到"), match.end()):
            value -= 0.1  # "35度以下" is below 35
        if 30 <= value <= 44:
            return value, match.group(0)
    for match in _TEMP_CN.finditer(text):
        base = number(match.group(1))
        if base is not None:
            tenth = number(match.group(2)) if match.group(2) else 0
            return base + (tenth or 0) / 10, match.group(0)
    found = _first_number(_TEMP_WORD, text, 30, 44)
    return found or _first_number(_TEMP_AFTER_ANTIPYRETIC, text, 35, 43)


def _blood_pressure(text: str) -> tuple[float | None, float | None, str]:
    pair = _BP_PAIR.search(text)
    if pair:
        high, low = float(pair.group(1)), float(pair.group(2))
        if 50 <= low < high <= 300:
            return high, low, pair.group(0)
    for spoken in _BP_PAIR_CN.finditer(text):
        high_cn, low_cn = number(spoken.group(1)), number(spoken.group(2))
        plausible = high_cn is not None and low_cn is not None and 40 <= low_cn <= high_cn - 15 <= 285
        if plausible and not is_negated(text, spoken.start(), spoken.end(), history=False):
            return high_cn, low_cn, spoken.group(0)
    high_found = _first_number(_BP_HIGH, text, 50, 300)
    low_found = _first_number(_BP_LOW, text, 20, 200)
    if high_found or low_found:
        said = "；".join(f[1] for f in (high_found, low_found) if f)
        return (high_found[0] if high_found else None), (low_found[0] if low_found else None), said
    one = _first_number(_BP_ONE, text, 50, 300)
    if one:
        return one[0], None, one[1]
    for bare in _BP_BARE.finditer(text):
        high, low = float(bare.group(1)), float(bare.group(2))
        if 70 <= high <= 300 and 40 <= low <= 200 and high - low >= 15:
            return high, low, bare.group(0)
    return None, None, ""


def _glucose(text: str) -> tuple[float, str] | None:
    if _GLUCOSE_HI.search(text):
        return 33.3, "血糖仪显示HI"
    if _GLUCOSE_LO.search(text):
        return 1.1, "血糖仪显示LO"
    found = _first_number(_GLUCOSE, text, 0.5, 700)
    if found is None:
        return None
    value, said = found
    if value > 60:  # mg/dL from an imported meter
        value = round(value / 18, 1)
    return value, said


def _pregnancy_weeks(text: str, pregnant: bool | None = None) -> tuple[float, str] | None:
    found = _first_number(_PREG_WEEKS, text, 1, 43)
    if found:
        return found
    if pregnant:
        bare = _first_number(_PREG_WEEKS_BARE, text, 4, 43)
        if bare:
            return bare
    months = _first_number(_PREG_MONTHS, text, 1, 10)
    if months:
        # "孕8个月" means in the eighth month: weeks 31-35; count its start.
        return round((months[0] - 1) * 4.3 + 1, 1), months[1]
    for word, weeks in _PREG_STAGE.items():
        if word in text:
            return weeks, word
    return None


def _age_days(text: str, who: Demographics) -> tuple[float, str] | None:
    """A baby's age in days, the most specific statement first.

    Days or weeks said in the text, then an age under one year (the structured field, or
    months read from the text), and only then a newborn word: "刚生下来" or "新生儿" says
    under 28 days, not which day, so its 14 must never hide an age field of a few hours
    (the first-day jaundice net needs under two days). A field of a month or more beside a
    newborn word (a month rounded to 0.1 year is 36.5 days, "没满月" says under 28) leaves
    the word's 14: the younger reading keeps the newborn nets."""
    if mother_speaking(text):
        text = ""
    for pattern in (_AGE_DAYS, _AGE_DAYS_BEFORE):
        found = _first_number(pattern, text, 0, 120)
        if found:
            return found
    weeks = _first_number(_AGE_WEEKS, text, 0, 20)
    if weeks and not _PREG_WEEKS.search(text):
        return weeks[0] * 7, weeks[1]
    field_days = round(who.age * 365, 1) if who.age is not None and who.age < 1 else None
    if _NEWBORN.search(text) and (field_days is None or field_days >= NEWBORN_DAYS):
        return NEWBORN_WORD_DAYS, "新生儿"
    return (field_days, "年龄") if field_days is not None else None


def _tablets(text: str) -> tuple[float, str] | None:
    for pack in _WHOLE_PACK.finditer(text):
        if not _is_drink(text, pack):
            return 30.0, pack.group(0)
    return _first_number(_TABLETS, text, 1, 500) or _first_number(_TABLETS_BEFORE, text, 1, 500)


def _is_drink(text: str, pack: re.Match[str]) -> bool:
    """Whether a bottle counted by _WHOLE_PACK holds a drink rather than pills ("喝了半瓶白酒")."""
    if _DRINK_AFTER.match(text, pack.end()):
        return True
    return pack.group(0).startswith("喝") and bool(_DRINK_BEFORE.search(text, 0, pack.start()))


def _duration(text: str) -> float | None:
    for match in _DURATION.finditer(text):
        if _AGE_BEFORE.search(text, 0, match.start()) or _AGE_AFTER.match(text, match.end()):
            continue  # "出生50天", "3个月的宝宝": an age, not how long it has lasted
        token = _range_upper(match.group(1))
        value = number(token.rstrip("几")) if token.rstrip("几") else None
        if value is None or token.endswith("几"):
            value = (value or 0) + 3  # "几个月", "十几天": count a few
        elif "多" in match.group(0):
            value += 0.5  # "两个多礼拜" is more than two weeks, past a 14-day limit
        return value * _UNIT_HOURS[match.group(2)]
    return _duration_words(text)


# "三四天", "两三个小时", "一两周": two neighbouring digits are a range, not thirty-four days.
_DIGITS = "一两三四五六七八九"
_RANGE = re.compile(rf"([{_DIGITS}])([{_DIGITS}])")


def _range_upper(token: str) -> str:
    """The upper end of a spoken range ("三四" -> "四", "两三" -> "三"); any other token as it is."""
    match = _RANGE.fullmatch(token)
    if match and _DIGITS.index(match.group(2)) == _DIGITS.index(match.group(1)) + 1:
        return match.group(2)
    return token


def _duration_words(text: str) -> float | None:
    for word, hours in _DURATION_WORDS.items():
        if word in text:
            return hours
    return None


def _vocabulary(vocab: dict[str, re.Pattern[str]], text: str) -> tuple[frozenset[str], dict[str, str]]:
    found: dict[str, str] = {}
    gate = vocab.get(ANY_TERM)
    if gate is not None and gate.search(text) is None:
        return frozenset(), found
    for name, pattern in vocab.items():
        if name == ANY_TERM:
            continue
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 6) : match.start()]
            if not is_negated(text, match.start(), match.end(), history=False) and not _NOT_TAKEN.search(before):
                found[name] = match.group(0)
                break
    return frozenset(found), found


#: Key of the union of a vocabulary's patterns, checked first (one scan for "none of them").
ANY_TERM = "__any__"


def extract_findings(
    text: str,
    who: Demographics,
    conditions: dict[str, re.Pattern[str]],
    mechanisms: dict[str, re.Pattern[str]],
) -> Findings:
    """All findings in normalised ``text``; ``who`` brings age/pregnancy already parsed."""
    evidence: dict[str, str] = {}
    values: dict[str, Any] = {}

    def keep(name: str, found: tuple[float, str] | None) -> None:
        if found is not None:
            values[name], evidence[name] = found

    numbers = _HAS_NUMBER.search(text) is not None
    if numbers:
        keep("temperature", _temperature(text))
        systolic, diastolic, said = _blood_pressure(text)
        if systolic is not None:
            values["systolic"], evidence["systolic"] = systolic, said
        if diastolic is not None:
            values["diastolic"], evidence["diastolic"] = diastolic, said
        keep("pulse", _first_number(_PULSE, text, 10, 300))
        keep("spo2", _first_number(_SPO2, text, 40, 100))
    keep("glucose", _glucose(text))
    keep("pregnancy_weeks", _pregnancy_weeks(text, who.pregnant))
    keep("age_days", _age_days(text, who))
    keep("tablets", _tablets(text))
    age_years = who.age
    if values.get("age_days") is not None and (age_years is None or age_years >= 1):
        age_years = round(values["age_days"] / 365, 3)
    pregnant = who.pregnant if who.pregnant is not None else (True if "pregnancy_weeks" in values else None)
    if pregnant is False:
        values.pop("pregnancy_weeks", None)
    found_conditions, condition_words = _vocabulary(conditions, text)
    found_mechanisms, mechanism_words = _vocabulary(mechanisms, text)
    evidence.update(condition_words)
    evidence.update(mechanism_words)
    postpartum = bool(_POSTPARTUM.search(text))
    return Findings(
        **values,
        age_years=age_years,
        pregnant=pregnant,
        postpartum=postpartum,
        sudden=bool(_SUDDEN.search(text)),
        duration_hours=_duration(text) if numbers else _duration_words(text),
        conditions=found_conditions,
        mechanisms=found_mechanisms,
        recurrent=_RECURRENT.search(text) is not None,
        uncertain=tuple(m.group(0) for m in _UNCERTAIN.finditer(text)),
        evidence=evidence,
    )
