"""A fresh web visitor is asked the phone on file, not "没有查到您的预约" (issue 13), end to
end: `/api/v1/chat` → the real Rasa model → the action server → the v1 API → the database.
Needs a model trained with the bot data of this change (`make train`)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.stack import Stack
from tests.e2e.test_journeys import buttons, next_day_with_slots, said

pytestmark = pytest.mark.rasa

LI = "13800138002"  # the seed's 李秀英 (13800138001, 张建国's, is the results test's in test_journeys.py)


def newest_code(stack: Stack, phone: str) -> str:
    sent = [m for m in stack.api("GET", f"/api/v1/dev/outbox?to={phone}").json() if m["kind"] == "otp"]
    found = re.search(r"\d{6}", sent[-1]["text"]) if sent else None
    assert found is not None, f"no code went to {phone}"
    return found.group(0)


def reply(messages: list[dict[str, Any]]) -> str:
    return said(messages) + " " + " ".join(b["title"] for b in buttons(messages))


def test_a_fresh_visitor_sees_results_after_the_phone_on_file_and_its_code(stack: Stack) -> None:
    sender = "e2e-fresh-results"
    assert "手机号" in reply(stack.chat(sender, "查报告"))  # not a registration: the phone on file
    assert "验证码" in reply(stack.chat(sender, LI))
    found = reply(stack.chat(sender, newest_code(stack, LI)))
    assert "李*英" in found and "血糖" in found  # one patient on that phone: her reports at once
    assert "李秀英" not in found  # the name is masked in the chat, as everywhere the bot writes it


def test_a_fresh_visitor_cancels_by_the_phone_on_file(stack: Stack) -> None:
    phone = "13912340077"
    body = {"name": "陈秀珍", "id_number": "110101195203150042", "phone": phone}  # not the journeys' 赵建华
    patient = stack.api("POST", "/api/v1/patients", json=body).json()["id"]
    day = next_day_with_slots(stack, "cardiology")
    slot = stack.api("GET", f"/api/v1/slots?department=cardiology&date={day.isoformat()}").json()[0]["id"]
    booked = stack.api("POST", "/api/v1/appointments", json={"patient_id": patient, "slot_id": slot})
    assert booked.status_code == 201
    sender = "e2e-fresh-cancel"
    asked = reply(stack.chat(sender, "我要退号"))
    assert "手机号" in asked and "没有查到" not in asked
    assert "验证码" in reply(stack.chat(sender, phone))
    listed = reply(stack.chat(sender, newest_code(stack, phone)))
    assert "心血管内科" in listed
    confirm = reply(stack.chat(sender, "1"))
    assert "取消" in confirm  # "确定要取消…吗"
    done = reply(stack.chat(sender, "确定取消"))
    assert "取消" in done
    appointment = stack.api("GET", f"/api/v1/appointments?patient_id={patient}").json()[0]
    assert appointment["status"] == "cancelled"
