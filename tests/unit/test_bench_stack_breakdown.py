"""The py-spy breakdown of bench/rasa_turn_cpu.py (bench/stack_breakdown.py): a breakdown
that double counts or loses samples would send the work to the wrong component."""

from __future__ import annotations

from bench.stack_breakdown import Component, breakdown, parse, top_functions

ROOT = 'process 1:"rasa run";thread (0x1);main (rasa/__main__.py:10)'
TURN = ROOT + ";handle_message (rasa/core/processor.py:152)"
PREDICT = TURN + ";_predict_next_with_tracker (rasa/core/processor.py:1097)"
RAW = "\n".join(
    [
        TURN + ";_retrieve (rasa/core/tracker_store.py:1264) 3",
        PREDICT + ";states_for_tracker_history (rasa/shared/core/domain.py:1333) 5",
        PREDICT + " 2",
        ROOT + ";select (selectors.py:469) 4",
        "not a stack line",
    ]
)

COMPONENTS = [
    Component("turn", "handle_message", "rasa/core/processor.py"),
    Component("retrieve", "_retrieve", "rasa/core/tracker_store.py"),
    Component("policies", "_predict_next_with_tracker", "rasa/core/processor.py"),
    Component("past_states", "states_for_tracker_history", "rasa/shared/core/domain.py"),
]


def test_raw_lines_are_read_with_their_sample_counts() -> None:
    stacks = parse(RAW)
    assert [count for _, count in stacks] == [3, 5, 2, 4]
    assert stacks[0][0][-1] == "_retrieve (rasa/core/tracker_store.py:1264)"


def test_inclusive_counts_every_enclosing_component_and_exclusive_only_the_innermost() -> None:
    found = breakdown(parse(RAW), COMPONENTS)
    assert found.samples == 14
    assert found.inclusive == {"turn": 10, "retrieve": 3, "policies": 7, "past_states": 5}
    assert found.exclusive == {"retrieve": 3, "past_states": 5, "policies": 2, "other": 4}
    assert sum(found.exclusive.values()) == found.samples


def test_a_component_matches_its_function_and_file_only() -> None:
    wildcard = Component("any processor", "*", "rasa/core/processor.py")
    assert wildcard.matches("_run_action (rasa/core/processor.py:967)")
    assert not wildcard.matches("_run_action (rasa/core/actions/action.py:967)")
    assert not COMPONENTS[1].matches("save (rasa/core/tracker_store.py:1300)")
    remote = Component("remote action", "run", "rasa/core/actions/action.py:748")  # two `run`s, one file
    assert remote.matches("run (rasa/core/actions/action.py:748)")
    assert not remote.matches("run (rasa/core/actions/action.py:1231)")


def test_top_functions_count_a_recursive_frame_once_per_sample() -> None:
    stacks = parse("a (x.py:1);b (y.py:2);a (x.py:1) 7\n")
    top = dict((frame, (inclusive, own)) for frame, inclusive, own in top_functions(stacks))
    assert top["a (x.py:1)"] == (7, 7) and top["b (y.py:2)"] == (7, 0)
