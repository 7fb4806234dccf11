"""Registration details typed at the booking's department question.

Patients who have registered before expect the form to start with who they are: at
"您想挂哪个科？" they type the name, the ID number, the phone, even a code they
remember from last time (conversation set 12's S28 heard "没找到'陈嘉欣'这个科室" four
times, the phone and the code echoed back in the refusal). Such an answer is told
for what it is, with what is asked now; the number is never repeated. The ID number
and phone are kept for the registration step by ``booking_answers.details_ahead`` (which
says so); a bare name is not kept (two to four characters with a surname may still be
something else), the registration asks for it.

Pure functions: which detail a message is, and the line to say about it.
"""

from __future__ import annotations

import re
from typing import Optional

from actions.patient_names import name_in
from shared_rules import MOBILE_IN_TEXT, PLACEHOLDER_IN_TEXT, find_placeholder

# The chat edge's word for an 18-character number whose check digit is wrong
# (services/conversation/placeholders.py BAD_ID_NUMBER).
BAD_ID_NUMBER = "[身份证号有误]"
_ID_DIGITS = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CODE_ALONE = re.compile(r"^\s*\d{4,8}\s*$")
# A name is only guessed when nothing in it reads as a body or a complaint ("黄疸", "石淋").
_BODY_OR_COMPLAINT = re.compile(r"[疼痛痒肿烧热咳喘晕吐泻疸血淋癣疮痘斑疹瘤炎结石病症伤骨眼耳鼻牙嘴胃肠心肝肺肾皮]")
_LABELS = {"id_number": "身份证号", "phone": "手机号", "code": "验证码", "patient_name": "就诊人的姓名"}
_MASK_DIGITS = re.compile(r"\d{4,}")


def detail_kind(text: str) -> Optional[str]:
    """ "id_number", "phone", "code" or "patient_name" when the message is a registration
    detail rather than a department; None otherwise. Numbers are told by their shape (the
    edge's placeholders, or the digits when they reached us), a name by ``name_in``."""
    text = str(text or "").strip()
    if not text:
        return None
    if find_placeholder(text, "id_number") or BAD_ID_NUMBER in text or _ID_DIGITS.search(text):
        return "id_number"
    if find_placeholder(text, "phone") or MOBILE_IN_TEXT.search(text):
        return "phone"
    if find_placeholder(text, "code") or _CODE_ALONE.match(text):
        return "code"
    name = name_in(text, bare=True)
    if name and not _BODY_OR_COMPLAINT.search(name):
        return "patient_name"
    return None


def misplaced_line(kind: str, kept: bool) -> str:
    """What the bot says about a detail typed at the department question: what it is, that
    it is kept (ID number, phone) or asked for later, and that the department comes first."""
    label = _LABELS[kind]
    if kind == "code":
        return "这是验证码吧？现在还用不上，登记完信息后才会发验证码。先告诉我想挂哪个科。"
    if kept:
        return f"这是{label}吧？挂号要先选科室和时间，{label}登记时用得上。"
    return f"这是{label}吧？先告诉我想挂哪个科，登记时我再问您。"


def masked(text: str) -> str:
    """The words as the bot may say them back: placeholders and runs of digits hidden
    ("没找到'139****0028'这个科室" showed a phone; a code or an ID number is never echoed)."""
    return _MASK_DIGITS.sub("****", PLACEHOLDER_IN_TEXT.sub("****", str(text or "")))
