"""CPU per chat turn of each process of the stack the chat benches start.

Throughput on a shared 2-core machine follows whatever else runs there; the CPU a turn
costs each process does not, so it is the figure to compare before and after a change.
A process is told apart by where its standard output goes (every process of
bench/chat_stack.py and bench/fleet_stack.py writes its own log, and gunicorn's workers
and Rasa's children inherit it): `web*/` the chat edge, `api/` the v1 API,
`actions.log` the action server, `rasa*.log` Rasa. The bench's own process is the
client. PostgreSQL backends (the fleet's tracker store) are passed in by pid.

Linux /proc only. A process that exits between the two readings is not counted (the
stacks keep theirs for the whole row).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
ROLES = ("edge", "api", "actions", "rasa", "postgres", "client")

Reading = dict[int, tuple[str, float]]  # pid -> (role, user+system CPU seconds so far)


def role_of(stdout: str) -> str | None:
    """The stack role of a process writing to `stdout` (a path), or None if it is not one."""
    path = Path(stdout)
    if path.name == "actions.log":
        return "actions"
    if path.name.startswith("rasa") and path.suffix == ".log":
        return "rasa"
    if path.name.startswith("gunicorn-"):
        return "edge" if path.parent.name.startswith("web") else "api" if path.parent.name == "api" else None
    return None


def _cpu_and_parent(pid: int) -> tuple[float, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS, int(fields[1])


def read(extra: Iterable[tuple[int, str]] = ()) -> Reading:
    """CPU so far of the bench (client), every descendant with a stack role, and `extra` (pid, role)."""
    processes: dict[int, tuple[float, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _cpu_and_parent(int(entry.name))) is not None:
            processes[int(entry.name)] = found
    children: dict[int, list[int]] = {}
    for pid, (_, parent) in processes.items():
        children.setdefault(parent, []).append(pid)
    me = os.getpid()
    reading: Reading = {me: ("client", processes[me][0])} if me in processes else {}
    stack = list(children.get(me, []))
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            role = role_of(os.readlink(f"/proc/{pid}/fd/1"))
        except OSError:
            continue
        if role is not None:
            reading[pid] = (role, processes[pid][0])
    for pid, role in extra:
        if pid in processes:
            reading[pid] = (role, processes[pid][0])
    return reading


def started_here() -> list[tuple[int, str]]:
    """(pid, role) of the bench's own children that have a stack role: gunicorn masters (their
    workers are below them), the action server, Rasa. What a profiler attaches to."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _cpu_and_parent(int(entry.name))) is not None and stat[1] == me:
            try:
                role = role_of(os.readlink(f"/proc/{entry.name}/fd/1"))
            except OSError:
                continue
            if role is not None:
                found.append((int(entry.name), role))
    return sorted(found)


def per_turn_ms(before: Reading, after: Reading, turns: int) -> dict[str, float]:
    """CPU milliseconds per turn by role between two readings. A process seen only in `after`
    started in between and counts from zero; one seen only in `before` is not counted."""
    spent = dict.fromkeys(ROLES, 0.0)
    for pid, (role, seconds) in after.items():
        spent[role] = spent.get(role, 0.0) + seconds - before.get(pid, (role, 0.0))[1]
    return {role: (seconds * 1000 / turns if turns else 0.0) for role, seconds in spent.items()}


def stack_total(per_turn: dict[str, float]) -> float:
    """What the stack itself costs per turn: every role but the bench's own client."""
    return sum(ms for role, ms in per_turn.items() if role != "client")
