"""A message read as a symptom that the patient's own words make another errand.

The NLU reads a complaint said along the way as `report_symptom`, and self-triage then
asks how long and how old, when the patient asked for something else: "俺想挂耳鼻猴科
嗓子哑了半个月" names the department to book (set 4's F08 went through triage and never
booked), "我想给我爸续一下二甲双胍他糖尿病好多年了" asks for a refill (F47 was asked the
father's age). A booking that names its department books it, as the chat edge already
does for a booking the NLU read as one (services/conversation/symptom_routing.py); a
request to renew a prescription renews it. Only these clear words count: a complaint
with no department ("孩子咳嗽想挂个号") still goes to triage, which can name one.
"""

from __future__ import annotations

import re
from typing import Callable, Optional, Tuple

from actions.refill_words import drug_words, known_drugs
from actions.simplified import simplified

BOOKING_FORM, REFILL_FORM, CANCEL_FORM = "booking_form", "refill_form", "cancel_form"

# Asking for a place: 挂(个)号, 挂X科, 预约, 约个(X科的)号; not "挂水"/"挂吊瓶" (a drip).
# "整个儿科的号" (Northeast), "搞个号", "弄个眼科的号", "拿个号": other verbs for getting a place.
# "我想約皮膚科" (約 + the clinic, no 号) books that clinic too; "我约的骨科" is one made already.
_BOOK = re.compile(
    r"挂(?!水|吊|点滴|盐水)|预约|约(?![的了过好])[^，。,.！!？?\s]{0,6}[号科课]"
    r"|(?:整|搞|弄|拿|抢|排|要)(?:个|一个|张)[^，。,.！!？?\s]{0,6}号"
)
# A department said first, on its own, then the reason: "耳鼻喉科 想看看耳朵 耳鸣半年了" (set 10's
# L07 went through triage, its day said at the age question) or "想看看皮肤科，脸上长痘".
# A particle may close it ("骨科嘛 是不是看骨科哦", "口腔科啦"), and 课 is 科 typed by sound ("眼课");
# one seen or made already ("上次看过骨科", "我约的骨科") is no clinic asked for.
_DEPARTMENT_FIRST = re.compile(
    r"^(?:我|俺|帮我妈|帮我爸|给我妈|给我爸)?(?:想|要)?(?:看看|看一下|看下|看)?((?:(?![的了过约次])[\u4e00-\u9fff]){1,6}(?:科|课|门诊))"
    r"(?:嘛|啦|吧|呀|啊|哦|噻|咯|喽|哈)?(?:[\s，,。:：?？!！]|$)"
)
# Renewing a prescription: 续方, 续药, 续开, 续一下/续点 (with a drug or its use said).
# 继续/持续/连续/手续 are no refill.
_RENEW = re.compile(r"(?<![继持连陆断延手存])续(方|药|开|一下|下|点|些|个)")
_MORE_OF = re.compile(r"再开|开点|开些|配点|配些|配药")
# Giving a place back: 退掉/退脱(Shanghai)/退了/退号, 取消; a question about it ("挂了号不去了
# 能退钱吗") is for the FAQ, not a cancellation.
# "约的号不去了" / "那天去不了了" (set 5's G34, read as a look at the appointments) gives it back too.
_CANCEL = re.compile(r"退(掉|脱|了|号)|取消|号[^，。,.！!？?]{0,4}不去了|不去了|去不了了|不想去了")
_ASKS = re.compile(r"[?？]|吗|能不能|可不可以|怎么|多久|几天")


def names_a_drug(text: str) -> bool:
    """A drug on the NLU's list, or a word for one by what it treats ("降压药")."""
    words = drug_words()
    return any(name in text for name in known_drugs()) or any(w in text for w in words.by_diagnosis)


def asks_to_renew(text: str) -> bool:
    """ "续一下二甲双胍", "我想續方", "降压药再开点": a refill, whatever else is said."""
    said = simplified(text or "")
    return bool(_RENEW.search(said)) or (bool(_MORE_OF.search(said)) and names_a_drug(said))


def gives_a_place_back(text: str) -> bool:
    """ "我明朝个号要退脱" (Shanghainese), "后天的号退了吧": a cancellation the NLU may read as a
    booking (set 4's F33 was asked "您想挂哪个科？"); spaces between the words ("约的号 不去 了",
    typed slowly) do not hide them."""
    said = re.sub(r"\s+", "", simplified(text or ""))
    return bool(_CANCEL.search(said)) and not _ASKS.search(said)


def other_errand(text: str, department_of: Callable[[str], Optional[str]]) -> Optional[Tuple[str, Optional[str]]]:
    """(the form to run instead of triage, the department to book) when the words ask for
    another errand; None when the message is a complaint to assess. ``department_of`` is
    the booking form's own resolver (typos and homophones: "耳鼻猴科")."""
    said = simplified(text or "")
    if not said:
        return None
    if asks_to_renew(said):
        return REFILL_FORM, None
    if _BOOK.search(said):
        department = department_of(said)
        if department:
            return BOOKING_FORM, department
    first = _DEPARTMENT_FIRST.match(said.strip())
    if first:
        department = department_of(first.group(1))
        if department and department != "emergency":
            return BOOKING_FORM, department
    return None
