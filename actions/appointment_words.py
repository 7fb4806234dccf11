"""Which appointment, and whether to cancel it, in the patient's own words.

At "是哪一个预约？" with one appointment listed, patients answer with what they want
done rather than a number: "好的，那請幫我取消", "确认取消", "对 就那个 取消😮‍💨",
Shanghainese "对个，迭只号". Only "是"/"对" were read, so the question came back
until the conversation ended with the appointment still held (blind set 4, cancel
1/5). A message made only of "that one" words, cancel words and fillers points at
the one listed; one that also says cancel, with no "不"/"别"/"算了" in it, has
answered the confirmation as well.
"""

from __future__ import annotations

import re

from actions.simplified import simplified

# Longest first: "退掉" before "退", "就是" before "就".
_CANCEL = r"取消掉|取消|退掉|退号|退脱|退咗|退了|退|不想去了|不想去|不去了|去不了|不要了"
_THAT_ONE = (
    r"确认|确定|没错|冇错|对的|对个|是的|好的|可以|就是|就它|这个|那个|迭只|伊只|嗰个|呢个|该只|"
    r"这只|那只|一个|预约|行|是|对|好|嗯|係|系|就|这|那|迭|伊|嗰|呢|个|只|号|它"
)
_FILLER = r"请|麻烦|帮我|给我|帮忙|你|我|的|啊|呀|了|吧|喇|啦|嘛|哈|哦|噢|呐|哇|喔|咯|直接"
_TOKEN = re.compile(f"{_CANCEL}|{_THAT_ONE}|{_FILLER}")
_CANCEL_WORD = re.compile(_CANCEL)
_NOT_WORDS = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")  # punctuation, spaces, emoji and their joiners


def _words(text: str) -> str:
    return _NOT_WORDS.sub("", simplified(text))


def points_at_the_one(text: str) -> bool:
    """Nothing but "that one", cancel words and fillers: the only appointment listed is meant."""
    words = _words(text)
    return bool(words) and not _TOKEN.sub("", words)


def cancels_the_one(text: str) -> bool:
    """ "确认取消", "那請幫我取消", "对 就那个 取消": points at the one listed and says cancel
    (a "不", "别" or "算了" is never among the words, so "不取消了" is not this)."""
    return points_at_the_one(text) and bool(_CANCEL_WORD.search(_words(text)))
