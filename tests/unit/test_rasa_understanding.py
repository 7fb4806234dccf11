"""Reading what the NLU made of a message out of Rasa's tracker (latest_message)."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.rasa.client import Understanding, parse_understanding, understanding_from_parse


def tracker(text: str, intent: dict[str, Any], ranking: list[dict[str, Any]] | None = None, **extra: Any) -> dict:  # type: ignore[type-arg]
    latest = {"text": text, "intent": intent, "entities": [], **extra}
    if ranking is not None:
        latest["intent_ranking"] = ranking
    return {"sender_id": "web:p1", "latest_message": latest, "events": None}


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


def test_another_turn_of_the_same_sender_is_not_taken_for_this_one() -> None:
    found = tracker("我要退号", {"name": "cancel_appointment", "confidence": 0.9})
    assert parse_understanding(found, "我想挂号") is None


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {},
        {"latest_message": "x"},
        {"latest_message": {"text": "你好"}},
        {"latest_message": {"text": "你好", "intent": {"name": "greet"}}},
        {"latest_message": {"text": "你好", "intent": {"name": "greet", "confidence": "high"}}},
        {"latest_message": {"text": "你好", "intent": {"name": "greet", "confidence": True}}},
        {"latest_message": {"text": "你好", "intent": {}, "intent_ranking": ["greet"]}},
        {"latest_message": {"text": "你好", "intent": {"name": "", "confidence": 0.9}, "response_selector": []}},
    ],
)
def test_odd_shapes_give_nothing_rather_than_an_error(payload: object) -> None:
    assert parse_understanding(payload, "你好") is None


def test_a_parse_answer_reads_like_the_trackers_latest_message() -> None:
    parsed = {"text": "你好", "intent": {"name": "greet", "confidence": 0.8}, "intent_ranking": []}
    assert understanding_from_parse(parsed, "你好") == Understanding("greet", 0.8)
    assert parse_understanding({"latest_message": parsed}, "你好") == Understanding("greet", 0.8)
    assert parse_understanding({"latest_message": {"intent": {}, "text": None}}, "你好") is None  # rewound
