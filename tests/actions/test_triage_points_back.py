"""A booking request at a triage question that points back at a clinic already named ("就挂这个
科 后天下午" after "是不是该看口腔科") leaves the interview for that clinic's booking (set 12's
S02 was given advice instead). The wordings here are our own."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.journey_words import BOOKING_FORM
from actions.triage import ValidateTriageForm
from actions.triage_exits import booking_instead, points_back
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, slot_events


def _said(*texts: str) -> list[dict[str, Any]]:
    return [{"event": "user", "text": t, "parse_data": {"intent": {"name": "inform"}}} for t in texts]


def _at_question(text: str, earlier: list[str], asked: str = "age") -> Any:
    return make_tracker(
        text=text,
        slots={"symptom": earlier[0], "requested_slot": asked},
        active_loop="triage_form",
        events=_said(*earlier),
    )


@pytest.mark.parametrize(
    "text",
    ["好 那就挂这个 后天上午", "就挂这个科 明天下午吧", "那约那个门诊吧", "行吧 那就挂吧 周五早上"],
)
async def test_pointing_back_books_the_clinic_named_earlier(hospital: FakeHospital, domain: dict, text: str) -> None:
    tracker = _at_question(text, ["闺女牙龈肿了 吃饭疼", "口腔科是吧 小孩子也看吗"])
    events = await ValidateTriageForm().run(CollectingDispatcher(), tracker, domain)
    slots = slot_events(events)
    assert slots["department"] == "stomatology"
    assert slots["requested_slot"] is None and slots["age"] is None
    assert [e["name"] for e in events if e["event"] == "followup"] == [BOOKING_FORM]


async def test_the_latest_clinic_named_is_the_one_pointed_at(hospital: FakeHospital) -> None:
    tracker = _at_question("那就挂这个吧", ["脸上起了好多痘", "是看口腔科吗", "还是皮膚科比较对"], asked="duration")
    assert slot_events(booking_instead(tracker) or [])["department"] == "dermatology"


@pytest.mark.parametrize(
    "earlier",
    [
        ["脸上起了好多痘 挂什么科"],  # no clinic named: the interview goes on
        ["脸上起了好多痘", "上次看过皮膚科 没用"],  # a clinic seen before is not the one pointed at
    ],
)
async def test_nothing_to_point_at_stays_in_the_interview(hospital: FakeHospital, earlier: list[str]) -> None:
    assert booking_instead(_at_question("那就挂这个 明天上午", earlier)) is None


@pytest.mark.parametrize("text", ["三天了", "看这个报告有用吗", "这个挂水能好吗", "挂口腔科"])
def test_answers_and_named_clinics_do_not_point_back(hospital: FakeHospital, text: str) -> None:
    assert not points_back(text)


async def test_pointing_back_outside_a_triage_question_is_left_alone(hospital: FakeHospital) -> None:
    tracker = make_tracker(
        text="就挂这个科", slots={"requested_slot": "date"}, active_loop="booking_form", events=_said("口腔科是吧")
    )
    assert booking_instead(tracker) is None
