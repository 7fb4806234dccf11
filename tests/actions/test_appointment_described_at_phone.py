"""Set 14's X11 in wordings of our own: the appointment described at the appointment forms'
phone question ("后天下午那个眼科的") is answered once with why the phone comes first."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.appointment_described import PHONE_FIRST_TEXT, describes_appointment
from actions.appointments import ValidateCancelForm, ValidateRescheduleForm
from actions.refill import ValidateRefillForm
from tests.actions.helpers import make_tracker


@pytest.mark.parametrize("text", ["后天下午那个眼科的", "上周挂的那个号", "周五的皮肤科", "约的是骨科"])
def test_an_appointment_described(text: str) -> None:
    assert describes_appointment(text)


@pytest.mark.parametrize("text", ["13912345678", "嗯", "好的", "我不记得了"])
def test_no_appointment_described(text: str) -> None:
    assert not describes_appointment(text)


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [str(m.get("text")) for m in dispatcher.messages if m.get("text")]


@pytest.mark.parametrize("form", [ValidateCancelForm(), ValidateRescheduleForm()])
async def test_described_at_the_phone_question_hears_why_once(form: object, domain: dict) -> None:
    text = "后天下午那个眼科的"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "phone"}, text=text)
    assert await form.validate_phone(text, dispatcher, tracker, domain) == {"phone": None}  # type: ignore[attr-defined]
    assert texts(dispatcher) == [PHONE_FIRST_TEXT]
    heard = [{"event": "bot", "text": PHONE_FIRST_TEXT}]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "phone"}, text="就是那个眼科的", events=heard)
    assert await form.validate_phone("就是那个眼科的", dispatcher, tracker, domain) == {"phone": None}  # type: ignore[attr-defined]
    assert texts(dispatcher) == []


async def test_other_forms_and_numbers_keep_their_answers(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "phone"}, text="心内科开的那个药")
    await ValidateRefillForm().validate_phone("心内科开的那个药", dispatcher, tracker, domain)
    assert texts(dispatcher) == []
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "phone"}, text="1391234567")
    await ValidateCancelForm().validate_phone("1391234567", dispatcher, tracker, domain)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_invalid_phone"]
