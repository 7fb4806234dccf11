"""Where a Rasa process's CPU went, from py-spy's collapsed stacks (`py-spy record --format raw`).

Each line of the raw format is one call stack, root first, frames separated by `;`, then
the number of samples taken in it. py-spy samples only threads that are running (not idle
in epoll), so samples are CPU time. A component is a frame predicate (function name, and a
piece of the file's path); a sample counts for every component found in its stack
(inclusive), and for the innermost one only (exclusive), so the exclusive column adds up
to the whole and says what is left once the nested parts are taken out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

FRAME = re.compile(r"^(?P<function>.*?) \((?P<where>[^()]*)\)$")


@dataclass(frozen=True)
class Component:
    name: str
    function: str  # exact function name, or "*" for any function of the file
    file: str  # a piece of the frame's "path:line" (the line tells apart two `run`s of one file)

    def matches(self, frame: str) -> bool:
        found = FRAME.match(frame)
        if found is None:
            return False
        function, where = found.group("function"), found.group("where")
        return (self.function in ("*", function)) and self.file in where


@dataclass(frozen=True)
class Breakdown:
    samples: int
    inclusive: dict[str, int]
    exclusive: dict[str, int]


def parse(raw: str) -> list[tuple[list[str], int]]:
    """(frames root first, samples) per line of py-spy's raw output."""
    stacks = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def breakdown(stacks: list[tuple[list[str], int]], components: list[Component]) -> Breakdown:
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    matched: dict[str, list[str]] = {}  # a frame's components, worked out once per distinct frame
    for frames, count in stacks:
        total += count
        innermost = "other"
        seen: set[str] = set()
        for frame in frames:
            names = matched.get(frame)
            if names is None:
                names = matched[frame] = [c.name for c in components if c.matches(frame)]
            for name in names:
                innermost = name
                seen.add(name)
        for name in seen:
            inclusive[name] += count
        exclusive[innermost] += count
    return Breakdown(total, dict(inclusive), dict(exclusive))


def top_functions(stacks: list[tuple[list[str], int]], limit: int = 40) -> list[tuple[str, int, int]]:
    """(frame, inclusive samples, self samples), the heaviest by inclusive samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    return [(frame, samples, own[frame]) for frame, samples in inclusive.most_common(limit)]
