"""A day taken back inside an errand about an appointment already made.

Conversation set 8's J33 said "孩子病好了 后天儿科那个号给我退了吧", then "不对 不是后天 是
下周三那个" at the cancellation's phone question. The NLU read the 不对 as going back, and the
cancellation and appointment-list forms leave the errand on going back (data/rules/
corrections.yml: the menu), so the patient lost the errand for correcting a detail of it.
Inside those forms (and only there: the booking form takes "不对 不是明天 是后天" as a change
of its answer, actions/corrections.py) the edge hands the bot the part that names the day
meant ("是下周三那个"): the form goes on, the list then shows the appointments and the day
names the one meant (actions/appointments.py).

Standard library and OpenCC only.
"""

from __future__ import annotations

import re

from services.conversation.simplified import simplified

ERRAND_FORMS = frozenset({"cancel_form", "appointments_form", "reschedule_form"})
# "不对 不是后天 是下周三那个", "说错了，不是明天的，是周五那个": a day rejected and another named.
_WEEKDAY = r"(?:下下?|这|本)?个?(?:周|星期|礼拜)[一二三四五六日天1-7]"
_DAY = rf"(?:大?[今明后]天|[今明后]儿个?|{_WEEKDAY}|\d{{1,2}}[号日]|[一二三四五六七八九十]+[号日])"
_TAKEN_BACK = re.compile(
    rf"不是(?:{_DAY})[^，。,.！!？?\s]{{0,4}}[，,。\s]*(?:而?是|要)(?P<meant>{_DAY}[^，。,.！!？?]{{0,8}})"
)


def day_meant(text: str) -> str | None:
    """The words that name the day meant ("是下周三那个") when the message takes a day back
    and names another; None otherwise."""
    found = _TAKEN_BACK.search(simplified(text or ""))
    return f"是{found.group('meant').strip()}" if found else None
