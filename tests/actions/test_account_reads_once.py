"""A form's run asks the hospital for the chat account's patients once (issue 14: the
action server's remote calls per turn), and reads them afresh after any write."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.booking import ValidateBookingForm
from integrations.hospital.http import account_reads_remembered
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker


def account_reads(hospital: FakeHospital) -> int:
    return sum(1 for r in hospital.requests if r["path"] == "/api/v1/accounts/patients")


async def test_a_booking_form_run_reads_the_account_once_and_says_the_same(
    hospital: FakeHospital, domain: dict[str, Any]
) -> None:
    hospital.add_patient("张建国", "13800138000")
    hospital.add_patient("李秀英", "13900139000")
    form = ValidateBookingForm()
    kwargs: dict[str, Any] = {
        "slots": {"department": "cardiology", "requested_slot": "date", "date": "明天"},
        "text": "明天",
        "active_loop": "booking_form",
    }
    alone, remembered = CollectingDispatcher(), CollectingDispatcher()
    events_alone = await form._run(alone, make_tracker(**kwargs), domain)  # the run without the memory
    reads_alone = account_reads(hospital)
    events = await form.run(remembered, make_tracker(**kwargs), domain)
    assert reads_alone >= 3, "required_slots asks for each of extraction, validation and the next slot"
    assert account_reads(hospital) - reads_alone == 1
    assert events == events_alone and remembered.messages == alone.messages


async def test_a_write_in_the_run_forgets_what_was_read(hospital: FakeHospital) -> None:
    backend = common.backend()
    with account_reads_remembered():
        assert backend.account_patients("web", "u1") == []
        backend.account_patients("web", "u1")
        assert account_reads(hospital) == 1
        hospital.add_patient("张建国", "13800138000")  # bound elsewhere: this run cannot know
        assert backend.account_patients("web", "u1") == []
        backend.send_otp("13800138000", "bind")  # any write through the client
        assert [p["name"] for p in backend.account_patients("web", "u1")] == ["张建国"]
        assert account_reads(hospital) == 2


async def test_outside_a_run_every_call_asks_and_callers_cannot_spoil_the_memory(hospital: FakeHospital) -> None:
    hospital.add_patient("张建国", "13800138000")
    backend = common.backend()
    backend.account_patients("web", "u1")
    backend.account_patients("web", "u1")
    assert account_reads(hospital) == 2
    with account_reads_remembered():
        backend.account_patients("web", "u1")[0]["name"] = "改掉"
        backend.account_patients("web", "u1").clear()
        assert [p["name"] for p in backend.account_patients("web", "u1")] == ["张建国"]
    assert account_reads(hospital) == 3
