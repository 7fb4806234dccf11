"""A copy of one's records, asked for in any words, and its follow-ups (conversation set 14's
X50, tuning material): "我想复印住院病历" fell back before and after the consent question, and
"能寄吗 我人在外地" right after was handed to a person. The chat edge sends such words to the FAQ
action as ``/faq`` with the words as typed (tests/unit/test_records_copy_edge.py); the action
answers from data/hospital.yml, a follow-up with the part it asks for. Who may ask and what they
bring: 医疗机构病历管理规定（2013年版）第十七、十八条. Our own wordings and look-alikes."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq, asks_for_a_copy_of_records
from services.conversation.records_copy import MAILING, PAPERS, part_asked
from services.hospital_facts import load_facts
from tests.actions.helpers import make_tracker

COPIES = [
    "我想复印住院病历",
    "門診病歷在哪裡複印",  # traditional
    "病案复印找哪个窗口",
    "出院小结能不能打印一份",
    "检查报告复印件怎么弄",
    "俺娘的住院病历咋个弄一份",  # dialect
    "想攞份病历",  # Cantonese
    "我想影印返啲病歷",
    "我爸的病例要复印 去哪办",  # the usual typo
]
NOT_COPIES = [
    "病历上写的什么意思",
    "我要复印身份证",
    "看病要带病历本吗",
    "报告在哪打印",
    "病历本丢了怎么办",
    "我的检查报告出来了吗",
]


@pytest.mark.parametrize("text", COPIES)
def test_a_copy_of_the_records_in_any_words(text: str) -> None:
    assert asks_for_a_copy_of_records(text)


@pytest.mark.parametrize("text", NOT_COPIES)
def test_other_words_about_records_or_copies_are_not(text: str) -> None:
    assert not asks_for_a_copy_of_records(text)


def _faq_from_the_edge(typed: str, events: list[dict[str, Any]] | None = None, loop: str | None = None) -> Any:
    """The tracker as the edge's ``/faq`` leaves it: the words as typed in the metadata."""
    tracker = make_tracker(text="/faq", intent="faq", events=events, active_loop=loop)
    tracker.latest_message["metadata"]["typed"] = typed
    return tracker


async def _answered(tracker: Any, domain: dict) -> list[str]:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker, domain)
    return [str(m.get("text") or m.get("response")) for m in dispatcher.messages]


@pytest.mark.parametrize("text", COPIES)
async def test_the_copy_handed_on_by_the_edge_gets_the_records_answer(text: str, domain: dict) -> None:
    assert await _answered(_faq_from_the_edge(text), domain) == [load_facts().medical_records]


async def test_inside_a_form_too(domain: dict) -> None:
    got = await _answered(_faq_from_the_edge("住院病历能复印吗", loop="booking_form"), domain)
    assert got == [load_facts().medical_records]


def _after(line: str) -> list[dict[str, Any]]:
    return [
        {"event": "user", "text": "我想复印住院病历"},
        {"event": "bot", "text": line},
    ]


@pytest.mark.parametrize("text", ["能寄吗 我人在外地", "可以邮寄吗", "人在外地", "快递能到付不", "我回不去了"])
async def test_mailing_asked_right_after_gets_the_mailing(text: str, domain: dict) -> None:
    facts = load_facts()
    assert part_asked(text) == MAILING
    assert await _answered(_faq_from_the_edge(text, _after(facts.medical_records)), domain) == [
        facts.medical_records_mailing
    ]
    assert "到付" in facts.medical_records_mailing and "身份证" in facts.medical_records_mailing


@pytest.mark.parametrize("text", ["要带啥证件", "家属能代办吗", "要带什么"])
async def test_papers_asked_right_after_get_the_papers(text: str, domain: dict) -> None:
    facts = load_facts()
    assert part_asked(text) == PAPERS
    after_mailing = _after(facts.medical_records_mailing)
    assert await _answered(_faq_from_the_edge(text, after_mailing), domain) == [facts.medical_records_papers]
    assert "委托书" in facts.medical_records_papers and "死亡证明" in facts.medical_records_papers


async def test_the_nlu_reading_a_follow_up_as_faq_gets_the_part_too(domain: dict) -> None:
    """ "要带啥证件" read as faq/documents right after the records answer: the papers for a copy,
    not the ID for a visit."""
    facts = load_facts()
    tracker = make_tracker(text="要带啥证件", intent="faq", events=_after(facts.medical_records))
    tracker.latest_message["response_selector"] = {"faq": {"response": {"utter_action": "utter_faq/documents"}}}
    assert await _answered(tracker, domain) == [facts.medical_records_papers]


async def test_the_same_words_elsewhere_keep_their_own_answer(domain: dict) -> None:
    tracker = make_tracker(text="要带啥证件", intent="faq", events=_after("想约哪一天？"))
    tracker.latest_message["response_selector"] = {"faq": {"response": {"utter_action": "utter_faq/documents"}}}
    assert await _answered(tracker, domain) == ["utter_faq/documents"]
