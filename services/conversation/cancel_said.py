""" "算了 还是直接取消吧" inside an appointment errand: the bot is told to cancel, not to stop.

Conversation set 13's W41 (tuning material) was moving a child's appointment at the SMS-code
question when the father said "算了 还是直接取消吧"; the NLU read the "算了" as no, the rules
stopped the errand ("好的，已经停下了。") and the appointment stayed. As a returning patient
the same words at "确定要取消这个预约吗？" kept it ("好的，预约保留不变。"), and W04's "对 确定取消"
right after tapping 不取消了 fell back to the menu. The rules cannot change without a retrain,
so the edge hands the bot words it reads surely:

- at the cancellation's "确定要取消这个预约吗？": "确认取消" (its form reads it as yes;
  actions/appointment_words.py);
- at the phone or code question of a cancellation or a move, at a move's choice or its new
  day and place, or right after "好的，预约保留不变。": the cancel intent itself (`/cancel_appointment`); the actions
  keep the phone already proved and the appointment just kept (actions/general.py).

A bare "算了", "不取消了", "取消了能退钱吗", "取消，改到下周" and "我要人工" keep the words as typed.
Standard library and OpenCC only.
"""

from __future__ import annotations

import re

from services.conversation.simplified import simplified

CANCEL_FORM = "cancel_form"
MOVE_FORM = "reschedule_form"
CONFIRM = "确认取消"
CANCEL_INTENT = "/cancel_appointment"
KEPT_TEXT = "好的，预约保留不变。"
IDENTIFYING = ("phone", "otp_code")
BOOKING_FORM = "booking_form"
MOVE_START = "我们来换个时间"  # utter_reschedule_start

_CANCEL = re.compile(r"取消|退掉|退号|退了|退吧|退咗|退脱|不要了|不去了")
_NEGATED = re.compile(r"(?:不|别|甭|勿|莫|唔|没|未|冇)(?:好|要|用|想|再|必|打算|需要|急着|着急)?(?:取消|退)")
_ASKS = re.compile(r"[?？]|吗|么|能不能|可不可以|可以不|怎么|多久|几天|会不会|要不要|是否|什么时候|啥时候|钱|费")
# Another errand or another appointment in the same words: not this cancellation.
_ELSEWHERE = re.compile(r"另|其他|其它|别的|改|换|挂|人工|客服")
_MOVE_GIVEN_UP = re.compile(r"(?:不|别|甭|唔|没)(?:要|用|想|再)?(?:改|换)(?:了|啦|喇)?")
_SPACES = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")


def says_cancel(text: str) -> bool:
    """A decision to give the appointment back, whatever "算了"/"还是"/"直接" comes with it: a
    cancel word, not negated, no question, no other errand or appointment."""
    words = _SPACES.sub("", simplified(text or ""))
    if not _CANCEL.search(words) or _NEGATED.search(words) or _ASKS.search(simplified(text or "")):
        return False
    return not _ELSEWHERE.search(_MOVE_GIVEN_UP.sub("", words))


def for_the_bot(
    text: str, active_loop: str | None, requested_slot: str | None, last_bot_text: str = "", moving: bool = False
) -> str:
    """The words the bot gets for a cancellation said in the errand (the text itself otherwise)."""
    if not says_cancel(text):
        return text
    if active_loop == CANCEL_FORM and requested_slot == "confirm_cancel":
        return CONFIRM
    if active_loop in (CANCEL_FORM, MOVE_FORM) and requested_slot in IDENTIFYING:
        return CANCEL_INTENT
    if active_loop == MOVE_FORM and requested_slot == "appointment_id":
        return CANCEL_INTENT
    if active_loop is None and last_bot_text.strip() == KEPT_TEXT:
        return CANCEL_INTENT
    if active_loop == BOOKING_FORM and moving:  # the new day or place of a move being chosen
        return CANCEL_INTENT
    return text


def is_moving(bot_lines: list[str]) -> bool:
    """The booking form is a move's: its start ("好的，我们来换个时间…") is among the recent lines."""
    return any(MOVE_START in line for line in bot_lines)
