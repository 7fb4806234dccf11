"""A symptom reading whose words ask for another errand (set 4's F08 and F47 classes; the
wordings here are our own): booking a named department books it, renewing a prescription
renews it, and a name typed at triage's booking offer is a yes."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.general import ActionMenuChoice, ActionResetJourney
from actions.journey_words import (
    BOOKING_FORM,
    CANCEL_FORM,
    REFILL_FORM,
    asks_to_renew,
    gives_a_place_back,
    other_errand,
)
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events

WORDS = {"皮服科": "dermatology", "耳鼻喉科": "ent", "心内科": "cardiology", "急诊科": "emergency"}


def _department(text: str) -> str | None:
    return next((code for word, code in WORDS.items() if word in text), None)


@pytest.mark.parametrize(
    "text",
    [
        "俺想挂个皮服科 手上起疙瘩一个多月了",
        "帮我妈预约耳鼻喉科，她耳朵嗡嗡响好几天了",
        "胸口闷闷的，约个心内科的号",
        "耳鼻喉科 想看看耳朵 耳鸣半年了",  # set 10's L07: the department first, on its own
        "想看看皮服科，手上起疙瘩",
    ],
)
def test_a_booking_that_names_its_department_books_it(text: str) -> None:
    assert other_errand(text, _department) == (BOOKING_FORM, WORDS[next(w for w in WORDS if w in text)])


@pytest.mark.parametrize(
    "text",
    [
        "孩子咳嗽三天了，想挂个号",  # no department: triage names one
        "手上起疙瘩一个多月了，皮服科能看吗",  # no booking asked for
        "昨天在诊所挂水了还是烧，心内科",  # a drip, not a booking
        "头晕恶心，已经持续一下午了",
        "耳鼻喉科的医生说我是中耳炎 现在又疼了",  # the department inside a sentence
        "急诊科 我爸胸口疼",  # the emergency department is no booking
    ],
)
def test_a_complaint_without_a_clear_errand_stays_a_complaint(text: str) -> None:
    assert other_errand(text, _department) is None


@pytest.mark.parametrize(
    "text",
    [
        "我想帮我妈续一下格列美脲，她血糖一直高",
        "我想續方，降壓藥快吃完了",
        "降压药再开点吧 一直吃的那个",
        "给老爷子续点药 心脏的药",
    ],
)
def test_renewing_a_prescription_is_a_refill(text: str) -> None:
    assert asks_to_renew(text)
    assert other_errand(text, _department) == (REFILL_FORM, None)


@pytest.mark.parametrize("text", ["继续疼了三天", "咳嗽持续一下午", "办手续一下要多久", "头疼想开点药"])
def test_continuing_pain_or_a_new_medicine_is_no_refill(text: str) -> None:
    assert not asks_to_renew(text)


async def test_reset_sends_a_named_booking_to_the_booking_form(hospital: FakeHospital, domain: dict) -> None:
    text = "俺想挂个皮服科 手上起疙瘩一个多月了"
    tracker = make_tracker(text=text, intent="report_symptom", entities=[{"entity": "symptom", "value": "疙瘩"}])
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events)["department"] == "dermatology"
    assert slot_events(events)["symptom"] is None
    assert events[-1]["name"] == BOOKING_FORM and events[-1]["event"] == "followup"


async def test_reset_sends_a_refill_for_a_relative_to_the_refill_form(hospital: FakeHospital, domain: dict) -> None:
    text = "你好我想给我妈续一下格列美脲她血糖高好些年了药快吃完了她腿脚不方便"
    tracker = make_tracker(text=text, intent="report_symptom")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert events[-1]["name"] == REFILL_FORM and events[-1]["event"] == "followup"


async def test_reset_leaves_a_plain_complaint_to_triage(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(text="嗓子哑了半个月，说话费劲", intent="report_symptom")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert not any(e.get("event") == "followup" for e in events)
    booking = make_tracker(text="挂皮服科", intent="book_appointment")  # the booking rule runs its own form
    events = await ActionResetJourney().run(CollectingDispatcher(), booking, domain)
    assert not any(e.get("event") == "followup" for e in events)


OFFER: list[dict[str, Any]] = [
    {"event": "action", "name": "action_triage"},
    {
        "event": "bot",
        "text": "要我帮您预约耳鼻咽喉科吗？",
        "data": {
            "buttons": [{"title": "1 好，帮我预约", "payload": "/affirm"}, {"title": "2 先不用", "payload": "/deny"}]
        },
        "metadata": {"utter_action": "utter_triage_offer_booking"},
    },
]


async def test_a_name_at_the_booking_offer_is_a_yes(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(text="周桂芝", events=OFFER, slots={"department": "ent", "symptom": "嗓子哑"})
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    slots = slot_events(events)
    assert slots["patient_name"] == "周桂芝" and "department" not in slots
    assert events[-1]["name"] == BOOKING_FORM


async def test_a_stray_word_at_the_booking_offer_still_gets_the_menu(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="嗯嗯嗯", events=OFFER, slots={"department": "ent"})
    events = await ActionMenuChoice().run(dispatcher, tracker, domain)
    assert events == [] and dispatcher.messages[0]["response"] == "utter_default"


@pytest.mark.parametrize("text", ["后天那个号退了吧，单位走不开", "我下礼拜二的预约要取消", "阿拉明朝的号退脱伊"])
def test_giving_a_place_back_is_a_cancellation(text: str) -> None:
    assert gives_a_place_back(text)


@pytest.mark.parametrize("text", ["挂了号不去了能退钱吗", "取消了还能再挂吗？", "帮我挂周三的，周一去不了", "挂个号"])
def test_a_question_about_refunds_or_a_booking_is_no_cancellation(text: str) -> None:
    assert not gives_a_place_back(text)


async def test_reset_sends_a_cancellation_read_as_a_booking_to_the_cancel_form(domain: dict) -> None:
    tracker = make_tracker(text="后天那个号退了吧，单位走不开", intent="book_appointment")
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert events[-1]["name"] == CANCEL_FORM and events[-1]["event"] == "followup"
    symptom = make_tracker(text="后天那个号退了吧，单位走不开", intent="report_symptom")
    events = await ActionResetJourney().run(CollectingDispatcher(), symptom, domain)
    assert not any(e.get("event") == "followup" for e in events)
