""" "对 就是这个 取消" at the cancellation's "是哪一个预约？": the bot is handed "确认取消".

Conversation set 11's M20 (tuning material) answered the one-item list with "对 就是这个 取消";
the NLU was unsure of the words and fell back to the menu (the cancellation form has no rule
for an unclear answer, and the rules cannot change without a retrain), so the appointment the
patient wanted gone stayed. The form's own reader takes "确认取消" at a one-item list as that
item and the cancellation confirmed (actions/appointment_words.py), so inside the cancellation,
at that question only, a message made of nothing but "that one" and cancel words reaches the
bot as "确认取消". A 不/别/算了, a day, a department or anything else keeps the words as typed.

Standard library and OpenCC only.
"""

from __future__ import annotations

import re

from services.conversation.simplified import simplified

CANCEL_FORM = "cancel_form"
ASKED = "appointment_id"
FOR_THE_BOT = "确认取消"
# "对", "就是这个", "是那个", "没错", "确定": the one listed.
_ONE = r"对的|对|是的|就是|是|这个|那个|这一个|那一个|就这个|就它|没错|确认|确定|嗯|好的|好"
# "取消", "取消掉", "退了", "退掉", "退号": give it back.
_CANCEL = r"帮我取消|给我取消|取消掉|取消|退掉|退了|退号|退"
_FILLER = r"吧|啊|呀|了|的|哦|噢|喔|呢|啦|嘛|掉|请|麻烦|谢谢|多谢"
_ONLY = re.compile(rf"(?:{_ONE}|{_CANCEL}|{_FILLER})+")
_HAS_ONE = re.compile(_ONE)
_HAS_CANCEL = re.compile(_CANCEL)
_SPACES = re.compile(r"[\s，,。.！!、~～]+")


def cancels_the_one(text: str) -> bool:
    """Nothing but "that one" and cancel words, with at least one of each."""
    words = _SPACES.sub("", simplified(text or ""))
    return bool(words) and bool(_ONLY.fullmatch(words) and _HAS_ONE.search(words) and _HAS_CANCEL.search(words))


def for_the_bot(text: str, active_loop: str | None, requested_slot: str | None) -> str:
    """The words the bot gets: "确认取消" for such a message at the cancellation's choice."""
    if active_loop == CANCEL_FORM and requested_slot == ASKED and cancels_the_one(text):
        return FOR_THE_BOT
    return text
