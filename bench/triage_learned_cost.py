"""What the learned triage layer costs, and what the edge's red-flag check still costs.

Times, on the corpus texts (data/triage/corpus, A, B and T: patients' own words) and the
in-house red-flag and ordinary corpora: the edge's red-flag rules ``red_flags`` (run on
every chat message), the whole edge check ``emergency_hits`` (the rules, then the whole
assessment of a message past the gate of services/clinical/triage/edge.py), a full ``assess`` by the
rules alone, the same by the rules + learned layer, and the learned layer's own
prediction. Prints p50 / p99 / max in milliseconds and the added cost per assessment,
plus the one-off training time at first use and the machine's load average (on a busy
shared machine the p99 measures the scheduler, not the code). Single thread, after a warm-up.

    PYTHONPATH=. .venv/bin/python bench/triage_learned_cost.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

from bench.chat_checks import percentile
from services.clinical.triage import TriageEngine, TriageInput, default_engine
from services.clinical.triage.edge import emergency_hits, worth_assessing
from services.clinical.triage.evaluation import NON_EMERGENCY_CORPUS, RED_FLAG_CORPUS, load_lines
from services.clinical.triage.learned import load_corpus


def timed(items: list[str], call: Callable[[str], object], rounds: int) -> list[float]:
    for text in items[:50]:
        call(text)  # warm-up
    out = []
    for _ in range(rounds):
        for text in items:
            start = time.perf_counter()
            call(text)
            out.append((time.perf_counter() - start) * 1000)
    return out


def line(name: str, ms: list[float]) -> dict[str, float]:
    figures = {"p50": percentile(ms, 0.5), "p99": percentile(ms, 0.99), "max": max(ms)}
    print(f"{name:<44} p50 {figures['p50']:7.3f}  p99 {figures['p99']:7.3f}  max {figures['max']:7.3f} ms")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    engine = default_engine()
    start = time.perf_counter()
    engine.warm_up()
    trained = time.perf_counter() - start
    assert engine.learned is not None
    rules = TriageEngine(engine.knowledge)
    texts = [c.text for c in load_corpus() if not c.train_only]
    chat = texts + load_lines(RED_FLAG_CORPUS) + load_lines(NON_EMERGENCY_CORPUS)
    machine = platform.processor() or platform.machine()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    python = platform.python_version()
    print(f"{machine}, {os.cpu_count()} CPUs, load average {load}, Python {python}; {len(texts)} texts")
    print(f"training the learned layer at first use: {trained:.2f} s")
    line("edge red_flags (rules only, every message)", timed(chat, engine.red_flags, args.rounds))
    gated = [t for t in chat if not engine.red_flags(t) and worth_assessing(t)]
    print(f"messages the edge also assesses whole (no red flag, past the gate): {len(gated)} of {len(chat)}")
    line("edge emergency_hits (rules, then the gate)", timed(chat, lambda t: emergency_hits(engine, t), args.rounds))
    base = line("assess: rules alone", timed(texts, lambda t: rules.assess(TriageInput(text=t)), args.rounds))
    full = line(
        "assess: rules + learned layer", timed(texts, lambda t: engine.assess(TriageInput(text=t)), args.rounds)
    )
    layer = engine.learned
    line(
        "learned prediction alone",
        timed([engine.normalize(t) for t in texts], lambda t: layer.predict(t, None, None, None), args.rounds),
    )
    print(f"added per assessment: p50 {full['p50'] - base['p50']:+.3f} ms, p99 {full['p99'] - base['p99']:+.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
