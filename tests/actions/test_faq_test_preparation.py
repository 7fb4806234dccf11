"""Before a blood test (issue 13): "明天抽血要空腹吗", then "水能喝吗", then "降压药早上能吃不" each
get the part they ask, with the lab's place from data/hospital.yml; a refill or a result said
about the same tablets or blood is never this answer. Wordings are our own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_answers import side_topics
from actions.faq import ActionAnswerFaq
from actions.test_preparation import MEDICINE, TOPIC, WATER, asks_test_preparation, follow_up
from services.hospital_facts import load_facts
from tests.actions.helpers import make_tracker

ROOT = Path(__file__).resolve().parents[2]


def _asked(text: str, topic: str | None = None, events: list[dict[str, Any]] | None = None) -> Any:
    tracker = make_tracker(text=text, intent="faq", events=events)
    if topic:
        tracker.latest_message["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 0.6}}
        }
    return tracker


def _after(utter_action: str) -> list[dict[str, Any]]:
    """The conversation so far: a question, then the bot's answer by that response."""
    return [
        {"event": "user", "text": "后天验血要空着肚子吗"},
        {"event": "bot", "text": "…", "metadata": {"utter_action": utter_action}},
        {"event": "action", "name": "action_listen"},
    ]


async def _answer(tracker: Any, domain: dict[str, Any]) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker, domain)
    return dispatcher.messages


def _text(message: dict[str, Any], domain: dict[str, Any]) -> str:
    return str(domain["responses"][message["response"]][0]["text"]).format(**message)


async def test_the_whole_answer_says_fasting_water_tablets_and_the_lab(domain: dict[str, Any]) -> None:
    [message] = await _answer(_asked("后天一早验血 要不要饿着肚子", "test_preparation"), domain)
    assert message["response"] == TOPIC
    text = _text(message, domain)
    for words in ("空腹", "8-12小时", "白开水", "降压药", "降糖药和胰岛素", "低血糖", "开单医生"):
        assert words in text, words
    assert load_facts().blood_draw and load_facts().blood_draw in text
    assert "{" not in text and "续方" not in text


@pytest.mark.parametrize(
    ("text", "part"),
    [("那白开水总能喝两口吧", WATER), ("早上那片降压药还吃不", MEDICINE), ("胰岛素先不打是吧", MEDICINE)],
)
async def test_a_follow_up_right_after_gets_its_part(text: str, part: str, domain: dict[str, Any]) -> None:
    # the selector read the short question as something else (here: the fees)
    [message] = await _answer(_asked(text, "fees", _after(TOPIC)), domain)
    assert message["response"] == part
    assert "空腹" in _text(message, domain)


async def test_the_tablets_answer_keeps_blood_pressure_pills_and_holds_diabetes_ones(domain: dict[str, Any]) -> None:
    text = str(domain["responses"][MEDICINE][0]["text"])
    assert "照常" in text and "降糖药和胰岛素先别用" in text and "抽完血" in text and "医生" in text


async def test_a_short_question_after_another_answer_is_left_to_the_selector(domain: dict[str, Any]) -> None:
    [message] = await _answer(_asked("水能喝吗", "parking", _after("utter_faq/parking")), domain)
    assert message["response"] == "utter_faq/parking"


@pytest.mark.parametrize(
    "text",
    [
        "降压药吃完了 想再开点",
        "抽血结果出来没",
        "空腹血糖十三点二 正常吗",
        "二甲双胍快没了 续一下方",
        "早上空腹抽的血 报告呢",
    ],
)
def test_look_alikes_are_not_preparation(text: str) -> None:
    assert not asks_test_preparation(text) and not follow_up(text)


@pytest.mark.parametrize(
    "text", ["明天抽血要空腹吗", "驗血前可以吃藥嗎", "聽日抽血使唔使空肚", "体检抽血几点去最好", "查血脂前一晚能喝酒吗"]
)
def test_plain_questions_are_preparation(text: str) -> None:
    assert asks_test_preparation(text)


async def test_a_refill_read_as_this_topic_by_the_selector_is_not_answered_with_it(domain: dict[str, Any]) -> None:
    [message] = await _answer(_asked("降压药吃完了 想再开点", "test_preparation"), domain)
    assert message["response"] == "utter_faq/phone"  # no other topic ranked: the number to call


def test_asked_at_the_slot_list_it_is_answered_once_with_the_place() -> None:
    tracker = make_tracker(slots={"requested_slot": "slot_id"}, text="明天要抽血 要空腹吗 几点去 在几楼")
    assert side_topics(tracker) == [TOPIC]


def test_the_topic_is_registered_everywhere_a_topic_is() -> None:
    faq = yaml.safe_load((ROOT / "data" / "nlu" / "faq.yml").read_text(encoding="utf-8"))
    examples = [
        line[2:].strip()
        for item in faq["nlu"]
        if item["intent"] == "faq/test_preparation"
        for line in item["examples"].splitlines()
        if line.strip()
    ]
    assert len(examples) >= 25 and "水能喝吗" in examples
    names = yaml.safe_load((ROOT / "data" / "intent_names.yml").read_text(encoding="utf-8"))["intents"]
    assert "faq/test_preparation" in names
