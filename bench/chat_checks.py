"""The arithmetic of bench/chat_latency.py, apart so a test can check it without a stack:
the latency summary of a run, and the lost-or-duplicated-turn check of one conversation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass(frozen=True)
class Summary:
    turns: int
    per_second: float
    p50_ms: float
    p95_ms: float


def summarize(latencies_ms: list[float], wall_seconds: float) -> Summary:
    """Turns answered per second of wall time over the whole level (all patients together)."""
    rate = len(latencies_ms) / wall_seconds if wall_seconds > 0 else 0.0
    return Summary(len(latencies_ms), rate, percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.95))


def turn_problems(expected: list[str], seen: list[str]) -> list[str]:
    """What went wrong with one conversation's turns, as kept on the far side: each text of
    `expected` must be there exactly once, in order. Empty when nothing did."""
    want, got = Counter(expected), Counter(seen)
    problems = [f"lost {text!r}" for text in want if got[text] < want[text]]
    problems += [f"duplicated {text!r} ({got[text]}x)" for text in got if text in want and got[text] > want[text]]
    problems += [f"unexpected {text!r}" for text in got if text not in want]
    if not problems and seen != expected:
        problems.append("out of order")
    return problems
