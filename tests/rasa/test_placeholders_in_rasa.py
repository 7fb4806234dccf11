"""The trained model with the chat edge's placeholders (issue 11.5): Rasa never sees an ID
number, a phone or a code, only `[身份证#…]`, `[手机#138****5678#…]`, `[验证码#…]`, and must
take them as the same answers (data/nlu/placeholders.yml). Tokens here are fresh, never in
the training data. The fake hospital resolves placeholders for their conversation, as the
v1 API does (services/conversation/placeholders.py); the rest is the real model and the
real action server. Needs a model trained with data/nlu/placeholders.yml (`make train`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared_rules import PLACEHOLDER_IN_TEXT
from tests.rasa.conftest import RasaStack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]

SENDER = "e2e-placeholders"
VAULT = {
    "[身份证#Zq8Rt2Lw]": "440106198202020555",
    "[手机#138****5678#Vb3Nm7Kp]": "13812345678",
    "[验证码#Hy6Tg1Qs]": "135791",
}


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("[身份证#Xc4Vb8Nm]", "id_number"),
        ("我的身份证号是[身份证#Pl0Ok9Ij]", "id_number"),
        ("[手机#139****2468#Uh7Yg6Tf]", "phone"),
        ("手机号[手机#186****1357#Rd5Es4Wa]", "phone"),
        ("[验证码#Qa2Ws3Ed]", "otp_code"),
        ("验证码是[验证码#Mj8Nh7Bg]", "otp_code"),
    ],
)
def test_a_placeholder_is_an_answer_with_its_entity(rasa_stack: RasaStack, text: str, entity: str) -> None:
    parsed = rasa_stack.parse(text)
    assert parsed["intent"]["name"] == "inform", parsed["intent"]
    assert entity in [e["entity"] for e in parsed["entities"]]


@pytest.fixture
def resolving(rasa_stack: RasaStack) -> Iterator[list[dict[str, Any]]]:
    """The fake hospital opens this conversation's placeholders and refuses any other."""
    hospital = rasa_stack.hospital
    handle: Callable[..., tuple[int, Any]] = hospital.handle
    received: list[dict[str, Any]] = []

    def resolve_then_handle(method: str, path: str, query: dict[str, str], body: Any, headers: Any) -> Any:
        body = dict(body or {})
        conversation = headers.get("X-Conversation-ID") or body.get("conversation_id")
        received.append({"path": path, "body": dict(body), "conversation": conversation})
        for field in ("id_number", "phone", "code"):
            value = body.get(field)
            if isinstance(value, str) and PLACEHOLDER_IN_TEXT.fullmatch(value):
                if value not in VAULT or conversation != SENDER:
                    return 422, {"error": "invalid", "message": "这条信息已过期，请重新输入一次"}
                body[field] = VAULT[value]
        return handle(method, path, query, body, headers)

    hospital.handle = resolve_then_handle  # type: ignore[method-assign]
    yield received
    hospital.handle = handle  # type: ignore[method-assign]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_registration_runs_on_placeholders_from_the_id_number_to_the_code(
    rasa_stack: RasaStack, resolving: list[dict[str, Any]]
) -> None:
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)).isoformat()
    rasa_stack.hospital.slots[f"cardiology|{tomorrow}"] = [
        {"id": "s_ph", "department": "cardiology", "doctor": {"id": "d1", "name": "张伟", "title": "主任医师"},
         "date": tomorrow, "start": f"{tomorrow}T09:00:00+08:00", "fee_fen": 5000, "remaining": 3},
    ]  # fmt: skip
    assert "哪一天" in texts(rasa_stack.say(SENDER, "我想挂心内科"))
    rasa_stack.say(SENDER, "明天")
    assert "姓名" in texts(rasa_stack.say(SENDER, "1"))
    assert "身份证" in texts(rasa_stack.say(SENDER, "李秀英"))
    assert "手机" in texts(rasa_stack.say(SENDER, "[身份证#Zq8Rt2Lw]"))
    # Read back before anything is written: the phone masked, the ID number kept back, no token.
    read_back = texts(rasa_stack.say(SENDER, "[手机#138****5678#Vb3Nm7Kp]"))
    assert "138****5678" in read_back and "#" not in read_back and "Vb3Nm7Kp" not in read_back
    assert "验证码" in texts(rasa_stack.say(SENDER, "对"))
    answer = texts(rasa_stack.say(SENDER, "[验证码#Hy6Tg1Qs]"))
    assert "已登记就诊人 李秀英" in answer and "已为您保留号源" in answer
    assert "#" not in answer  # the bot never says a placeholder back
    # The hospital got the real numbers, opened for this conversation; Rasa had none of them.
    [patient] = [
        p for p in rasa_stack.hospital.patients.values() if p["name"] == "李秀英" and p["_phone"] == "13812345678"
    ]
    registered = [r for r in resolving if r["path"] == "/api/v1/patients"]
    assert registered and all(r["conversation"] == SENDER for r in registered)
    assert registered[-1]["body"]["id_number"] == "[身份证#Zq8Rt2Lw]"
    assert registered[-1]["body"]["code"] == "[验证码#Hy6Tg1Qs]"
    assert patient["id"] in rasa_stack.hospital.accounts[("web", SENDER)]
