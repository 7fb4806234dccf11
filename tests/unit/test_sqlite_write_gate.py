"""The SQLite write gate excludes writers across processes, including processes
forked after the gate was first used (Celery's prefork pool, gunicorn)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from db import SqliteWriteGate


def _child_waits_for_parent(gate: SqliteWriteGate, hold_seconds: float) -> float:
    """Hold the gate in this process, fork, and return how long the child waited for it."""
    read_end, write_end = os.pipe()
    with gate.held():
        pid = os.fork()
        if pid == 0:  # the child: same gate object, inherited file descriptor
            os.close(read_end)
            started = time.monotonic()
            with gate.held():
                waited = time.monotonic() - started
            os.write(write_end, f"{waited:.3f}".encode())
            os._exit(0)
        os.close(write_end)
        time.sleep(hold_seconds)
    os.waitpid(pid, 0)
    waited = float(os.read(read_end, 64).decode())
    os.close(read_end)
    return waited


def test_a_forked_process_waits_for_the_writer_that_forked_it(tmp_path: Path) -> None:
    gate = SqliteWriteGate(str(tmp_path / "db.sqlite3"))
    with gate.held():  # used before the fork, as a worker's parent might
        pass
    assert _child_waits_for_parent(gate, hold_seconds=0.5) >= 0.4


def test_nested_use_in_one_thread_does_not_deadlock(tmp_path: Path) -> None:
    gate = SqliteWriteGate(str(tmp_path / "db.sqlite3"))
    with gate.held(), gate.held():
        pass
