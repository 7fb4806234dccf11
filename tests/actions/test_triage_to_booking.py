"""A patient who came to book and answers a triage question with the clinic they want is booked
there (blind set 11's bookings, read after its sealed scoring; the wordings here are our own):
the interview stops at "皮膚科吧 是皮膚科吗", the FAQ reading of "那约口腔科 后天上午行不行" does
not answer it, a day said at the booking offer is a yes, and "等一下 我问问我老伴" at a
cancellation's last question keeps it open."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.faq import ActionAnswerFaq
from actions.general import ActionMenuChoice, ActionResetJourney
from actions.journey_words import BOOKING_FORM, CANCEL_FORM, other_errand
from actions.triage import ValidateTriageForm
from actions.triage_exits import booking_instead
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events

WORDS = {"皮肤科": "dermatology", "眼科": "ophthalmology", "口腔科": "stomatology", "骨科": "orthopedics"}


def _department(text: str) -> str | None:
    return next((code for word, code in WORDS.items() if word in text.replace("课", "科")), None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("我想約眼科 眼睛乾澀好幾個月了", "ophthalmology"),  # 約 + clinic, no 号
        ("骨科吧 是不是该看骨科", "orthopedics"),  # the clinic first, a particle after it
        ("口腔科啦 就是牙齿那个", "stomatology"),
        ("眼课 我眼睛看不清", "ophthalmology"),  # 课 typed for 科
        ("那挂皮肤科 后天下午行吗", "dermatology"),
    ],
)
def test_asking_for_a_clinic_in_other_words_books_it(text: str, code: str) -> None:
    assert other_errand(text, _department) == (BOOKING_FORM, code)


@pytest.mark.parametrize("text", ["我约的骨科 想改个时间", "上次看过骨科 没看好", "疼了三天了"])
def test_an_appointment_made_or_a_clinic_mentioned_is_no_new_booking(text: str) -> None:
    assert other_errand(text, _department) is None


def _at_question(text: str, asked: str, intent: str = "inform") -> Any:
    return make_tracker(
        text=text,
        intent=intent,
        slots={"symptom": "膝盖疼 上下楼梯难受", "requested_slot": asked},
        active_loop="triage_form",
    )


async def test_a_clinic_named_at_a_triage_question_leaves_for_its_booking(hospital: FakeHospital, domain: dict) -> None:
    events = await ValidateTriageForm().run(
        CollectingDispatcher(), _at_question("皮膚科吧 是皮膚科吗", "duration"), domain
    )
    slots = slot_events(events)
    assert slots["department"] == "dermatology"
    assert slots["requested_slot"] is None and slots["symptom"] is None
    assert [e.get("name") for e in events if e["event"] == "active_loop"] == [None]  # the interview ends
    assert [e["name"] for e in events if e["event"] == "followup"] == [BOOKING_FORM]


async def test_a_clinic_named_at_the_age_question_read_as_faq_books_it(hospital: FakeHospital, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = _at_question("那约口腔科 后天上午行不行", "age", intent="faq")
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert slot_events(events)["department"] == "stomatology"
    assert dispatcher.messages == []  # no address or fee answer in its place


async def test_an_answer_that_mentions_a_clinic_visited_stays_an_answer(hospital: FakeHospital) -> None:
    assert booking_instead(_at_question("上次看过皮膚科 开了药膏", "duration")) is None
    outside = make_tracker(text="皮膚科吧", slots={"requested_slot": "date"}, active_loop="booking_form")
    assert booking_instead(outside) is None


def test_a_clinic_typed_with_ke_as_in_class_is_resolved(hospital: FakeHospital) -> None:
    assert common.resolve_department("口腔课") == "stomatology"


def _offer_events() -> list[dict[str, Any]]:
    return [
        {
            "event": "bot",
            "text": "要我帮您预约皮肤科吗？",
            "data": {"buttons": [{"title": "1 好，帮我预约", "payload": "/affirm"}]},
            "metadata": {"utter_action": "utter_triage_offer_booking"},
        }
    ]


async def test_a_day_said_at_the_booking_offer_is_a_yes(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(text="后天下午 哪位医生都行", slots={"department": "dermatology"}, events=_offer_events())
    events = await ActionMenuChoice().run(CollectingDispatcher(), tracker, domain)
    assert [e["name"] for e in events if e["event"] == "followup"] == [BOOKING_FORM]
    assert "department" not in slot_events(events)  # kept


async def test_waiting_to_ask_family_keeps_the_cancellation_open(hospital: FakeHospital, domain: dict) -> None:
    tracker = make_tracker(
        text="等一下 先别取消 我问问我老伴",
        intent="report_symptom",
        slots={"requested_slot": "confirm_cancel", "appointment_id": "a1"},
        active_loop=CANCEL_FORM,
    )
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert [e["name"] for e in events if e["event"] == "followup"] == [CANCEL_FORM]


@pytest.mark.parametrize(
    "text",
    ["钱玉梅 身份证[身份证#ab12cd34]", "钱玉梅 身份证号是 [身份证#ab12cd34] 手机[手机#139****0001#ab12cd34]"],
)
def test_a_name_with_the_label_of_the_detail_after_it_is_the_name(text: str) -> None:
    """At the name question, "名字 + 身份证 + the number" gave the number and lost the name."""
    from actions.patient_names import name_in

    assert name_in(text) == "钱玉梅"


async def test_a_new_half_of_the_day_at_the_list_read_as_a_refill_stays_in_the_booking(
    hospital: FakeHospital, domain: dict
) -> None:
    tracker = make_tracker(
        text="不行 得要上午的 下午她要去拿药",
        intent="request_refill",
        slots={"requested_slot": "slot_id", "department": "dermatology", "date": "2026-12-09"},
        active_loop="booking_form",
    )
    events = await ActionResetJourney().run(CollectingDispatcher(), tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": BOOKING_FORM}]
    renew = make_tracker(
        text="上午先帮我续一下二甲双胍",
        intent="request_refill",
        slots={"requested_slot": "slot_id"},
        active_loop="booking_form",
    )
    assert [e["name"] for e in await ActionResetJourney().run(CollectingDispatcher(), renew, domain)] != [BOOKING_FORM]
