"""A remark about one's treatment said at the refill's phone question ("药吃了两年多了 上回复查
医生说控制得挺好") is kept for the reviewing doctor and said so, and the phone is asked again;
a number or a new errand is no remark. Wordings are our own (set 7's I22 class)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.refill import REMARK_KEPT, ValidateRefillForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker


async def test_a_remark_at_the_phone_question_is_kept_for_the_doctor(hospital: FakeHospital, domain: dict) -> None:
    text = "药吃了两年多了 上回复查医生说控制得挺好"
    tracker = make_tracker(slots={"requested_slot": "phone"}, text=text, active_loop="refill_form")
    dispatcher = CollectingDispatcher()
    found = await ValidateRefillForm().extract_refill_question(dispatcher, tracker, domain)
    assert found == {"refill_question": text}
    assert [m.get("text") for m in dispatcher.messages] == [REMARK_KEPT]


async def test_a_number_or_an_errand_at_the_phone_question_is_no_remark(hospital: FakeHospital, domain: dict) -> None:
    for text in ("1390000", "算了 不续了", "好"):
        tracker = make_tracker(slots={"requested_slot": "phone"}, text=text, active_loop="refill_form")
        dispatcher = CollectingDispatcher()
        assert await ValidateRefillForm().extract_refill_question(dispatcher, tracker, domain) == {}, text
        assert dispatcher.messages == [], text


async def test_a_reading_said_at_the_phone_question_is_a_remark_not_a_wrong_phone(
    hospital: FakeHospital, domain: dict
) -> None:
    """Set 10's L30: "血压最近130多/80多 没有不舒服" was told "这个手机号好像不对", and the question
    for the doctor asked after the code was never answered: no request went in."""
    text = "血压最近130多/80多 没有不舒服"
    tracker = make_tracker(slots={"requested_slot": "phone"}, text=text, active_loop="refill_form")
    dispatcher = CollectingDispatcher()
    found = await ValidateRefillForm().extract_refill_question(dispatcher, tracker, domain)
    assert found == {"refill_question": text}
    asked = CollectingDispatcher()
    assert await ValidateRefillForm().validate_phone(None, asked, tracker, domain) == {"phone": None}
    assert "utter_invalid_phone" not in [m.get("response") for m in asked.messages]


def test_a_number_typed_as_the_phone_is_a_wrong_phone_but_a_reading_is_not() -> None:
    from actions.identify import tries_a_phone

    assert tries_a_phone("13800") and tries_a_phone("138 0013 800") and tries_a_phone("手机是1380013800")
    assert not tries_a_phone("血压最近130多/80多 没有不舒服") and not tries_a_phone("空腹血糖7.2")
