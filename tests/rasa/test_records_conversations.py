"""Cancel, results and refills for relatives and returning patients, through the trained
model, the action server and a fake hospital (issue 13, blind set 3 E34-E48): a son
cancels his father's visit after the code sent to the father's phone, a grandfather's
reports follow the code though his grandson shares the phone, and a returning patient's
refill in traditional characters is submitted when she confirms."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.rasa.conftest import RasaStack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]


def texts(answer: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in answer)


def first_payload(answer: list[dict[str, Any]]) -> str:
    return next(b["payload"] for m in answer for b in m.get("buttons") or [] if b.get("payload"))


def test_a_son_cancels_his_fathers_visit_after_the_code(rasa_stack: RasaStack) -> None:
    hospital = rasa_stack.hospital
    father = hospital.add_patient("韩建民", "13911112222", user="someone-else")
    on = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=2)).isoformat()
    hospital.appointments["apt_dad"] = {
        "id": "apt_dad", "status": "confirmed", "patient_id": father, "department": "ophthalmology",
        "department_name": "眼科", "doctor": {"id": "d9", "name": "周明", "title": "主任医师"},
        "start": f"{on}T09:00:00+08:00", "fee_fen": 0,
    }  # fmt: skip
    sender = "son-cancels"
    assert "手机" in texts(rasa_stack.say(sender, "帮我爸把后天的号取消了，他来不了了"))
    assert "验证码" in texts(rasa_stack.say(sender, "他的手机号是13911112222"))
    answer = rasa_stack.say(sender, "验证码246810")
    assert "眼科" in texts(answer) + str(answer)
    rasa_stack.say(sender, first_payload(answer))
    rasa_stack.say(sender, "是的")
    assert hospital.appointments["apt_dad"]["status"] == "cancelled"


def test_reports_follow_the_code_for_the_one_on_the_phone_who_has_them(rasa_stack: RasaStack) -> None:
    hospital = rasa_stack.hospital
    grandpa = hospital.add_patient("张建民", "13922223333", user="someone-else")
    hospital.add_patient("王小宝", "13922223333", user="someone-else")
    hospital.results[grandpa] = [{"title": "血脂四项", "status": "final", "items": [{"name": "总胆固醇", "flag": "H"}]}]
    sender = "grandpa-results"
    rasa_stack.say(sender, "查")
    assert "手机" in texts(rasa_stack.say(sender, "化验单"))
    rasa_stack.say(sender, "13922223333")
    answer = texts(rasa_stack.say(sender, "246810"))
    assert "血脂四项" in answer and "张*民" in answer


def test_a_returning_patients_refill_in_traditional_characters_is_submitted(rasa_stack: RasaStack) -> None:
    hospital = rasa_stack.hospital
    sender = "returning-refill"
    patient = hospital.add_patient("李秀芝", "13933334444", user=sender)
    hospital.prescriptions[patient] = [
        {"id": "rx_bp", "diagnosis": "高血压", "issued_on": "2026-11-01", "items": [{"drug": "氨氯地平"}]},
        {"id": "rx_dm", "diagnosis": "2型糖尿病", "issued_on": "2026-11-02", "items": [{"drug": "二甲双胍"}]},
    ]
    answer = texts(rasa_stack.say(sender, "我想續開二甲雙胍"))
    assert "二甲双胍" in answer and "想问医生" in answer
    rasa_stack.say(sender, "確認")
    assert hospital.refills and hospital.refills[-1]["prescription_id"] == "rx_dm"
    assert "question" not in (hospital.refills[-1].get("answers") or {})


def _returning_with_a_visit(rasa_stack: RasaStack, sender: str, name: str) -> str:
    """A returning patient of this chat with one cardiology visit in two days; its id."""
    hospital = rasa_stack.hospital
    patient = hospital.add_patient(name, "13944445555", user=sender)
    on = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=2)).isoformat()
    aid = f"apt_{sender}"
    hospital.appointments[aid] = {
        "id": aid, "status": "confirmed", "patient_id": patient, "department": "cardiology",
        "department_name": "心血管内科", "doctor": {"id": "d3", "name": "郭立新", "title": "主治医师"},
        "start": f"{on}T16:30:00+08:00", "fee_fen": 0,
    }  # fmt: skip
    return aid


@pytest.mark.parametrize(
    "first",
    [
        "我想睇下我約咗邊日覆診",  # set 5's G41 (read as a booking)
        "俺给俺闺女约了个号，俺寻思着是礼拜四，记不清了，帮俺查查",  # G39 (read as a complaint)
        "我是不是约了后天的号 忘了",
    ],
)
def test_asking_after_an_appointment_lists_it_whatever_the_reading(rasa_stack: RasaStack, first: str) -> None:
    sender = f"query-{abs(hash(first))}"
    _returning_with_a_visit(rasa_stack, sender, "陈美玲")
    assert "心血管内科" in texts(rasa_stack.say(sender, first))


@pytest.mark.parametrize(
    "turns",
    [
        ["不好意思，我下週的門診臨時要出差，想取消", "確定取消，謝謝"],  # set 5's G35
        ["我想把预约的号取消", "嗯等一下我先想想要不要改到下个礼拜", "算了算了还是直接取消吧下礼拜也不一定有空"],  # G37
        pytest.param(
            ["我 那个 约的号 不去 了", "<tap>", "是的 取消"],  # G34
            marks=pytest.mark.xfail(
                reason="Rasa alone: the model of 2026-12-07 05:13 falls back between query_appointment (0.49) "
                "and cancel_appointment (0.49) and offers the menu; the chat edge sends such a fallback to "
                "the cancellation (records_errands.gives_back_appointment; "
                "tests/integration/test_records_errand_routing.py)",
                strict=False,
            ),
        ),
    ],
)
def test_a_returning_patient_cancels_in_their_own_words(rasa_stack: RasaStack, turns: list[str]) -> None:
    sender = f"cancel-{abs(hash(turns[0]))}"
    aid = _returning_with_a_visit(rasa_stack, sender, "林志明")
    answer: list[dict[str, Any]] = []
    for turn in turns:
        answer = rasa_stack.say(sender, first_payload(answer) if turn == "<tap>" else turn)
    assert rasa_stack.hospital.appointments[aid]["status"] == "cancelled", texts(answer)
