"""Reading what the NLU made of a message out of the turn's answer: the replies and the
turn's own parse (`?parse_data=true`, bot/whole_turn_channel.py)."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.rasa.client import BotMessage, RasaUnavailable, Understanding, parse_turn


def tracker(
    text: str, intent: dict[str, Any], ranking: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The webhook's answer to one message, with its parse."""
    parse_data = {"text": text, "intent": intent, "entities": [], **extra}
    if ranking is not None:
        parse_data["intent_ranking"] = ranking
    return {"messages": [{"recipient_id": "p1", "text": "好的"}], "parse_data": parse_data}


def parse_understanding(answer: object, text: str) -> Understanding | None:
    return parse_turn(answer, text).understanding


def test_the_top_intent_and_its_confidence() -> None:
    found = tracker(
        "我想挂号",
        {"name": "book_appointment", "confidence": 0.91234567},
        [{"name": "book_appointment", "confidence": 0.91234567}, {"name": "greet", "confidence": 0.05}],
    )
    assert parse_understanding(found, "我想挂号") == Understanding("book_appointment", 0.9123)


def test_behind_the_fallback_it_is_the_intent_the_model_leaned_to() -> None:
    # FallbackClassifier puts nlu_fallback first with the threshold as its confidence.
    found = tracker(
        "那个啥",
        {"name": "nlu_fallback", "confidence": 0.45},
        [
            {"name": "nlu_fallback", "confidence": 0.45},
            {"name": "query_result", "confidence": 0.31},
            {"name": "greet", "confidence": 0.2},
        ],
    )
    assert parse_understanding(found, "那个啥") == Understanding("query_result", 0.31)


def test_a_faq_names_the_answer_the_response_selector_chose() -> None:
    found = tracker(
        "几点开门",
        {"name": "faq", "confidence": 0.88},
        [{"name": "faq", "confidence": 0.88}],
        response_selector={"faq": {"response": {"intent_response_key": "faq/opening_hours", "confidence": 0.7}}},
    )
    assert parse_understanding(found, "几点开门") == Understanding("faq/opening_hours", 0.88)


def test_without_a_ranking_the_intent_itself_counts() -> None:
    assert parse_understanding(tracker("你好", {"name": "greet", "confidence": 1}), "你好") == Understanding(
        "greet", 1.0
    )


def test_a_parse_of_another_text_is_not_taken_for_this_one() -> None:
    found = tracker("我要退号", {"name": "cancel_appointment", "confidence": 0.9})
    assert parse_understanding(found, "我想挂号") is None


@pytest.mark.parametrize(
    "parse_data",
    [
        None,
        [],
        {},
        "x",
        {"text": "你好"},
        {"text": "你好", "intent": {"name": "greet"}},
        {"text": "你好", "intent": {"name": "greet", "confidence": "high"}},
        {"text": "你好", "intent": {"name": "greet", "confidence": True}},
        {"text": "你好", "intent": {}, "intent_ranking": ["greet"]},
        {"text": "你好", "intent": {"name": "", "confidence": 0.9}, "response_selector": []},
    ],
)
def test_odd_shapes_give_nothing_rather_than_an_error(parse_data: object) -> None:
    turn = parse_turn({"messages": [{"text": "好的"}], "parse_data": parse_data}, "你好")
    assert turn.messages == [BotMessage("好的")] and turn.understanding is None


def test_rasas_bare_list_is_a_turn_without_a_reading() -> None:
    turn = parse_turn([{"recipient_id": "p1", "text": "您好"}], "你好")
    assert turn.messages == [BotMessage("您好")] and turn.understanding is None


def test_the_text_is_compared_as_rasa_keeps_it_stripped() -> None:
    answer = {"messages": [], "parse_data": {"text": "你好", "intent": {"name": "greet", "confidence": 0.8}}}
    assert parse_understanding(answer, " 你好\n") == Understanding("greet", 0.8)


@pytest.mark.parametrize("answer", [None, "x", {"messages": "x"}, {"parse_data": {}}])
def test_an_answer_of_another_shape_is_rasa_unavailable(answer: object) -> None:
    with pytest.raises(RasaUnavailable):
        parse_turn(answer, "你好")
