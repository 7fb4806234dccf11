"""May a relative look at the patient's results? - asked at the results' phone question.

Conversation set 13's W48 (tuning material): a son asking for his father's CT answered
"查报告需要先验证身份。请输入就诊人登记的手机号：" with "我是他儿子 不能查吗". The NLU read the
"查" with a question as a look at the appointments, so the bot left the results for the
appointment list ("先帮您找到预约。请输入挂号时登记的手机号："), proved the phone there and said
nothing was booked. The question is answered instead: a family member may look with the code
sent to the patient's registered phone, since whoever holds that code is taken to act for the
patient (the code's own rule, actions/base.py: "确认是本人或家人在操作"; records stay private
otherwise: 民法典 art. 1226, 医师法 art. 23); then the phone is asked again, in the results.
Only at the results form's phone or code question, and only words that ask whether a relative
or someone else may.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from actions import common
from actions.simplified import simplified

RESULTS_FORM = "results_form"
ANSWER = (
    "家属可以帮忙查：用就诊人本人登记的手机号收验证码，验证通过后就能看到他/她的报告。"
    "报告是就诊人的隐私，只有收到这个手机验证码的人才能查看。"
)
# "我是他儿子", "我是家属", "帮我爸", "替我妈": someone other than the patient.
_RELATIVE = re.compile(
    r"家属|家人|家里人|亲属|老伴|儿子|女儿|闺女|老公|老婆|丈夫|妻子|爱人|媳妇|爸|妈|父亲|母亲|孩子|"
    r"爷爷|奶奶|外公|外婆|姥姥|姥爷|孙子|孙女|朋友|别人|代替|代查|替他|替她|帮他|帮她"
)
# "不能查吗", "能不能看", "可以帮他查吗", "行不行": whether they may.
_MAY = re.compile(r"能|可以|可不可以|行不行|允许|让不让|不让|有没有权|[?？]|吗|嘛")


def asks_if_relative_may(text: str) -> bool:
    """ "我是他儿子 不能查吗", "家属可以看吗", "我替我妈查行不行": a relative asks whether they may."""
    said = simplified(text or "")
    return bool(_RELATIVE.search(said)) and bool(_MAY.search(said)) and not _typed_digits(said)


def _typed_digits(said: str) -> bool:
    """A phone or code typed with the words ("那用他手机号 138…") is an answer, not this question."""
    return len(re.sub(r"\D", "", said)) >= 4


def relative_asks_at_results(tracker: Tracker) -> bool:
    """That question at the results' phone or code question (whatever the NLU read)."""
    if (tracker.active_loop or {}).get("name") != RESULTS_FORM:
        return False
    if tracker.get_slot("requested_slot") not in ("phone", "otp_code"):
        return False
    return asks_if_relative_may(common.latest_text(tracker))
