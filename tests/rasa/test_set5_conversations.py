"""Whole conversations of set 5's failure classes through the trained model, the action
server and a fake hospital (issue 13): a place chosen by the time said when two doctors
share it, a child's age said with the complaint and an answer read as a cancellation,
and a double charge. The patients' words are set 5's (G09, G23, G53); the variants ours.
The refund cases need a model trained on the NLU data of 37be755 or later."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.rasa.conftest import RasaStack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]


def day(offset: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=offset)).isoformat()


def place(sid: str, on: str, hour: int, minute: int, name: str, title: str) -> dict[str, Any]:
    return {"id": sid, "department": "endocrinology", "doctor": {"id": name, "name": name, "title": title},
            "date": on, "start": f"{on}T{hour:02d}:{minute:02d}:00+08:00", "fee_fen": 1500, "remaining": 3}  # fmt: skip


def texts(answer: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in answer)


def test_a_time_two_doctors_share_is_taken_and_the_registration_follows(rasa_stack: RasaStack) -> None:
    on = day(2)
    rasa_stack.hospital.slots[f"endocrinology|{on}"] = [
        place("p_h", on, 14, 30, "何志强", "主治医师"),
        place("p_x", on, 14, 30, "许丽娟", "主任医师"),
        place("p_h3", on, 15, 0, "何志强", "主治医师"),
    ]
    sender = "set5-time"
    rasa_stack.say(sender, "您好，我想幫我爸爸掛內分泌科，他血糖一直控制得不太好")
    rasa_stack.say(sender, "後天下午可以嗎")
    answer = texts(rasa_stack.say(sender, "下午兩點半那個"))
    assert "请点按钮" not in answer
    assert "姓名" in answer  # the place is taken: the registration asks who the patient is


def test_a_childs_age_said_with_the_fever_is_not_asked(rasa_stack: RasaStack) -> None:
    sender = "set5-child"
    answer = texts(rasa_stack.say(sender, "我屋里崽崽三岁，烧了三天了，昨晚上烧到39度2"))
    assert "多大年纪" not in answer and "多长时间" not in answer


def test_fever_going_down_said_at_the_age_question_is_no_cancellation(rasa_stack: RasaStack) -> None:
    sender = "set5-fever-down"
    rasa_stack.say(sender, "孩子发烧了")
    rasa_stack.say(sender, "两天了")
    answer = texts(rasa_stack.say(sender, "吃了退烧药能退下来，退了就蛮有精神，还在床上跳"))
    assert "手机号" not in answer and "预约" not in answer.split("要我帮您预约")[0]


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "上次在手机上缴检查费，扣了两遍钱"),  # G53
        (2, "多扣的那笔怎么退回来？我不是要取消检查"),  # G53
        # read as cancel_appointment: the cancel form asks nothing and answers the double charge
        (3, "付了两次挂号费，多的那笔咋退"),
        (4, "挂号费扣了两次 多的那个给我退了"),
    ],
)
def test_a_double_charge_is_answered_with_the_refund(rasa_stack: RasaStack, n: int, text: str) -> None:
    answer = texts(rasa_stack.say(f"set5-refund-{n}", text))
    assert "原路退回" in answer and "手机号" not in answer
