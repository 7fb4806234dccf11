"""Set 17's N40 as a returning patient (tuning material; our own wording): a wife typed her
husband's phone again at the results code question; the code already sent stays good (no
second code, no attempt counted, no phone asked again). Another phone is still checked."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.results import ValidateResultsForm
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses

HUSBAND = "13812340077"


@pytest.fixture
def husband(hospital: FakeHospital) -> str:
    return hospital.add_patient("王建军", HUSBAND, user="u1")


def _at_the_code(patient: str, text: str) -> Any:
    sent = [{"event": "slot", "name": "phone", "value": HUSBAND}]
    slots = {"patient_id": patient, "phone": HUSBAND, "requested_slot": "otp_code", "otp_attempts": 0}
    return make_tracker(slots=slots, text=text, events=sent, active_loop="results_form")


@pytest.mark.parametrize("text", [HUSBAND, f"他手机号是{HUSBAND}", "就是这个号 13812340077"])
async def test_the_same_phone_again_keeps_the_code_sent(
    hospital: FakeHospital, husband: str, domain: dict, text: str
) -> None:
    hospital.otp_codes[HUSBAND] = "246810"
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    tracker = _at_the_code(husband, text)
    got = await form.validate_otp_code(text, dispatcher, tracker, domain)
    assert got == {"otp_code": None}  # no attempt counted
    assert "138****0077" in dispatcher.messages[0]["message"] and "6位验证码" in dispatcher.messages[0]["message"]
    assert "utter_invalid_otp" not in responses(dispatcher)
    # the code sent before still verifies
    dispatcher = CollectingDispatcher()
    ok = await form.validate_otp_code("246810", dispatcher, _at_the_code(husband, "246810"), domain)
    assert ok["otp_code"] == "verified"


async def test_the_same_phone_read_as_the_phone_sends_nothing_new(
    hospital: FakeHospital, husband: str, domain: dict
) -> None:
    hospital.otp_codes[HUSBAND] = "246810"
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    got = await form.validate_phone(HUSBAND, dispatcher, _at_the_code(husband, HUSBAND), domain)
    assert got == {"phone": HUSBAND}
    assert hospital.otp_codes == {HUSBAND: "246810"}  # the first code, not a new one
    assert "utter_otp_sent" not in responses(dispatcher)


async def test_another_phone_at_the_code_is_still_checked(hospital: FakeHospital, husband: str, domain: dict) -> None:
    form, dispatcher = ValidateResultsForm(), CollectingDispatcher()
    got = await form.validate_phone("13900001111", dispatcher, _at_the_code(husband, "13900001111"), domain)
    assert got == {"phone": None} and responses(dispatcher) == ["utter_phone_mismatch"]


async def test_a_wrong_code_still_counts(hospital: FakeHospital, husband: str, domain: dict) -> None:
    hospital.otp_codes[HUSBAND] = "246810"
    dispatcher = CollectingDispatcher()
    got = await ValidateResultsForm().validate_otp_code("111111", dispatcher, _at_the_code(husband, "111111"), domain)
    assert got == {"otp_code": None, "otp_attempts": 1} and responses(dispatcher) == ["utter_invalid_otp"]
