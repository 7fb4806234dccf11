""" "别的不要了" while choosing is an answer: the reader turns a stop reading of it into
``inform`` unless a clear stop word stands beside it, and the actions drop the phrase
when they parse the choice."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.numbers import parse_choice
from bot.components.just_this import JustThisReader, means_just_this


def read(tmp_path: object, text: str, intent: str) -> Message:
    reader = JustThisReader.create(
        {}, LocalModelStorage(tmp_path), Resource("just"), ExecutionContext(GraphSchema({}), "t")
    )  # type: ignore[arg-type]
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.7})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.7}])
    reader.process([message])
    return message


@pytest.mark.parametrize(
    "text",
    [
        "别的不要了",
        "其他的俺不要",
        "别的不用",
        "第一个，别的不要了",
        "就要袁医生的，其他的都不要了",
        "別的不要了",
        "其它唔要",
    ],
)
@pytest.mark.parametrize("intent", ["deny", "goodbye", "cancel_appointment", "nlu_fallback"])
def test_just_this_is_an_answer(tmp_path: object, text: str, intent: str) -> None:
    message = read(tmp_path, text, intent)
    assert message.get(INTENT)["name"] == "inform"
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "inform"


@pytest.mark.parametrize(
    "text",
    ["算了，别的不要了", "不挂了，别的不用", "取消吧，其他的不要", "别的不要了，再见", "不要了", "不用了", "算了"],
)
def test_a_clear_stop_still_stops(tmp_path: object, text: str) -> None:
    assert read(tmp_path, text, "deny").get(INTENT)["name"] == "deny"
    assert not means_just_this(text)


def test_other_readings_are_left_alone(tmp_path: object) -> None:
    assert read(tmp_path, "别的不要了", "book_appointment").get(INTENT)["name"] == "book_appointment"


@pytest.mark.parametrize(
    ("text", "choice"), [("第一个，别的不要了", 1), ("2 其他的俺不要", 2), ("就第3个吧，别的不用", 3)]
)
def test_the_actions_read_the_choice_beside_it(text: str, choice: int) -> None:
    assert means_just_this(text) and parse_choice(text) == choice
