"""Who the patient means when they type instead of tapping "请选择就诊人".

Set 6's H47: a daughter renewing her father's drugs typed his ID number, then her phone,
then the code at the patient buttons, and got "请点按钮" each time. A phone or an ID
number typed there is read against the account's patients (the names in the list are
masked, but the API gives each patient's masked phone and ID number): one that fits one
patient chooses that patient; one that fits nobody is told plainly how to add that person.
The bot never shows an ID number back, not even masked: it has only the chat edge's
placeholder, which carries nothing of the number.
"""

from __future__ import annotations

import re
from typing import List, Optional

from actions import common
from integrations.hospital.base import Patient
from shared_rules import MOBILE_IN_TEXT, find_placeholder, placeholder_mask

ID_IN_TEXT = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")

# Said when a typed ID number or phone belongs to none of the listed patients: what to tap.
NOT_LISTED = (
    "您发的{what}不是列表里任何一位就诊人的。给列表里的人办，请点他的名字；"
    "给列表里没有的家人办，请点“添加新的就诊人”，再按提示填他的姓名、身份证号和手机号。"
)
# Said for an ID number the chat edge kept back (the bot cannot compare it).
KEPT_BACK = (
    "这里不用填身份证号。给列表里的人办，请点他的名字；"
    "给列表里没有的家人办，请点“添加新的就诊人”，再按提示填他的姓名、身份证号和手机号。"
)
# Said when a phone is on file for several listed patients (a family shares one phone).
SEVERAL = "这个手机号下有好几位就诊人，请点要办的那一位。"


def typed_phone_shown(text: str) -> Optional[str]:
    """The phone in the message as the list shows phones ("138****8002"), or None."""
    kept = find_placeholder(text, "phone")
    if kept:
        return placeholder_mask(kept) or None
    typed = MOBILE_IN_TEXT.search(text or "")
    return common.mask_phone(typed.group(0)) if typed else None


def typed_id_shown(text: str) -> Optional[str]:
    """The ID number in the message (upper case, never shown to anyone), "" when it is the
    chat edge's placeholder (nothing of it can be compared), None when none."""
    if find_placeholder(text, "id_number"):
        return ""
    typed = ID_IN_TEXT.search(text or "")
    return typed.group(0).upper() if typed else None


def fits_masked_id(number: str, shown: str) -> bool:
    """The number fits the API's masked one ("110105********0021"): same length, same
    visible head and tail, and enough of them visible to tell people apart."""
    shown = shown.upper()
    if "*" not in shown or len(shown) != len(number):
        return False
    head, tail = shown[: shown.index("*")], shown[shown.rindex("*") + 1 :]
    return len(head) + len(tail) >= 8 and number.startswith(head) and number.endswith(tail)


def matching(text: str, patients: List[Patient]) -> List[str]:
    """The ids of the listed patients the typed phone or ID number fits."""
    phone = typed_phone_shown(text)
    number = typed_id_shown(text)
    found: List[str] = []
    for patient in patients:
        by_phone = bool(phone) and str(patient.get("phone") or "") == phone
        if by_phone or (bool(number) and fits_masked_id(str(number), str(patient.get("id_number") or ""))):
            found.append(str(patient["id"]))
    return found


def explain(text: str) -> Optional[str]:
    """What to tap, when the message holds an ID number or a phone that chose nobody."""
    shown_id = typed_id_shown(text)
    if shown_id == "":  # the edge's placeholder: whether it is a listed patient's is unknown
        return KEPT_BACK
    if shown_id is not None:
        return NOT_LISTED.format(what="身份证号")
    if typed_phone_shown(text) is not None:
        return NOT_LISTED.format(what="手机号")
    return None
