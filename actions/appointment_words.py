"""Which appointment, and whether to cancel it, in the patient's own words.

At "是哪一个预约？" with one appointment listed, patients answer with what they want
done rather than a number: "好的，那請幫我取消", "确认取消", "对 就那个 取消😮‍💨",
Shanghainese "对个，迭只号". Only "是"/"对" were read, so the question came back
until the conversation ended with the appointment still held (blind set 4, cancel
1/5). A message made only of "that one" words, cancel words and fillers points at
the one listed; one that also says cancel, with no "不"/"别"/"算了" in it, has
answered the confirmation as well.

Set 5 lost three more there: "確定取消，謝謝" (the thanks was no "that one" word, and the
bot said "不客气" and asked again), and "算了算了还是直接取消吧下礼拜也不一定有空" (a
reason and a change of mind around the cancel word). With one appointment listed, a
message that says to cancel it, does not negate the cancel word, asks nothing, and
names no other appointment or a move, is the choice and the confirmation
(`decides_to_cancel`).
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from actions.simplified import simplified

# Longest first: "退掉" before "退", "就是" before "就".
_CANCEL = r"取消掉|取消|退掉|退号|退脱|退咗|退了|退|不想去了|不想去|不去了|去不了|不要了"
_THAT_ONE = (
    r"确认|确定|没错|冇错|对的|对个|是的|好的|可以|就是|就它|这个|那个|迭只|伊只|嗰个|呢个|该只|"
    r"这只|那只|一个|预约|行|是|对|好|嗯|係|系|就|这|那|迭|伊|嗰|呢|个|只|号|它"
)
_FILLER = (
    r"谢谢|多谢|谢了|感谢|唔该|辛苦|"  # thanks said with the answer ("確定取消，謝謝")
    r"请|麻烦|帮我|给我|帮忙|你|侬|我|的|啊|呀|了|吧|喇|啦|嘛|哈|哦|噢|呐|哇|喔|咯|直接"
)
# A yes's dialect tail: Shanghainese "对额"/"是额"/"好额" (额 is their 的), Hunan "要得咯", Sichuan
# "要得噻", northern "对呗"/"好嘞"/"是滴"/"好哒" (set 17's N42 answered "对额" and was asked again).
# No "伐"/"哇" question tails: "好伐" asks.
_PARTICLES = r"额|呃|哒|滴|噻|咧|嗷|昂|呗|哟|唷|嘞"
_TOKEN = re.compile(f"{_CANCEL}|{_THAT_ONE}|{_FILLER}|{_PARTICLES}")
_CANCEL_WORD = re.compile(_CANCEL)
# The cancel words a whole sentence may carry (a lone "退" may be 退款/退回, money, not the visit).
_CANCEL_SAID = re.compile(r"取消|退掉|退号|退脱|退咗|退了|不想去了|不去了|去不了|不要了")
# "不取消", "先别退", "要不要取消", "唔好取消", "没想取消": the cancel word negated.
_NEGATED = re.compile(r"(不|别|甭|勿|莫|唔|没|未|冇)(好|要|用|想|再|必|打算|需要|急着|着急)?(取消|退)")
# "退了钱啥时候到", "取消的话钱什么时候退": a question about the money, never the decision to cancel.
_ASKS = re.compile(
    r"[?？]|吗|嘛$|能不能|可不可以|可以不|怎么|多久|几天|会不会|要不要|是否|啥时候|什么时候|几时|多长时间"
)
# Another appointment ("另一个", "其他的"), or a move instead ("改到下周"): not this one, not cancelled.
_ELSEWHERE = re.compile(r"另|其他|其它|别的|改|换")
# "不改了", "别换了": a move given up, which is no wish for another appointment or day.
_MOVE_GIVEN_UP = re.compile(r"(?:不|别|甭|唔|没)(?:要|用|想|再)?(?:改|换)(?:了|啦|喇)?")
_NOT_WORDS = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")  # punctuation, spaces, emoji and their joiners


def _words(text: str) -> str:
    return _NOT_WORDS.sub("", simplified(text))


def points_at_the_one(text: str) -> bool:
    """Nothing but "that one", cancel words and fillers: the only appointment listed is meant."""
    words = _words(text)
    return bool(words) and not _TOKEN.sub("", words)


# A yes said alone in other words: Henan "中", Cantonese "得"/"啱"/"系嘅", Sichuan "要得"/"对头".
_AGREE = r"要得|对头|没问题|冇问题|可以|嗯呐|嗯哪|好嘞|是嘞|中|得|啱|妥|行|成|嘅|ok|okay"
_AGREE_ONLY = re.compile(f"{_AGREE}|{_CANCEL}|{_THAT_ONE}|{_FILLER}|{_PARTICLES}")  # "好嘞" before "好"
# What says nothing by itself: thanks, fillers, a tail, "个"/"号"/"预约". "谢谢", "谢谢侬", "帮我"
# or "额" alone is no yes: set 17's N42 thanked at "确定要取消这个预约吗？", and a thanks never cancels.
_SAYS_NOTHING = re.compile(f"{_FILLER}|{_PARTICLES}|一个|预约|个|只|号|它")
_GREETING = re.compile(r"(?:你|侬|您)好")  # "侬好" greets; its 好 is no yes


def agrees(text: str) -> bool:
    """ "确定", "是的", "嗯", "就是这个", "係", "系嘅", "中", "取消吧": a yes and nothing else, with
    no question in it ("这个？" asks). Said after asking to cancel, with one appointment listed,
    it says yes to cancelling that one (conversation set 12's S25 and S40 answered "确定" and
    "是的" at "是哪一个预约？" and were asked "确定要取消这个预约吗？" once more)."""
    words = _GREETING.sub("", _words(text).lower())
    if not words or _ASKS.search(simplified(text or "")):
        return False
    return not _AGREE_ONLY.sub("", words) and bool(_SAYS_NOTHING.sub("", words))


def cancels_the_one(text: str) -> bool:
    """ "确认取消", "那請幫我取消", "对 就那个 取消": points at the one listed and says cancel
    (a "不", "别" or "算了" is never among the words, so "不取消了" is not this)."""
    return points_at_the_one(text) and bool(_CANCEL_WORD.search(_words(text)))


def decides_to_cancel(text: str) -> bool:
    """ "確定取消，謝謝", "算了算了还是直接取消吧下礼拜也不一定有空", "好，那麻煩幫我取消，身分證是…":
    a cancellation of the one listed, whatever reason or thanks comes with it; never "不取消了",
    "取消了能退钱吗", "我要取消另一个" or "取消，改到下周"."""
    words = _words(text)
    said = simplified(text or "")
    if cancels_the_one(text):
        return True
    return bool(_CANCEL_SAID.search(words)) and not (
        _NEGATED.search(words) or _ASKS.search(said) or _ELSEWHERE.search(_MOVE_GIVEN_UP.sub("", words))
    )


def gives_up_the_move(text: str) -> bool:
    """ "算了不改了 直接取消吧 下周再重新挂" at "是哪一个预约？" while moving it: a cancellation asked
    for instead (never the choice of the one to move, even when a day in it fits that one)."""
    words = _words(text)
    return bool(_CANCEL_SAID.search(words)) and not _NEGATED.search(words) and not _ASKS.search(simplified(text or ""))


# "能不能改到下周", "换到周五吧", "改个时间": the visit moved, not given back.
_MOVE = re.compile(r"改到|改成|改在|改为|换到|换成|换个|换一|改个|改一|改天|改期|改约|改时间|延期|推迟|推后|往后|挪")


def asks_to_move(text: str) -> bool:
    """ "能不能改到下周" at the cancellation's "是哪一个预约？" (conversation set 13's W41 as a
    returning patient): a move asked for instead, never the choice of the one to cancel, even
    when its day fits that one. A move given up ("不改了 取消吧") or a cancel word said is not this."""
    words = _MOVE_GIVEN_UP.sub("", _words(text))
    return bool(_MOVE.search(words)) and not _CANCEL_SAID.search(words)


# "不对 不是心内科那个 是眼科那个" at "是哪一个预约？" with several listed: the one after "是".
_REJECTS_ONE = re.compile(r"(?:不是|不要)(?P<wrong>[^，。,！!？?]+?)[，,\s]*(?:是|要)(?P<right>[^，。,！!？?]+)")
_REJECTS = re.compile(r"不是|不要")


def department_meant(text: str, resolve: Callable[[str], Optional[str]]) -> Optional[str]:
    """The department of the appointment the patient means, by its name: after "不是X 是Y",
    Y; else the one the message names; None when it only rejects one ("不是心内科那个").
    Set 6's H37: a son cancelling his mother's eye appointment, two appointments listed."""
    said = simplified(text or "")
    found = _REJECTS_ONE.search(said)
    if found is not None:
        return resolve(found.group("right"))
    return None if _REJECTS.search(said) else resolve(said)
