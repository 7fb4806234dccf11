"""Resolve the date phrases patients type to a calendar day (Asia/Shanghai).

"明天下午", "下周三", "周五上午", "12月3号", "十二月三号", "3号", "后天" ->
``DatePhrase(day=date(...), period="afternoon" | "morning" | "evening" | None)``.
Dialect and colloquial words count too: 明儿个/后儿个 (northern), 明朝/今朝 (Wu),
听朝/后日 (Cantonese), 明仔載/今仔日 (Minnan), and the halves of the day
上半天/下半天/前半晌/下半晌/上昼/下昼/顶晡/下晡;
the half of the day is the period, which the slot list then shows first.
Pure and 3.10-compatible; ``today`` is passed in so tests need no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Optional

from actions.numbers import FULLWIDTH, cn_to_int
from shared_rules import SHANGHAI

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6, "末": 5}
for _i in range(1, 8):
    WEEKDAYS[str(_i)] = _i - 1

RELATIVE_DAYS = (
    ("大后天", 3),
    ("大後天", 3),
    ("后天", 2),
    ("後天", 2),
    ("后儿个", 2),
    ("後兒個", 2),
    ("后儿", 2),
    ("大后日", 3),
    ("大後日", 3),
    ("后日", 2),  # Cantonese 後日
    ("後日", 2),
    ("明天", 1),
    ("明兒個", 1),
    ("明儿个", 1),
    ("明儿", 1),
    ("聽日", 1),
    ("听日", 1),
    ("明日", 1),
    ("明早", 1),
    ("明晚", 1),
    ("明朝", 1),  # Wu: tomorrow ("明朝上半天": tomorrow morning)
    ("明仔载", 1),  # Minnan: tomorrow ("明仔載下晡": tomorrow afternoon)
    ("明仔載", 1),
    ("明仔再", 1),
    ("听朝", 1),  # Cantonese: tomorrow morning
    ("聽朝", 1),
    ("今天", 0),
    ("今日", 0),
    ("今儿个", 0),
    ("今儿", 0),
    ("今早", 0),
    ("今朝", 0),
    ("今仔日", 0),  # Minnan: today
    ("今晚", 0),
    ("当天", 0),
    ("马上", 0),
    ("现在", 0),
)
PERIODS = (
    ("下午", "afternoon"),
    ("下半天", "afternoon"),
    ("下半晌", "afternoon"),
    ("后半晌", "afternoon"),
    ("後半晌", "afternoon"),
    ("后晌", "afternoon"),
    ("下半日", "afternoon"),
    ("下昼", "afternoon"),  # Cantonese 下晝
    ("下晝", "afternoon"),
    ("晏昼", "afternoon"),
    ("晏晝", "afternoon"),
    ("过午", "afternoon"),
    ("下晡", "afternoon"),  # Minnan: afternoon
    ("下埔", "afternoon"),
    ("上半天", "morning"),
    ("顶晡", "morning"),  # Minnan: morning
    ("頂晡", "morning"),
    ("前半天", "morning"),
    ("上半晌", "morning"),
    ("前半晌", "morning"),
    ("前晌", "morning"),
    ("头晌", "morning"),
    ("头午", "morning"),
    ("上半日", "morning"),
    ("上昼", "morning"),
    ("上晝", "morning"),
    ("朝早", "morning"),
    ("听朝", "morning"),
    ("聽朝", "morning"),
    ("中午", "afternoon"),
    ("午后", "afternoon"),
    ("上午", "morning"),
    ("早上", "morning"),
    ("早晨", "morning"),
    ("明早", "morning"),
    ("今早", "morning"),
    ("一早", "morning"),
    ("晚上", "evening"),
    ("傍晚", "evening"),
    ("夜里", "evening"),
    ("明晚", "evening"),
    ("今晚", "evening"),
)
# Right after a half of the day: the patient is busy then ("上午要送孙子", "上午我要上班",
# "下午没空", "上午不行"), so that half is no wish.
# Going somewhere else then ("下午要去打牌", "上午得去银行", "下午约了人打麻将") is busy too, but
# not going to us ("下午要去医院看看", "上午得去复查").
BUSY_AFTER = re.compile(
    r"\s*(?:我|俺|咱|人家|他|她|伊|侬|阿拉)?(?:要|得|还要|还得|需要)?(?:送|接|上班|上学|上课|干活|开会|值班|带孩子|带娃|看孩子"
    r"|打牌|打麻将|搓麻|跳舞|赶集|买菜|约了|有约"
    # Cantonese and elders' mornings: "朝早我要飲茶" (set 10's L22 was given the morning it was busy in)
    r"|饮茶|饮早茶|喝早茶|喝茶|返工|返学|开工|买餸|晨练|锻炼|遛弯)"
    r"|\s*(?:我|俺|咱|人家|他|她|伊|侬|阿拉)?(?:要|得|还要|还得|约了人)去(?!医院|你们|您们|看|挂|复查|检查|就诊|拿药|开药|找医生)"
    r"|\s*(?:我|俺|咱|他|她|伊|侬|阿拉)?(?:不行|不中|不得行|不方便|没空|没时间|没得空|有事|忙|走不开|来不了|去不了)"
    # ... or nobody can bring the patient then (set 13's W32: "上午的 下午没人送我" was an afternoon).
    r"|\s*(?:我|俺|咱|他|她|伊|侬|阿拉)?(?:家里|屋里)?(?:没人|没有人|没得人|冇人)(?:送|陪|带|接|载|开车|照顾|管)"
    r"|\s*(?:我|俺|咱|他|她|伊|侬|阿拉)?(?:没车|没有车|的?(?:就)?不要了?|就算了)"
)
# ... or a time inside a complaint: "夜里得起来四五趟", "晚上老咳", "早上起来头晕" say when it hurts.
COMPLAINT_AFTER = re.compile(
    r"\s*(?:总|老|总是|老是|常|经常|都|也|还|就|得|要|会|一|突然)?(?:开始|又)?(?:有点|有些)?"
    r"(?:起来|起夜|睡不|睡觉|醒|咳|疼|痛|尿|出汗|盗汗|发烧|发热|烧|难受|喘|憋|拉肚|吐|痒|头晕|晕|胸闷|心慌)"
)
_NUM = r"[0-9]+|[零〇一二两三四五六七八九十]+"
_WEEK = r"(?:周|星期|礼拜|禮拜)"


@dataclass(frozen=True)
class DatePhrase:
    day: date
    period: Optional[str] = None  # morning | afternoon | evening

    def iso(self) -> str:
        return self.day.isoformat()


def example_date(today: date) -> str:
    """A date example the patient can copy, a week from today ("12月13号"): the
    questions used to say "12月3号" whatever the day, even when it had passed."""
    day = today + timedelta(days=7)
    return f"{day.month}月{day.day}号"


def today_in_shanghai(now: Optional[datetime] = None) -> date:
    now = now or datetime.now(timezone.utc)
    return now.astimezone(SHANGHAI).date()


# "上五"/"下五": 上午/下午 typed by sound (a pinyin keyboard's first guess for shangwu); not
# the fifth of anything ("礼拜五", "上五楼", "下五个", "上五点").
_PERIOD_BY_SOUND = re.compile(r"(?<![周期拜第])([上下])五(?![楼层点點个個号號天次年月分岁歲位百十千万块元级級])")


def with_periods_spelt(text: str) -> str:
    """The text with 上五/下五 written 上午/下午 (a homophone typo of older patients)."""
    return _PERIOD_BY_SOUND.sub(r"\1午", text)


def wished_at(text: str, end: int) -> bool:
    """The half of the day that ends at ``end`` is wished: the patient is not busy then and
    it is no time inside a complaint ("夜里得起来四五趟")."""
    return not BUSY_AFTER.match(text, end) and not COMPLAINT_AFTER.match(text, end)


def period_of(text: str) -> Optional[str]:
    """The half of the day a text names; a half the patient is busy in ("明天 下午要上班") is
    skipped, so "明天 下午要上班 上午吧" is a morning."""
    text = with_periods_spelt(text)
    for word, period in PERIODS:
        if any(wished_at(text, m.end()) for m in re.finditer(word, text)):
            return period
    return None


def resolve(text: str, today: Optional[date] = None) -> Optional[DatePhrase]:
    """The day a phrase means, or None when there is no date in it."""
    if not text:
        return None
    today = today or today_in_shanghai()
    text = text.translate(FULLWIDTH).replace(" ", "").replace("週", "周")  # 下週三 (traditional)
    day = _explicit(text, today) or _weekday(text, today) or _relative(text, today)
    if day is None:
        return None
    return DatePhrase(day=day, period=period_of(text))


def _relative(text: str, today: date) -> Optional[date]:
    for word, offset in RELATIVE_DAYS:
        if word in text:
            return today + timedelta(days=offset)
    if re.search(rf"(下|下个|下一个){_WEEK}$|下周", text):  # "下周" alone: next Monday
        return today + timedelta(days=7 - today.weekday())
    return None


def _weekday(text: str, today: date) -> Optional[date]:
    match = re.search(rf"(下下个?|下个?|这个?|本|今)?{_WEEK}([一二三四五六日天七末1-7])", text)
    if not match:
        return None
    prefix, wd = match.group(1) or "", WEEKDAYS[match.group(2)]
    monday = today - timedelta(days=today.weekday())
    if prefix.startswith("下下"):
        return monday + timedelta(days=14 + wd)
    if prefix.startswith("下"):
        return monday + timedelta(days=7 + wd)
    candidate = monday + timedelta(days=wd)
    if prefix:  # 这周三 / 本周三: this week's, even if already past
        return candidate
    # bare 周三: the next one, today included
    return candidate if candidate >= today else candidate + timedelta(days=7)


def _explicit(text: str, today: date) -> Optional[date]:
    iso = re.search(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})", text)
    if iso:
        return _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    md = re.search(rf"({_NUM})月({_NUM})(?:号|日)?", text) or re.search(r"(\d{1,2})[/.](\d{1,2})(?!\d)", text)
    if md:
        month, dom = cn_to_int(md.group(1)), cn_to_int(md.group(2))
        if month is None or dom is None:
            return None
        found = _safe_date(today.year, month, dom)
        if found is not None and found < today - timedelta(days=31):  # "1月5号" said in December
            found = _safe_date(today.year + 1, month, dom)
        return found
    dom_only = re.search(rf"(?<![月\d])({_NUM})(?:号|日)", text)
    if dom_only and not re.search(rf"{_WEEK}[日天]", text):
        dom = cn_to_int(dom_only.group(1))
        if dom is None:
            return None
        found = _safe_date(today.year, today.month, dom)
        if found is not None and found < today:  # "3号" after the 3rd: next month's
            year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
            found = _safe_date(year, month, dom)
        return found
    return None


def _safe_date(year: int, month: int, dom: int) -> Optional[date]:
    try:
        return date(year, month, dom)
    except ValueError:
        return None


def parse_date_slot(value: Optional[str]) -> "tuple[str, Optional[str]]":
    """The ``date`` slot holds "YYYY-MM-DD" or "YYYY-MM-DD afternoon"."""
    day, _, period = str(value or "").partition(" ")
    return day, (period or None)
