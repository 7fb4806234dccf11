"""Who the patient is, read from the message: age, sex, pregnancy.

Patients and relatives write "我家宝宝5个月", "3岁孩子", "70多岁的老人",
"我老婆怀孕8周", "女，45岁".  Explicit request fields always win over what
is parsed here (see :func:`merge`).  Numbers may be Chinese numerals; cn2an
converts them.  The parser works on normalised text (simplified, lowercase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

import cn2an

Sex = Literal["male", "female"]

_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+)"
# "bb" is how Cantonese and Hong Kong parents write "baby" (not "bb霜" cream nor a pager "bb机");
# 细路(仔/哥) is a Cantonese child, 个仔/个女 "my son/daughter" ("我个仔") - not "一个女的",
# "这个女孩", "嗰个女人".
_BABY = (
    r"(?:宝宝|宝贝|婴儿|小孩|孩子|娃娃?|儿子|女儿|闺女|小宝|baby|(?<![a-z])bb(?![a-z霜机])"
    r"|细路|(?<![一这那两几每某哪整半呢嗰果])个(?:仔|女)(?![人的孩生士性同朋医护])"
    r"|新生儿|外孙女?|孙子|孙女|小朋友|侄子|侄女)"
)

# Age in years: "45岁", "七十多岁", "1岁半", "八旬", "年过六旬".
_YEARS = re.compile(rf"({_NUM})\s*(多|来)?\s*(?:周岁|岁)(半)?")
_DECADES = re.compile(r"([六七八九])旬")
# "宝宝半岁": half a year said without a number ("一岁半" is read by _YEARS).
_HALF_YEAR = re.compile(r"(?<![\d一二两三四五六七八九十个])半岁")
# "我婆婆七十五了", "我妈七十五", "奶奶九十": a relative's age without 岁. Without 了 the number
# must end there: "我妈二十分钟前", "奶奶九十斤", "妈三十九度" are a time, a weight, a temperature.
_RELATIVE_AGE = re.compile(
    r"(?:老人|爷爷|奶奶|外公|外婆|姥姥|姥爷|婆婆|公公|爸|妈|父亲|母亲|老伴|老公|老婆|丈夫|妻子|岳父|岳母)"
    r"(?:今年|已经|都)?([1-9]\d|[一二三四五六七八九]十[一二三四五六七八九]?)(?:多)?"
    r"(了|(?![\d.%/a-z零〇一二两三四五六七八九十百千万点号日月年天周星礼小分秒度斤公块元次个片粒支瓶袋克毫升楼层床米厘]))"
)
# Months/days count only next to a baby word, otherwise "咳嗽两个月" would be an age.
_MONTHS_AFTER = re.compile(
    rf"{_BABY}(?:今年|现在|已经|才|刚|刚满|满|出生|快|有|都)*({_NUM})\s*(多)?个?(?:多)?\s*(半)?月(?!经)"
)
_MONTHS_BEFORE = re.compile(rf"({_NUM})\s*(多)?个(半)?月(?:大)?(?:的)?{_BABY}")
# "一个月大腿疼", "两个月大便黑", "一个月大夫说": 大 starting the next word is no size.
_NOT_SIZE = r"(?!腿|便|概|约|夫|脑|肠|姨|爷|妈|伯|哥|姐|声|量|口|汗|拇|部分|多|医院|人|小)"
_MONTHS_BIG = re.compile(rf"({_NUM})\s*(多)?个(半)?月大{_NOT_SIZE}")
# "他汀吃了一个月", "药用了快两个月", "理疗做了一个月": a span after a verb is how long something
# was done, never an age, even with a baby word right after ("吃了一个月宝宝说我黄").
_VERB_SPAN = re.compile(
    r"(?:吃|用|做|打|喝|服|抹|涂|擦|搽|贴|住|疼|痛|咳|吐|拉|烧|治|输|练|停|戴|敷|持续|坚持|治疗|输液|上班|坐)"
    r"(?:了|过)(?:有|快|都|将近|差不多|近|大概|大约|整整|足足)?$"
)
_DAYS = re.compile(
    rf"(?:出生|出世|生下来|{_BABY}(?:才|刚|刚出生|出生|出世|现在)*)(?:才|刚|啱啱)?({_NUM})\s*天|({_NUM})\s*天(?:大)?的?{_BABY}"
)
# "三岁宝宝两天了": days right after the baby word, with no birth word ("出生", "才", "刚") and
# nothing saying size ("天大"), may be how long the complaint has lasted; an age in 岁 said too wins.
_DAYS_BARE = re.compile(rf"{_BABY}(?:现在)?({_NUM})\s*天(?!大)")
# "宝宝三天没拉屎", "孩子两天不拉大便": days right after the baby word, then no stool, are how long the baby has
# not opened its bowels, not its age. Only the stool: "宝宝3天了没怎么吃奶" may be a three-day-old not feeding,
# and a birth word ("出生三天没拉") keeps the age.
_DAYS_WITHOUT = re.compile(
    rf"{_BABY}(?:现在)?({_NUM})\s*天(?:都|也|还)?(?:没|不)(?:有)?(?:拉|大便|便便|解|排便|屙|㞎|粑)"
)
# Weeks since birth: "出生一个礼拜", "出世两周" (Cantonese 出世), "三周大的宝宝", "宝宝刚满两周" (the baby word
# then 才/刚/满: the chat's split newborn fever, "宝宝刚满两周" then "体温38.5度", was caught by the learned layer
# alone and is the rules' since session 30); a bare "宝宝一周没拉" is no age, nor is "孩子刚满三周岁".
_WEEKS = re.compile(
    rf"(?:出生|出世|生下来)(?:才|刚|刚刚|啱啱|了)*({_NUM})\s*个?(?:多)?\s*(?:礼拜|星期|周)(?!前|以前|之前)"
    rf"|({_NUM})\s*个?(?:多)?\s*(?:礼拜|星期|周)大{_NOT_SIZE}"
    rf"|{_BABY}(?:现在)?(?:才|刚刚|刚|啱啱)*满?(?<=[才刚啱满])({_NUM})\s*个?(?:多)?\s*(?:礼拜|星期|周)(?!岁|前|以前|之前)"
)
_NEWBORN = re.compile(r"新生儿|刚出生|刚生下来|没满月|未满月|不满月|刚满月|月子里的?宝宝|满月")
# Northern "俺奶" / "俺爷" (grandma, grandpa, set H) are elder words; "我奶水少" is breast milk.
_ELDER = re.compile(
    r"老人|老年人|老爷子|老太太|老大爷|老奶奶|大爷|大妈|爷爷|奶奶|外公|外婆|姥姥|姥爷|老伴|老父亲|老母亲|老头|老太"
    r"|(?:俺|咱)(?:奶|爷)(?![奶水粉瓶嘴头茶们])"
)
_CHILD = re.compile(rf"{_BABY}|幼儿|儿童|小儿")
_ADULT_CHILD = re.compile(r"(?:儿子|女儿|闺女|孩子)(?:今年)?(?:已经)?\s*[2-9]\d岁")
# A mother speaking of giving birth or of caring for her baby: "生完孩子三周 漏尿", "产后…不想抱孩子，
# 没想过伤害自己和孩子", "孩子他爸痛风" - the baby word names who she is, not the patient. Those
# words are set aside only when she has said she gave birth or named the child's parent, and only
# those: "产后两周，宝宝黄疸" keeps its baby; "抱孩子的时候发现他很烫" (no birth word) stays a child.
_MOTHER = re.compile(
    r"产后|坐月子|月子里(?!的?宝宝)|生完|生了(?:孩子|宝宝|小孩|娃)|顺产|剖腹产|剖宫产|(?:孩子|娃)他?(?:爸|妈)"
)
_PARENT_ROLE = re.compile(
    r"生(?:完|了|下)?(?:孩子|宝宝|小孩|娃|bb|二胎)|(?:孩子|娃|宝宝)他?(?:爸|妈)"
    r"|(?:带|抱|照顾|照看|喂|哄|爱)(?:孩子|宝宝|小孩|娃|bb)|(?:自己|我)(?:和|或|跟|与|或者)(?:孩子|宝宝|小孩|娃)"
)

# A child word that names no child present: denied or not yet born ("没怀娃儿" is Sichuan for "not
# pregnant", "还没娃", "没有孩子", "不是孩子，是我"), or carried ("怀娃儿", "怀着孩子"). An adult
# woman saying so is no paediatric patient; "孩子没发烧" (the child word first) still is one.
_NO_CHILD = re.compile(
    r"(?:没|没有|没得|还没|还没有|未|无|(?<!是)不是|没生过?|没怀(?:上|过)?|怀(?:了|上|过|着)?)(?:个|过)?"
    r"(?:孩子|娃娃?儿?|宝宝|小孩|baby)"
)

# A child word naming who speaks about "me", not a patient: "宝宝说我脸色不好", "女儿嫌我咳得厉害",
# "儿子陪我来看看", "闺女催我来问问". Set aside only when the child's words are about 我 and no
# 他/她 follows (a third person may be the child as patient: "女儿让我问问，她发烧了").
_CHILD_SPEAKING = re.compile(
    rf"{_BABY}(?:一直|老是|总|也|都|非)?(?:说|觉得|嫌|讲|看|发现|提醒|让|叫|催|劝|陪|带)(?:了)?(?:我|俺)(?!家|们|的(?:孩子|宝宝|娃))"
)
_THIRD_PERSON = re.compile(r"[他她]")


def _without_child_speaking(text: str) -> str:
    match = _CHILD_SPEAKING.search(text)
    if match is None or _THIRD_PERSON.search(text, match.end()):
        return text
    return text[: match.start()] + "，" + _without_child_speaking(text[match.end() :])


_FEMALE = re.compile(
    r"(?:^|[，,。\s:：/])女(?=$|[，,。\s/\d、])|女性|女士|女的|女生|女孩|女儿|闺女|妈妈|母亲|我妈|老妈|"
    r"老婆|妻子|媳妇|爱人怀|奶奶|外婆|姥姥|阿姨|孕妇|怀孕|孕\d|例假|月经|大姨妈|痛经|白带|子宫|卵巢|乳房|阴道"
)
_MALE = re.compile(
    r"(?:^|[，,。\s:：/])男(?=$|[，,。\s/\d、])|男性|先生|男的|男生|男孩|儿子|爸爸|父亲|我爸|老爸|老公|丈夫|"
    r"爷爷|外公|姥爷|叔叔|前列腺|睾丸|阴囊|蛋蛋"
)

_PREGNANT = re.compile(
    r"怀孕|孕妇|怀上|有了身孕|身孕|有喜|孕早期|孕中期|孕晚期|孕期|孕\s*\d+\s*(?:周|个月|月)|怀孕\s*\d+|"
    r"(?:孕|怀孕)[一二三四五六七八九十]+(?:周|个月|月)|预产期|胎动|胎儿|产检|两道杠|验孕棒.{0,4}阳|"
    r"怀(?:了|上|着)?(?:个)?(?:娃|孩子|宝宝|小孩)|"
    r"(?:宝宝|胎儿|孩子)在肚子里|肚子里的(?:宝宝|孩子)|羊水|破水|见红|两条杠|验孕[^，。]{0,4}(?:阳|两条|两道)"
)
_NOT_PREGNANT = re.compile(
    r"(?:没|没有|未|不是|没在|不可能)怀孕|备孕|不孕|想怀孕|想要孩子|没有?怀上|怀不上|流产后|产后"
    r"|(?:没|没有|未|还没)怀(?:上|过)?(?:个)?(?:娃|孩子|宝宝|小孩)"
    # After the menopause ("绝经好多年了", "停经十几年") there is no pregnancy: bleeding then is postmenopausal
    # bleeding, a gynaecology referral (NICE NG12 1.5.14), not bleeding in pregnancy. "快绝经", "绝经前" and a
    # missed period ("停经两个月") may still be a pregnancy.
    r"|(?<!快)(?<!没)(?<!未)(?<!要)绝经(?!前)"
    r"|停经(?:了)?(?:已经|有)?(?:好多|很多|好几|几|十几|\d+|[一二两三四五六七八九十]+)(?:个)?(?:多)?年"
)


@dataclass(frozen=True, slots=True)
class Demographics:
    """What is known about the patient; ``None`` means unknown."""

    age: float | None = None
    sex: Sex | None = None
    pregnant: bool | None = None
    #: Baby/child words without a usable age ("宝宝发烧").
    child_hint: bool = False
    #: Elder words without a usable age ("我奶奶胸口疼").
    elder_hint: bool = False

    @property
    def is_child(self) -> bool:
        """Paediatric patient (China's paediatrics sees patients under 14)."""
        return self.age < 14 if self.age is not None else self.child_hint

    @property
    def is_elder(self) -> bool:
        """65 or older, or called 老人/爷爷/奶奶 with no age given."""
        return self.age >= 65 if self.age is not None else self.elder_hint


def number(token: str) -> float | None:
    """A number written in digits or Chinese numerals ("三十九", "两百"); None if neither."""
    try:
        return float(token)
    except ValueError:
        pass
    try:
        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _years(text: str) -> float | None:
    if _HALF_YEAR.search(text) and not _YEARS.search(text):
        return 0.5
    match = _YEARS.search(text)
    if match:
        value = number(match.group(1))
        if value is not None and value <= 130:
            return value + (0.5 if match.group(3) else 0.0)
    match = _RELATIVE_AGE.search(text)
    if match:
        value = number(match.group(1))
        # "奶奶三十九" without 了 or 度 is more likely a temperature than a grandmother's age.
        if value is not None and (match.group(2) or not 35 <= value <= 42):
            return value
    match = _DECADES.search(text)
    if match:
        decade = number(match.group(1))
        return decade * 10 if decade is not None else None
    return None


def _age_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """First match of an age pattern whose number does not follow a verb ("吃了一个月" is a span)."""
    for match in pattern.finditer(text):
        start = next((match.start(i) for i in (1, 2, 3) if i <= pattern.groups and match.group(i)), match.start())
        if not _VERB_SPAN.search(text, 0, start):
            return match
    return None


def _months(text: str) -> float | None:
    for pattern in (_MONTHS_BEFORE, _MONTHS_AFTER, _MONTHS_BIG):
        match = _age_match(pattern, text)
        if match:
            value = number(match.group(1))
            if value is not None and value <= 36:
                return round((value + (0.5 if match.group(3) else 0.0)) / 12, 3)
    match = _age_match(_DAYS, text)
    if match and _DAYS_WITHOUT.match(text, match.start()):
        match = None
    if match:
        value = number(match.group(1) or match.group(2))
        if value is not None and value <= 120:
            return round(value / 365, 3)
    match = _age_match(_WEEKS, text)
    if match:
        value = number(match.group(1) or match.group(2) or match.group(3))
        if value is not None and value <= 16:
            return round(value * 7 / 365, 3)
    if _NEWBORN.search(text):
        return 0.08
    return None


def _only_a_duration_in_days(text: str) -> bool:
    """The days _months read are the bare "宝宝两天" kind, with no month or birth word."""
    days = _DAYS.search(text)
    bare = _DAYS_BARE.search(text)
    if days is None or bare is None or days.start() != bare.start():
        return False
    return not any(p.search(text) for p in (_MONTHS_BEFORE, _MONTHS_AFTER, _MONTHS_BIG))


def _age(text: str) -> float | None:
    months = _months(text)
    years = _years(text)
    if months is not None and years is not None and _YEARS.search(text) and _only_a_duration_in_days(text):
        return years
    if months is not None and (years is None or text.find("岁") > text.find("月")):
        return months
    return years if years is not None else months


def _sex(text: str) -> Sex | None:
    female = _FEMALE.search(text)
    male = _MALE.search(text)
    if female and male:
        # The first relative named is usually the patient ("我老公...我妈说").
        return "female" if female.start() < male.start() else "male"
    if female:
        return "female"
    if male:
        return "male"
    return None


def _pregnant(text: str) -> bool | None:
    if _NOT_PREGNANT.search(text):
        return False
    if _PREGNANT.search(text):
        return True
    return None


def mother_speaking(text: str) -> bool:
    """A mother telling of her own delivery with no child left as the patient once the words of
    giving birth and caring are set aside ("生完孩子三周 尿失禁"): her weeks since birth are no baby's age."""
    return _MOTHER.search(text) is not None and not _CHILD.search(_PARENT_ROLE.sub("，", _NO_CHILD.sub("，", text)))


def extract(text: str) -> Demographics:
    """Parse age, sex and pregnancy from normalised ``text``; never raises."""
    base = _without_child_speaking(_NO_CHILD.sub("，", text))
    said = _PARENT_ROLE.sub("，", base) if _MOTHER.search(text) else base
    # "生完孩子两个月了" is how long ago she gave birth, not a baby's age - unless a child is still named.
    age = _age(said) if said != base and not _CHILD.search(said) else _age(base)
    pregnant = _pregnant(text)
    sex = _sex(text)
    if pregnant:
        sex = "female"
    child_hint = bool(_CHILD.search(said)) and not _ADULT_CHILD.search(text)
    elder_hint = bool(_ELDER.search(text))
    return Demographics(age, sex, pregnant, child_hint, elder_hint)


def merge(
    parsed: Demographics,
    age: float | None = None,
    sex: Sex | None = None,
    pregnant: bool | None = None,
) -> Demographics:
    """Explicit request fields override what the text said."""
    result = parsed
    if age is not None:
        result = replace(result, age=float(age))
    if sex is not None:
        result = replace(result, sex=sex)
    if pregnant is not None:
        result = replace(result, pregnant=pregnant)
    if result.pregnant and result.sex is None:
        result = replace(result, sex="female")
    if result.sex == "male" and result.pregnant and pregnant is None:
        result = replace(result, pregnant=None)
    return result
