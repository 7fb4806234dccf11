"""Booking wishes through the trained model, the action server and a fake hospital
(issue 13, blind set 3): a title asked at the list is offered from the nearest day that
has it, and "随便" at the day question lists the earliest day instead of stalling."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.rasa.conftest import RasaStack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]


def day(offset: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=offset)).isoformat()


def place(sid: str, on: str, hour: int, name: str, title: str, department: str = "cardiology") -> dict[str, Any]:
    return {"id": sid, "department": department, "doctor": {"id": name, "name": name, "title": title},
            "date": on, "start": f"{on}T{hour:02d}:00:00+08:00", "fee_fen": 1500, "remaining": 3}  # fmt: skip


def payloads(answer: list[dict[str, Any]]) -> list[str]:
    return [b.get("payload", "") for m in answer for b in m.get("buttons", [])]


def test_a_chief_asked_at_a_morning_list_comes_from_the_nearest_day(rasa_stack: RasaStack) -> None:
    rasa_stack.hospital.slots[f"cardiology|{day(1)}"] = [place("w_att", day(1), 8, "郭立新", "主治医师")]
    rasa_stack.hospital.slots[f"cardiology|{day(2)}"] = [place("w_chief", day(2), 9, "马立新", "主任医师")]
    sender = "wish-chief"
    rasa_stack.say(sender, "你好 我想挂个号 看心脏的")
    assert payloads(rasa_stack.say(sender, "明天 上午"))[0] == '/inform{"slot_id": "w_att"}'
    answer = rasa_stack.say(sender, "这几个都不是主任吧 我要主任医师看")
    assert payloads(answer)[0] == '/inform{"slot_id": "w_chief"}'
    assert any("主任医师" in str(m.get("text")) and "没有" in str(m.get("text")) for m in answer)


def test_any_day_lists_the_earliest_day_with_places(rasa_stack: RasaStack) -> None:
    rasa_stack.hospital.slots[f"respiratory|{day(3)}"] = [
        place("w_any", day(3), 14, "许丽娟", "副主任医师", "respiratory")
    ]  # the stack's hospital is shared: a department no other test stocks
    sender = "wish-any"
    rasa_stack.say(sender, "挂呼吸内科")
    assert '/inform{"slot_id": "w_any"}' in payloads(rasa_stack.say(sender, "哪天都行，随便"))
