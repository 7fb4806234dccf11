"""The per-process CPU per turn of the chat benches (bench/stack_cpu.py): a process put in
the wrong role, or a worker counted twice or not at all, would send a cut to the wrong place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import stack_cpu


def test_each_stack_log_names_its_role() -> None:
    assert stack_cpu.role_of("/tmp/chat-bench-x/web/gunicorn-5000.log") == "edge"
    assert stack_cpu.role_of("/tmp/rasa-fleet-x/web-2/gunicorn-5000.log") == "edge"
    assert stack_cpu.role_of("/tmp/rasa-fleet-x/api/gunicorn-5001.log") == "api"
    assert stack_cpu.role_of("/tmp/chat-bench-x/actions.log") == "actions"
    assert stack_cpu.role_of("/tmp/chat-bench-x/rasa.log") == "rasa"
    assert stack_cpu.role_of("/tmp/rasa-fleet-x/rasa-1.log") == "rasa"
    assert stack_cpu.role_of("/dev/pts/0") is None
    assert stack_cpu.role_of("/tmp/x/other/gunicorn-5002.log") is None
    assert stack_cpu.role_of("pipe:[12345]") is None


def test_cpu_per_turn_adds_a_roles_processes_and_counts_a_new_one_from_zero() -> None:
    before = {1: ("edge", 10.0), 2: ("edge", 4.0), 3: ("rasa", 100.0), 9: ("api", 7.0), 5: ("client", 1.0)}
    after = {
        1: ("edge", 10.5),  # a worker: +0.5 s
        2: ("edge", 4.3),  # the other worker: +0.3 s
        3: ("rasa", 106.0),  # +6 s
        4: ("postgres", 0.2),  # a backend that connected during the row: all of its 0.2 s
        5: ("client", 1.4),
    }  # 9 (api) exited during the row: not counted
    per_turn = stack_cpu.per_turn_ms(before, after, turns=100)
    assert per_turn == pytest.approx(
        {
            "edge": 8.0,
            "api": 0.0,
            "actions": 0.0,
            "rasa": 60.0,
            "postgres": 2.0,
            "client": 4.0,
        }
    )
    assert stack_cpu.stack_total(per_turn) == pytest.approx(70.0)  # the bench's own client is not the stack's
    assert stack_cpu.per_turn_ms(before, after, turns=0)["rasa"] == 0.0


def test_a_reading_finds_a_child_by_its_log_and_the_bench_itself(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    with (tmp_path / "api" / "gunicorn-1.log").open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        reading = stack_cpu.read(extra=[(os.getppid(), "postgres")])
    finally:
        child.kill()
        child.wait()
    assert reading[child.pid][0] == "api"
    assert reading[os.getpid()][0] == "client"
    assert reading[os.getppid()][0] == "postgres"
