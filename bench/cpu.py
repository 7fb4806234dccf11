"""CPU time spent by the server side of a run: gunicorn and the PostgreSQL backends serving it.

Throughput on a shared machine moves with whatever else runs there; CPU time
per request does not, so it is reported beside every figure (Linux /proc only;
zeros elsewhere).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system seconds) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _processes() -> dict[int, tuple[int, float]]:
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = stat
    return found


def server_cpu_seconds(extra_pids: Iterable[int] = ()) -> dict[int, float]:
    """CPU seconds so far of every descendant of this process (gunicorn and its workers) and `extra_pids`."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    wanted, stack = set(extra_pids), [os.getpid()]
    while stack:
        for child in children.get(stack.pop(), []):
            wanted.add(child)
            stack.append(child)
    return {pid: processes[pid][1] for pid in wanted if pid in processes}


class CpuMeter:
    """Server-side CPU seconds between `start()` and `stop()`; processes that vanish in between are not counted."""

    def __init__(self, backend_pids: Callable[[], list[int]] = list) -> None:
        self._backend_pids = backend_pids
        self._before: dict[int, float] = {}

    def start(self) -> None:
        self._before = server_cpu_seconds(self._backend_pids())

    def stop(self) -> float:
        after = server_cpu_seconds(self._backend_pids())
        return sum(seconds - self._before.get(pid, 0.0) for pid, seconds in after.items())
