"""Chinese numerals and the small numbers patients type: choices, ages.

Pure functions, no Rasa imports (cn2an is not in the Rasa venv; we only need
0..99 and simple forms such as 十二, 二十一, 两, 三十一).
"""

from __future__ import annotations

import re
from typing import Optional

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_NUM = r"[0-9０-９]+|[零〇一二两三四五六七八九十]+"
# "第一个，别的不要了": at a choice the others are refused and this one kept (the NLU reads
# it as an answer: bot/components/just_this.py, whose pattern this follows).
JUST_THIS = re.compile(
    r"[，,。 ]*(别的|别个|其他的?|其它的?|旁的|剩下的|其余的?)[，, ]?(俺|我|咱|我们)?(就|都|也|全)?"
    r"(不要|不用|不需要|甭|唔要|唔使|唔洗|冇|没有|不挂|不看)(了|啦|喽|哦|咯)?[。.!！]*"
)


def without_just_this(text: str) -> str:
    """The answer without its "别的不要了": what was chosen."""
    return JUST_THIS.sub("", text or "").strip()


def cn_to_int(text: str) -> Optional[int]:
    """``"十二"`` -> 12, ``"二十"`` -> 20, ``"三十一"`` -> 31, ``"7"`` -> 7; else None."""
    text = text.strip().translate(FULLWIDTH)
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens_text, _, ones_text = text.partition("十")
        if len(text.split("十")) > 2:
            return None
        tens = DIGITS.get(tens_text) if tens_text else 1
        ones = DIGITS.get(ones_text) if ones_text else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(text) == 1 and text in DIGITS:
        return DIGITS[text]
    if all(ch in DIGITS for ch in text):  # "二〇二六" style
        return int("".join(str(DIGITS[ch]) for ch in text))
    return None


def parse_choice(text: str) -> Optional[int]:
    """A numbered choice as typed: "2", "第二个", "选3", "就第1个吧" -> 1-based index."""
    text = without_just_this(text or "")
    if not text:
        return None
    match = re.search(rf"(?:第|选|要)?\s*({_NUM})\s*(?:个|号|项)?", text.translate(FULLWIDTH))
    if not match:
        return None
    stripped = re.sub(r"[第选要个号项吧就我\s。.!！，,]", "", text.translate(FULLWIDTH))
    if stripped != match.group(1):  # more than a number: not a bare choice
        return None
    value = cn_to_int(match.group(1))
    return value if value and value > 0 else None


def parse_age(text: str) -> Optional[float]:
    """Age in years: "72" / "72岁" / "六十八岁" / "八十多" / "5个月" (0.4) / "三岁半"."""
    if not text:
        return None
    text = text.translate(FULLWIDTH)
    months = re.search(rf"({_NUM})\s*个?多?月", text)
    if months:
        value = cn_to_int(months.group(1))
        return None if value is None else round(value / 12, 1)
    weeks = re.search(rf"({_NUM})\s*(?:周|星期)", text)
    if weeks and ("宝" in text or "孩" in text or "出生" in text or text.strip().endswith(("周", "星期"))):
        value = cn_to_int(weeks.group(1))
        return None if value is None else round(value * 7 / 365, 2)
    if "岁" not in text and re.search(rf"({_NUM})\s*多?\s*个?\s*(?:天|日|小时|钟头|分钟|年|周|星期|礼拜)", text):
        return None  # "两天了", "一年多": how long, not how old
    years = re.search(rf"({_NUM})\s*(?:周岁|岁|多岁|多)?(半)?", text)
    if not years:
        return None
    value = cn_to_int(years.group(1))
    if value is None or value > 120:
        return None
    return value + (0.5 if years.group(2) else 0)
