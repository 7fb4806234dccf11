"""The actions with the chat edge's placeholders (issue 11.5): the slots hold
`[身份证#…]`, `[手机#138****5678#…]`, `[验证码#…]`, never the numbers; the actions pass
them to the v1 API with the conversation's id, and the API (here the fake, resolving
the way services/conversation/placeholders.py does) opens them for that conversation
only. The bot shows the phone masked."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ValidateBookingForm
from actions.results import ValidateResultsForm, phone_matches
from tests.actions.fake_hospital import FakeHospital
from tests.actions.helpers import make_tracker, responses

CONVERSATION = "u1"  # the tracker's sender id (Rasa's conversation id, "web:…" in real life)
ID_NUMBER, ID_HOLDER = "440106198202020555", "[身份证#IdTokenA]"
PHONE, PHONE_HOLDER = "13900001111", "[手机#139****1111#PhTokenA]"
BIND_CODE, BIND_HOLDER = "135791", "[验证码#CdTokenA]"
RESULTS_CODE, RESULTS_HOLDER = "246810", "[验证码#CdTokenB]"
FOREIGN_PHONE = "[手机#139****1111#PhTokenZ]"  # made in another conversation
VAULT = {ID_HOLDER: ID_NUMBER, PHONE_HOLDER: PHONE, BIND_HOLDER: BIND_CODE, RESULTS_HOLDER: RESULTS_CODE}
DIGITS = re.compile(r"\d{6,}")


@pytest.fixture
def resolving(hospital: FakeHospital) -> list[dict[str, Any]]:
    """The fake API resolves placeholders of its own conversation and refuses the rest,
    as the real one does; returns what it received before resolving."""
    received: list[dict[str, Any]] = []
    handle: Callable[..., tuple[int, Any]] = hospital.handle

    def resolve_then_handle(method: str, path: str, query: dict[str, str], body: Any, headers: Any) -> Any:
        body = dict(body or {})
        conversation = headers.get("X-Conversation-ID") or body.get("conversation_id")  # as web/api/__init__.py
        received.append({"path": path, "body": dict(body), "conversation": conversation})
        for field in ("id_number", "phone", "code"):
            value = body.get(field)
            if isinstance(value, str) and value.startswith("["):
                if value not in VAULT or conversation != CONVERSATION:
                    return 422, {"error": "invalid", "message": "这条信息已过期，请重新输入一次"}
                body[field] = VAULT[value]
        return handle(method, path, query, body, headers)

    hospital.handle = resolve_then_handle  # type: ignore[method-assign]
    return received


async def validate(form: Any, slot: str, value: str, domain: dict, **tracker_kw: Any) -> tuple[dict, list, list]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(sender=CONVERSATION, **tracker_kw)
    result = await getattr(form, f"validate_{slot}")(value, dispatcher, tracker, domain)
    return result, responses(dispatcher), dispatcher.messages


async def test_registration_runs_on_placeholders_and_binds_with_the_real_values(
    hospital: FakeHospital, resolving: list[dict[str, Any]], domain: dict
) -> None:
    form = ValidateBookingForm()
    result, said, _ = await validate(form, "id_number", f"身份证是{ID_HOLDER}", domain, text=f"身份证是{ID_HOLDER}")
    assert result == {"id_number": ID_HOLDER, "registration_ok": None} and said == []
    details = {"patient_name": "王大明", "id_number": ID_HOLDER}
    result, said, _ = await validate(form, "phone", PHONE_HOLDER, domain, slots=details, text=PHONE_HOLDER)
    assert result == {"phone": PHONE_HOLDER, "registration_ok": None, "bind_code": None}  # read back first
    details["phone"] = PHONE_HOLDER
    result, said, _ = await validate(form, "registration_ok", True, domain, slots=details, text="对")
    assert result == {"registration_ok": True, "bind_code": None}  # the code went out: asked next
    result, said, _ = await validate(form, "bind_code", BIND_HOLDER, domain, slots=details, text=BIND_HOLDER)
    assert result["bind_code"] == "verified" and result["patient_id"].startswith("pat_")
    [patient] = hospital.patients.values()
    assert patient["_phone"] == PHONE  # the hospital got the real number, resolved by the API
    # Nothing the action server sent carried a number: placeholders, with the conversation.
    calls = [r for r in resolving if r["path"] == "/api/v1/patients"]
    assert len(calls) == 2 and all(r["conversation"] == CONVERSATION for r in calls)
    assert not any(DIGITS.search(str(r["body"])) for r in calls)
    assert calls[-1]["body"]["code"] == BIND_HOLDER


async def test_a_placeholder_of_another_conversation_is_asked_again(
    hospital: FakeHospital, resolving: list[dict[str, Any]], domain: dict
) -> None:
    details = {"patient_name": "王大明", "id_number": ID_HOLDER, "phone": FOREIGN_PHONE}
    result, said, messages = await validate(
        ValidateBookingForm(), "registration_ok", True, domain, slots=details, text="对"
    )
    assert result == {"registration_ok": None, "phone": None, "id_number": None} and hospital.patients == {}
    assert said == ["utter_backend_message"] and "重新输入" in messages[0]["message"]


async def test_results_compare_the_masked_phone_and_verify_a_code_placeholder(
    hospital: FakeHospital, resolving: list[dict[str, Any]], domain: dict
) -> None:
    pid = hospital.add_patient("李秀英", PHONE, user="u1")
    assert phone_matches(PHONE_HOLDER, "139****1111") and not phone_matches(PHONE_HOLDER, "139****2222")
    form = ValidateResultsForm()
    other = "[手机#139****2222#PhTokenC]"
    result, said, _ = await validate(form, "phone", other, domain, slots={"patient_id": pid}, text=other)
    assert result == {"phone": None} and said == ["utter_phone_mismatch"]
    result, said, messages = await validate(
        form, "phone", PHONE_HOLDER, domain, slots={"patient_id": pid}, text=PHONE_HOLDER
    )
    assert result["phone"] == PHONE_HOLDER and said == ["utter_otp_sent"]
    assert messages[0]["phone_masked"] == "139****1111"  # the bot shows the mask, never the number
    assert hospital.otp_codes == {PHONE: RESULTS_CODE}
    slots = {"patient_id": pid, "phone": PHONE_HOLDER}
    result, said, _ = await validate(form, "otp_code", RESULTS_HOLDER, domain, slots=slots, text=RESULTS_HOLDER)
    assert result["otp_code"] == "verified" and said == []
    sent = [r for r in resolving if r["path"].startswith("/api/v1/otp")]
    assert [r["conversation"] for r in sent] == [CONVERSATION, CONVERSATION]  # a header, or verify's body
    assert sent[1]["body"] == {
        "phone": PHONE_HOLDER,
        "purpose": "results",
        "code": RESULTS_HOLDER,
        "conversation_id": CONVERSATION,
    }
