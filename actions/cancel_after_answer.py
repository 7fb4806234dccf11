"""A question answered at the cancellation's choice, with one appointment listed.

Set 14's X11 (tuning material): a patient who began with "我要退号" was shown her one appointment
("是哪一个预约？ [1 张* 心血管内科 …]"), asked "钱多久能退回来", got the refund answer and then
the same choice again, as if she had not said what she wanted. With one appointment listed and a
cancellation asked for, the natural next question is whether to cancel that one: the form
names it and asks "确定要取消这个预约吗？" with its buttons. Nothing is cancelled without a yes
to that question (the confirmation slot stays empty). Moving an appointment keeps its choice.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker

# Actions that are the patient's own turn ending, not an answer to their message. The journey's
# reset, when it only keeps the cancellation's question open ("嗯等一下我先想想要不要改到下个礼拜",
# set 5's G37), answered nothing either: the choice stays, so a decision typed next
# ("算了算了还是直接取消吧") is read at the choice and cancels, as before X11's change.
_NOT_AN_ANSWER = frozenset(
    {"action_listen", "cancel_form", "validate_cancel_form", "action_session_start", "action_reset_journey"}
)


def answered_in_between(tracker: Tracker) -> bool:
    """Another action (the FAQ's, a payment answer) answered the patient's latest message, and
    the cancel form now comes back to its question: Rasa's form resumes after an interruption."""
    events: List[Dict[str, Any]] = list(tracker.events or [])
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "action" and str(event.get("name") or "") not in _NOT_AN_ANSWER:
            return True
    return False
