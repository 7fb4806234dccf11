"""The chat benchmark's statistics and its lost/duplicated-turn checker (bench/chat_checks.py):
a benchmark that miscounts would report a pass it did not earn."""

from __future__ import annotations

import pytest

from bench.chat_checks import percentile, summarize, turn_problems

TURNS = ["你好", "我想挂心内科", "明天", "谢谢"]


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1 .. 100, shuffled order must not matter
    assert percentile(list(reversed(values)), 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)
    assert percentile(values, 0.0) == 1.0 and percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) == 0.0


def test_summary_counts_turns_per_second_of_wall_time() -> None:
    summary = summarize([100.0, 200.0, 300.0, 400.0, 5000.0], wall_seconds=2.5)
    assert summary.turns == 5
    assert summary.per_second == pytest.approx(2.0)
    assert summary.p50_ms == pytest.approx(300.0)
    assert summary.p95_ms == pytest.approx(4080.0)  # 400 + 0.8 x 4600: the slow tail shows
    assert summarize([], 0.0).per_second == 0.0


def test_a_whole_conversation_has_no_problem() -> None:
    assert turn_problems(TURNS, list(TURNS)) == []


def test_a_lost_turn_is_found() -> None:
    assert turn_problems(TURNS, ["你好", "明天", "谢谢"]) == ["lost '我想挂心内科'"]
    assert turn_problems(TURNS, []) == [f"lost {t!r}" for t in TURNS]


def test_a_duplicated_turn_is_found_even_when_the_count_of_turns_is_right() -> None:
    # four kept, as many as sent: a count alone would pass this
    assert turn_problems(TURNS, ["你好", "你好", "明天", "谢谢"]) == ["lost '我想挂心内科'", "duplicated '你好' (2x)"]
    assert turn_problems(TURNS, [*TURNS, "谢谢"]) == ["duplicated '谢谢' (2x)"]


def test_a_turn_of_another_conversation_or_out_of_order_is_found() -> None:
    assert turn_problems(TURNS, [*TURNS, "别人的话"]) == ["unexpected '别人的话'"]
    assert turn_problems(TURNS, ["我想挂心内科", "你好", "明天", "谢谢"]) == ["out of order"]


def test_a_message_said_twice_on_purpose_is_expected_twice() -> None:
    assert turn_problems(["好的", "好的"], ["好的", "好的"]) == []
    assert turn_problems(["好的", "好的"], ["好的"]) == ["lost '好的'"]


def test_rasa_turn_gaps_split_policy_time_from_custom_actions() -> None:
    from bench.rasa_turn_profile import gaps

    events = [
        ("action", 0.0, "action_session_start"),  # before any user message: not a turn
        ("user", 10.0, None),
        ("action", 10.05, "action_book"),  # 50 ms: prediction + the action server
        ("bot", 10.06, None),
        ("action", 10.08, "utter_ask_day"),  # 20 ms after the bot event: a prediction
        ("action", 10.11, "action_listen"),  # 30 ms
        ("user", 20.0, None),
        ("action", 20.04, "action_listen"),  # 40 ms
    ]
    found = gaps(events)
    assert found.custom_ms == pytest.approx([50.0])
    assert found.policy_ms == pytest.approx([20.0, 30.0, 40.0])
    assert found.turn_ms == pytest.approx([110.0, 40.0])
    assert found.predictions == [3, 1]
