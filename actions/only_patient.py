"""A returning patient's own results or refill: the chat's only patient, without asking.

A chat account that holds one patient was asked "请选择就诊人 [1 张*国] [2 添加新的就诊人]"
before its results or refill, and in blind set 3 the returning patients typed their phone
and code there instead (E46-E48): the refill lost the turns it needed. When the request
speaks of nobody else ("我的降压药", "我想續開二甲雙胍"), the one patient is taken and named;
a request for a relative ("帮我老公查一下CT结果") is still asked who, since that relative
may need adding. Results still need the code sent to that patient's phone on file.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import bound_patients
from actions.patient_names import masked_name
from actions.simplified import simplified
from integrations.hospital import HospitalError

SOMEONE_ELSE = re.compile(
    r"妈|爸|母亲|父亲|老婆|老公|妻子|丈夫|爱人|媳妇|孩子|儿子|女儿|闺女|宝宝|娃|爷爷|奶奶|外婆|外公|姥姥|姥爷|"
    r"婆婆|公公|岳父|岳母|家人|家里人|亲戚|朋友|替|帮他|帮她|给他|给她|他的|她的|别人"
)
MAX_TEXTS = 6


def speaks_of_someone_else(tracker: Tracker) -> bool:
    """The journey's messages so far name a relative or another person."""
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"][-MAX_TEXTS:]
    return any(SOMEONE_ELSE.search(simplified(t)) for t in texts if not t.startswith("/"))


class OnlyPatient:
    """``extract_patient_id`` for the results and refill forms."""

    async def extract_patient_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("patient_id") is not None:
            return {}  # chosen already
        if tracker.get_slot("requested_slot") is not None:  # a question is being answered: the form's own
            parent = getattr(super(), "extract_patient_id", None)  # (a phone typed at the buttons: H47)
            return dict(await parent(dispatcher, tracker, domain)) if parent is not None else {}
        if speaks_of_someone_else(tracker):
            return {}
        try:
            patients = bound_patients(tracker)
        except HospitalError:
            return {}  # the ask action will apologise
        if len(patients) != 1:
            return {}
        dispatcher.utter_message(response="utter_patient_is", name=masked_name(str(patients[0].get("name", ""))))
        return {"patient_id": str(patients[0]["id"])}
