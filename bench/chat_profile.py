"""Where a chat turn's time went, from the processes' own request logs (web/requestlog.py
writes one JSON line per request with its route and `duration_ms`): the chat view's own
time in the `web` gunicorn (what the patient waited beyond it was queueing in front of
it), and the v1 API calls the actions made, in the `api` gunicorn, per turn.

bench/chat_latency.py marks the logs before each path and level and reads what was added."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.chat_checks import percentile


@dataclass(frozen=True)
class LogMark:
    """How far each request log had got: what follows belongs to the run after the mark."""

    offsets: dict[Path, int]

    @classmethod
    def of(cls, directory: Path) -> LogMark:
        return cls({log: log.stat().st_size for log in request_logs(directory)})

    def added(self, kind: str) -> list[dict[str, object]]:
        lines: list[dict[str, object]] = []
        for log, offset in self.offsets.items():
            if log.parent.name != kind:
                continue
            with log.open("rb") as handle:
                handle.seek(offset)
                lines += requests_in(handle.read().decode("utf-8", errors="replace"))
        return lines


def request_logs(directory: Path) -> list[Path]:
    return sorted([*directory.glob("web/gunicorn-*.log"), *directory.glob("api/gunicorn-*.log")])


def requests_in(chunk: str) -> list[dict[str, object]]:
    found = []
    for line in chunk.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("message") == "request" and "duration_ms" in entry:
            found.append(entry)
    return found


def _ms(entries: list[dict[str, object]]) -> list[float]:
    return [float(str(e["duration_ms"])) for e in entries]


def profile_lines(label: str, mark: LogMark, turns: int) -> str:
    """A few lines: the chat view's p50/p95, and the actions' API calls per turn and their cost."""
    chat = _ms([e for e in mark.added("web") if e.get("route") == "/api/v1/chat"])
    api = mark.added("api")
    by_route: dict[str, list[float]] = defaultdict(list)
    for entry in api:
        by_route[str(entry.get("route"))].append(float(str(entry["duration_ms"])))
    lines = [f"- **{label}**:"]
    if chat:
        lines.append(
            f"  the chat view ran p50 {percentile(chat, 0.5):,.0f} ms, p95 {percentile(chat, 0.95):,.0f} ms "
            f"({len(chat)} requests)"
        )
    calls = _ms(api)
    per_turn = len(calls) / turns if turns else 0.0
    refused = sum(1 for e in api if not str(e.get("status", "")).startswith(("2", "3")))
    lines.append(
        f"  v1 API calls by the actions: {len(calls)} ({per_turn:.1f} per turn, {refused} not 2xx/3xx), "
        f"p50 {percentile(calls, 0.5):,.0f} ms, p95 {percentile(calls, 0.95):,.0f} ms, "
        f"{sum(calls) / turns if turns else 0:,.0f} ms per turn in all"
    )
    heaviest = sorted(by_route.items(), key=lambda item: -sum(item[1]))[:3]
    if heaviest:
        lines.append(
            "  heaviest: "
            + "; ".join(f"{route} x{len(ms)} p50 {percentile(ms, 0.5):,.0f} ms" for route, ms in heaviest)
        )
    return "\n".join(lines)
