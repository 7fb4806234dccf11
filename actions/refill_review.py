"""How long a refill's review takes, asked after the request (conversation set 17's N38).

"医生审核要多久" right after "续方申请已提交" was answered with the lab results' turnaround
("一般血常规、尿常规约1-2小时出结果…"): the FAQ selector knows no refill topic. Asked in a
conversation that has a refill request in it, the answer is the refill service's own promise:
the doctor reviews within ``REVIEW_HOURS`` hours (services/clinical/refills.py REVIEW_WITHIN,
the same figure the app's submission message gives), then the pharmacist, then the patient pays.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Sequence

from actions.refill_words import JOURNEY_FORM, JOURNEY_INTENT
from actions.simplified import simplified

REVIEW_HOURS = 24  # services/clinical/refills.py REVIEW_WITHIN
ASKS_REVIEW_TIME = re.compile(
    r"(审核|审批|审方|批下来|通过).{0,6}(多久|多长时间|几天|几个小时|什么时候|啥时候|几时|要等)"
    r"|(多久|多长时间|几天|什么时候|啥时候|几时).{0,6}(审核|审批|审完|批下来|能通过)"
)
ANSWER = (
    f"续方申请提交后，医生一般会在{REVIEW_HOURS}小时内审核，之后药师再审一遍处方。"
    "都通过后会通知您付款，付款后可以到院取药或送药上门。"
)


def refill_review_answer(text: str, events: Sequence[Dict[str, Any]]) -> Optional[str]:
    """The review time when the words ask it and this conversation has a refill in it."""
    if not ASKS_REVIEW_TIME.search(re.sub(r"\s+", "", simplified(text or ""))):
        return None
    for event in events:
        kind = event.get("event")
        if kind == "action" and event.get("name") == "action_request_refill":
            return ANSWER
        if kind == "active_loop" and event.get("name") == JOURNEY_FORM:
            return ANSWER
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if kind == "user" and intent == JOURNEY_INTENT:
            return ANSWER
    return None
