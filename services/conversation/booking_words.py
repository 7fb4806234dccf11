"""Two readings of the booking form's answers the NLU gets wrong, fixed at the chat edge.

The rules of data/rules/ end a booking on `deny` and leave it for the appointment look-up
on `reschedule_appointment`, and they cannot change without a retrain. Conversation set 12
(tuning material) lost two bookings to them:

- S28 answered the day question in Cantonese, "唔使急 听日得唔得" (no rush - is tomorrow
  all right?); the 唔使 (no need) was read as a refusal and the booking stopped. Inside the
  booking form a "no rush" said with a day or a half of the day reaches the bot without it
  (and without the A-not-A question words, "得唔得", whose 唔 reads as no too): "听日".
  A real stop ("唔使喇 唔挂了", "不用了") says no day and keeps its words.
- S09 said "返回 这个点儿太晚了 换个早点的" at the name question after choosing a place; the
  换 read as moving an appointment, and the look-up asked for a phone. Inside the booking
  form a message that starts by going back (返回, 上一步) and names no new day, half of
  the day, department, doctor or corrected detail reaches the bot as `/go_back`: the form undoes its last answer
  (after the pick: the place, so the list comes back, earliest first). A new answer said
  with it ("返回 明天不中 换成后天") goes as typed, the form takes it (actions/corrections.py).

Standard library and OpenCC only.
"""

from __future__ import annotations

import re

from services.conversation.simplified import simplified

BOOKING_FORM = "booking_form"
GO_BACK = "/go_back"
# "唔使急", "唔洗咁急", "不着急", "慢慢嚟": no hurry, which is no refusal.
_NO_RUSH = re.compile(
    r"(?:唔使|唔洗|唔驶|不使|不用|不必|冇)(?:咁|那么|这么)?(?:急|赶)|唔急|不急|不着急|别着急|别急|唔赶|不赶"
    r"|慢慢(?:嚟|来)(?:都得|也行|就行)?"
)
# A day or a half of the day, in Mandarin, Cantonese and the other words actions/dates.py reads.
_DAY = re.compile(
    r"听日|听朝|后日|今日|明日|大?[今明后]天|[今明后]儿个?|明朝|今朝|明早|今早"
    r"|下昼|上昼|晏昼|朝早|上午|下午|早上|晚上|中午|上半天|下半天"
    r"|(?:下下?|这|本)?个?(?:周|星期|礼拜)[一二三四五六日天末1-7]|下周|\d{1,2}[号日]|[一二三四五六七八九十]+[号日]"
)
# "得唔得", "行不行", "可唔可以": is it possible? (actions/booking_dates.py reads the day asked)
_WHETHER = re.compile(
    r"(?:得唔得|得不得|行唔行|行不行|可唔可以|可不可以|中不中|成不成|好唔好|好不好|得冇)[啊呀吖呢嘛吗啦喇咩]?[?？]?"
)
_BACK = re.compile(r"^\s*(?:返回上一步|回到上一步|回上一步|返回|上一步|退回去?|后退)[，,。.!！~\s]*")
# A new answer said with the going back: a department, a name or number put right, a doctor.
_NEW_ANSWER = re.compile(r"科|是|叫|改成|改为|换成|医生|大夫|\d|\[")
_SEPARATORS = re.compile(r"^[\s，,。.!！~]+|[\s，,。.!！~]+$")


def day_without_hurry(text: str) -> str | None:
    """The words for the bot when a "no rush" comes with a day ("唔使急 听日得唔得" -> "听日");
    None when the message says no day or no "no rush" (it goes as typed)."""
    said = simplified(text or "")
    if not _NO_RUSH.search(said) or not _DAY.search(said):
        return None
    rest = _SEPARATORS.sub("", _WHETHER.sub(" ", _NO_RUSH.sub(" ", said)))
    rest = re.sub(r"\s+", " ", rest)
    return rest or None


def goes_back_only(text: str) -> bool:
    """ "返回 这个点儿太晚了 换个早点的", "上一步": going back with no new day, half of the day or
    department said (those are answers the form takes with the going back)."""
    said = simplified(text or "")
    found = _BACK.match(said)
    if not found:
        return False
    rest = said[found.end() :]
    return not _DAY.search(rest) and not _NEW_ANSWER.search(rest)


def for_the_bot(text: str, active_loop: str | None) -> str:
    """The words as the booking form should get them; anything else as typed."""
    if active_loop != BOOKING_FORM:
        return text
    if goes_back_only(text):
        return GO_BACK
    return day_without_hurry(text) or text


def worth_asking(text: str) -> bool:
    """Only these messages make the edge ask the dialogue which form is open."""
    said = simplified(text or "")
    return bool(_BACK.match(said)) or (bool(_NO_RUSH.search(said)) and bool(_DAY.search(said)))
