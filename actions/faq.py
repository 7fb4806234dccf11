"""Frequently asked questions, answered with the hospital's facts.

The NLU's response selector picks the topic (faq/address, faq/phone, …); the
wording is the domain response of that topic and the facts it names
({hospital_address}, {fees}, …) come from data/hospital.yml, so an address or a
fee changes in one file without retraining the bot.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import test_preparation
from actions.refill_review import refill_review_answer
from actions.simplified import simplified
from actions.triage_exits import booking_instead
from actions.triage_followup import LEAD, advice_again
from services.conversation import records_copy
from services.hospital_facts import FactsError, HospitalFacts, load_facts

log = logging.getLogger(__name__)
FALLBACK_TOPIC = "utter_faq/phone"  # the number to call answers any question we cannot
REFUND_TOPIC, DOUBLE_CHARGE = "utter_faq/refund", "utter_double_charge"
# Money charged twice: the patient wants the extra back, not to cancel the visit.
_CHARGED_TWICE = re.compile(r"多扣|重复扣|重复缴|重复支付|扣重|扣了?两[遍次回笔]|[付交缴]了?两[遍次回笔]|扣多了|多收")
# Money coming back: words the response selector has sent to the address or the fees.
_REFUND = re.compile(r"退款|退钱|退费|钱.{0,4}退|退回来|退给我|到账|到帐")


def topic_by_words(text: str) -> Optional[str]:
    """The refund topics when the words name them plainly ("大概几个工作日能到账" was answered
    with the hospital's address, "扣了两遍钱" with how to pay: set 5's G53); None to leave
    the choice to the response selector."""
    said = simplified(text or "")
    if _CHARGED_TWICE.search(said):
        return DOUBLE_CHARGE
    return REFUND_TOPIC if _REFUND.search(said) else None


# A copy of one's records: "住院病历要怎么复印", "病历能寄到家里吗" (set 11's M19 was told to bring
# an ID card, the documents topic's answer). "看病要带病历本吗" asks what to bring, not a copy.
# The words are the chat edge's too (services/conversation/records_copy.py), which hands such a
# message here whatever the NLU read (set 14's X50 fell back on "我想复印住院病历").
def asks_for_a_copy_of_records(text: str) -> bool:
    """The patient asks how to get a copy of their (or a relative's) records."""
    return records_copy.asks_for_copy(text)


def _said(latest: Dict[str, Any]) -> str:
    """The words as typed: the edge sends a records question as ``/faq`` and keeps them in
    the metadata ("typed")."""
    typed = (latest.get("metadata") or {}).get("typed")
    return str(typed or latest.get("text") or "")


def records_answer(facts: HospitalFacts, said: str, events: List[Dict[str, Any]]) -> Optional[str]:
    """The records answer, or the part of it a follow-up asks for right after it ("能寄吗 我人在
    外地" is the mailing, "要带啥证件" the papers: set 14's X50); None for other words."""
    if not facts.medical_records:
        return None
    if asks_for_a_copy_of_records(said):
        return facts.medical_records
    parts = {records_copy.MAILING: facts.medical_records_mailing, records_copy.PAPERS: facts.medical_records_papers}
    answers = (facts.medical_records, *(p for p in parts.values() if p))
    if last_bot_text(events) not in answers:
        return None
    return parts.get(records_copy.part_asked(said) or "") or None


def last_bot_text(events: List[Dict[str, Any]]) -> str:
    """The bot's last line before the patient's latest message."""
    seen_user = False
    for event in reversed(events):
        if event.get("event") == "user":
            if seen_user:
                return ""
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            return str(event.get("text") or "")
    return ""


# A refund answer to words that name no money ("今天上班走不开，能不能过两天再说" got it from
# the response selector after the refund examples grew) is never right.
_MONEY = re.compile(r"退|钱|费|款|扣|到账|到帐|付|缴|交了|元|块")


def _passed_over(topic: Optional[str], said: str) -> bool:
    """A refund answer to words that name no money; the answer before a blood test to a refill,
    a result or a reading ("降压药吃完了 想再开点", "抽血结果出来没")."""
    return (topic == REFUND_TOPIC and not _MONEY.search(said)) or (
        topic == test_preparation.TOPIC and test_preparation.not_preparing(said)
    )


def selector_topic(latest_message: Dict[str, Any]) -> Optional[str]:
    """The response selector's topic, passing over an answer the words rule out (_passed_over):
    then the next topic of its ranking (None when there is none)."""
    topic = selected_topic(latest_message)
    said = simplified(str(latest_message.get("text") or ""))
    if not _passed_over(topic, said):
        return topic
    ranking = ((latest_message.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    keys = [str(r.get("intent_response_key") or "") for r in ranking]
    return next((f"utter_{key}" for key in keys if key and not _passed_over(f"utter_{key}", said)), None)


def refund_response(text: str, domain: Optional[Dict[str, Any]]) -> Optional[str]:
    """The response answering a refund or a double charge in ``text``, among those the
    model's domain has (a response added since the model was trained is not spoken)."""
    topic = topic_by_words(text)
    responses = (domain or {}).get("responses") or {}
    if topic == DOUBLE_CHARGE and responses and topic not in responses:
        topic = REFUND_TOPIC
    return topic


def selected_topic(latest_message: Dict[str, Any]) -> Optional[str]:
    """ "utter_faq/address" from the response selector's reading of the message, if any."""
    selector = latest_message.get("response_selector") or {}
    for key in ("faq", "default"):
        response = (selector.get(key) or {}).get("response") or {}
        action = response.get("utter_action") or ""
        if not action and response.get("intent_response_key"):
            action = f"utter_{response['intent_response_key']}"
        if action:
            return str(action)
    return None


CAPABILITIES = "utter_faq/capabilities"
# Asking what the bot does: "有什么功能", "你能干啥", "都能办什么", "怎么用".
_ASKS_WHAT_YOU_DO = re.compile(
    r"功能|[能会](?:干|做|办|帮)|可以(?:干|做|办|帮)|会(?:些)?(?:什么|啥)|怎么用|你是谁|你是什么|服务|菜单"
)
NOTED_TEXT = "好的，这些我记下了。"


def complaint_read_as_capabilities(topic: Optional[str], text: str, active_loop: Optional[str]) -> bool:
    """ "干啥都没意思 上班也没精神头" at triage's age question, read as "what can you do": inside a
    form, words that do not ask what the bot does are the patient talking, not a question for the
    menu (set 7's I17 got the whole menu there before its question again)."""
    return bool(active_loop) and topic == CAPABILITIES and not _ASKS_WHAT_YOU_DO.search(simplified(text or ""))


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        booking = booking_instead(tracker)  # "那挂产科 明天早上可以吗" at triage's age question
        if booking is not None:
            return booking
        again = advice_again(tracker)  # "用不用上医院啊" right after the advice: the advice, not the address
        if again:
            dispatcher.utter_message(text=f"{LEAD}{again}")
            return []
        latest = tracker.latest_message or {}
        text = _said(latest)
        review = refill_review_answer(text, list(tracker.events))  # "医生审核要多久" after a refill
        if review:
            dispatcher.utter_message(text=review)
            return []
        responses = (domain or {}).get("responses") or {}
        selected = selector_topic(latest)
        # Before a blood test, and its follow-ups ("水能喝吗" right after): actions/test_preparation.py
        preparation = test_preparation.preparation_response(text, list(tracker.events), selected, responses)
        topic = refund_response(text, domain) or preparation or selected
        if topic is None or (responses and topic not in responses):
            topic = FALLBACK_TOPIC
        if complaint_read_as_capabilities(topic, text, tracker.active_loop.get("name")):
            dispatcher.utter_message(text=NOTED_TEXT)  # the form asks its question again
            return []
        try:
            facts = load_facts()
            values = facts.template_values()
        except (OSError, FactsError) as exc:  # a broken facts file must not silence the bot
            log.error("hospital facts unreadable: %s", exc)
            dispatcher.utter_message(response="utter_backend_error")
            return []
        records = records_answer(facts, text, list(tracker.events))
        if records:
            dispatcher.utter_message(text=records)  # the facts file's words
            return []
        dispatcher.utter_message(response=topic, **values)
        return []
