"""What the refill list says and keeps (conversation set 17, tuning material).

N38 and N53 pointed at a prescription in words and lost the journey (self-triage, the main
menu); N08 (優甲樂) and N31 (非布司他) asked for drugs not on file and heard the same list
"是要续开这个吗？" after every answer until the end, with no way on. So:

- words that point at one prescription choose it (actions/refill_choice.py), and the bot
  says which; when the drug asked for first is not on it, that is said too, with where to
  get it, so a refill of the wrong drug is never taken for the one asked;
- a drug not on file is said once with what each listed prescription is for, a follow-up
  visit at the clinic that prescribes it (data/refill_words.yml clinic_for) and a person, as
  buttons; asked again, the list says only what is missing, not the whole notice again.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Dict, List, Optional, Sequence

from rasa_sdk import Tracker

from actions import common
from actions.common import normalise_department
from actions.refill_words import JOURNEY_FORM, clinic_for, drug_names
from actions.simplified import simplified

NOT_FOUND_MARK = "在本院开过的处方"
CHOSEN = "好的，续开这张：{label}。"
NOT_ON_IT = "这张处方上是{drugs}，没有{said}，网上续开的是这张处方上的药。{elsewhere}"
SEVERAL_FIT = "对得上的有{n}张，请点选要续开的那一张。"
NONE_FITS = "下面这几张里没有对得上的，请看一下每张是治什么病的（写在最前面）。"
WHICH_ONE = "名下有{n}张处方，请点选要续开的那一张，或者回复序号。"
NOT_FOUND_HINT = "网上只能续开本院开过的处方。下面这些都不是的话，{elsewhere}"
NOT_FOUND_AGAIN = "可以续开的处方里没有“{drug}”。要续开其中一张，请点选或回复序号；{elsewhere}"
ELSEWHERE_CLINIC = "{drug}可以预约{clinic}复诊时请医生开，也可以找人工客服。"
ELSEWHERE_ANY = "{drug}可以预约门诊复诊时请医生开，也可以找人工客服。"
EXTRA_TYPED = "要{what}的话，请点下面的“{title}”按钮，或者直接说“{words}”。"
HUMAN_TITLE = "找人工客服"
NOT_THIS_ONE = "这张是{label}，不是{drug}，先不续开它。"


def today() -> date:
    from actions.dates import today_in_shanghai

    return today_in_shanghai()


def offered_prescriptions(patient_id: Optional[str], offered: Sequence[str]) -> List[Dict[str, Any]]:
    """The prescriptions behind the list's buttons, in the list's order."""
    if not patient_id or not offered:
        return []
    by_id = {str(rx.get("id")): rx for rx in common.backend().prescriptions(patient_id)}
    return [by_id[i] for i in offered if i in by_id]


def elsewhere(drug: str, texts: Sequence[str]) -> Dict[str, Any]:
    """Where a drug not on file can be prescribed: the line and its buttons (numbered after
    ``first``), the clinic that follows up the illness it treats when known, else any visit."""
    code = clinic_for(drug) or clinic_for(" ".join(texts))
    if code:
        name = common.department_name(code)
        payload = "/book_appointment" + json.dumps({"department": code}, ensure_ascii=False)
        return {
            "line": ELSEWHERE_CLINIC.format(drug=drug, clinic=name),
            "title": f"预约{name}复诊",
            "payload": payload,
            "words": f"挂{name}",
        }
    return {
        "line": ELSEWHERE_ANY.format(drug=drug),
        "title": "预约门诊复诊",
        "payload": "/book_appointment",
        "words": "预约挂号",
    }


def same_clinic(rx: Dict[str, Any], drug: str) -> bool:
    """Whether a prescription is followed up by the clinic that prescribes the drug asked for
    (insulin asked, metformin on file: both endocrinology). A bare yes takes the only one
    offered only then; unknown either side, as before."""
    wanted = clinic_for(drug)
    written = " ".join([str(rx.get("diagnosis") or ""), *drug_names(rx)])
    own = normalise_department(str(rx.get("department") or "")) or clinic_for(written)
    return wanted is None or own is None or wanted == own


def extra_buttons(offer: Dict[str, Any], first: int) -> List[Dict[str, str]]:
    return [
        common.button(first, str(offer["title"]), str(offer["payload"])),
        common.button(first + 1, HUMAN_TITLE, "/request_human"),
    ]


def extra_typed(offer: Dict[str, Any], extra: int) -> str:
    """A typed number of one of the extra buttons: how to take it (a choice of prescription
    it is not)."""
    if extra == 0:
        return EXTRA_TYPED.format(what=offer["title"], title=offer["title"], words=offer["words"])
    return EXTRA_TYPED.format(what=HUMAN_TITLE, title=HUMAN_TITLE, words="转人工")


def said_in_journey(tracker: Tracker, fragment: str) -> bool:
    """Whether the bot has said ``fragment`` since this refill began (not in an earlier one)."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "action" and event.get("name") == "action_request_refill":
            return False
        if kind == "active_loop" and event.get("name") not in (None, JOURNEY_FORM):
            return False
        if kind == "bot" and fragment in str(event.get("text") or ""):
            return True
    return False


def not_on_it(chosen: Dict[str, Any], drug: Optional[str], texts: Sequence[str]) -> Optional[str]:
    """The drug asked for first when the prescription chosen does not have it (set 17's N53:
    aspirin asked, "上个月心内科开的那张" chosen, which holds a statin)."""
    if not drug:
        return None
    names = drug_names(chosen)
    wanted = simplified(drug)
    if not names or any(wanted in n or n in wanted for n in names):
        return None
    return NOT_ON_IT.format(drugs="、".join(names), said=drug, elsewhere=elsewhere(drug, texts)["line"])
