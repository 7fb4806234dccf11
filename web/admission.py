"""Graceful overload: a separate number of requests in flight per route class, per
gunicorn process (issue 14).

At the 08:00 release everyone books at once. Without a limit, every thread waits
on the database's one writer and chat turns and red-flag answers queue behind the
bookings. Each class gets its own gate: bookings (`POST /api/v1/appointments`),
chat turns (`POST /api/v1/chat`), and red-flag answers (`POST /api/v1/triage`, and a
chat message that carries a red flag). A request waits at most its class's
`WAIT_SECONDS` for room, so what is admitted keeps a bounded latency and the rest
get a quick 503 with Retry-After and a message in Chinese, never a multi-second
timeout. gunicorn needs more threads than the gates together (gunicorn.conf.py),
or the queue would form in gunicorn, out of the gates' sight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, jsonify

from config import Settings
from web.context import current_g, current_request
from web.extensions import red_flag_message

WAIT_SECONDS = {"booking": 0.5, "chat": 2.0, "triage": 5.0}
RETRY_AFTER = {"booking": 2, "chat": 3, "triage": 1}
MESSAGES: dict[str, Callable[[int], str]] = {
    "booking": lambda ahead: "现在挂号的人很多，请几秒后再试一次，号源不会因此被占用",
    "chat": lambda ahead: f"排队中，您前面还有{ahead}人，请几秒后再发一次",
    "triage": lambda ahead: "现在咨询的人很多。如果情况紧急，请立即拨打120或到最近的急诊",
}


class Gate:
    """A counting gate that says, when it refuses, how many were waiting ahead."""

    def __init__(self, limit: int, wait_seconds: float) -> None:
        self.limit, self.wait_seconds = limit, wait_seconds
        self.active = self.waiting = 0
        self._cond = threading.Condition()

    def enter(self) -> int | None:
        """None when admitted; otherwise the number still ahead when we gave up."""
        with self._cond:
            if self.active < self.limit:
                self.active += 1
                return None
            deadline = time.monotonic() + self.wait_seconds
            self.waiting += 1
            try:
                while self.active >= self.limit:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return self.waiting
                    self._cond.wait(left)
                self.active += 1
                return None
            finally:
                self.waiting -= 1

    def leave(self) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify()


@dataclass(frozen=True)
class Gates:
    booking: Gate
    chat: Gate
    triage: Gate

    @classmethod
    def from_settings(cls, settings: Settings) -> Gates:
        return cls(
            Gate(settings.admission_booking, WAIT_SECONDS["booking"]),
            Gate(settings.admission_chat, WAIT_SECONDS["chat"]),
            Gate(settings.admission_triage, WAIT_SECONDS["triage"]),
        )


def route_class() -> str | None:
    in_hand = current_request()
    if in_hand.method != "POST":
        return None
    endpoint = in_hand.endpoint
    if endpoint == "api.create_appointment":
        return "booking"
    if endpoint == "api.triage":
        return "triage"
    if endpoint == "api.chat":
        return "triage" if red_flag_message() else "chat"
    return None


def init_app(app: Flask) -> None:
    gates = Gates.from_settings(app.config["SETTINGS"])
    app.extensions["admission"] = gates

    @app.before_request
    def _admit() -> tuple[Response, int] | None:
        kind = route_class()
        if kind is None:
            return None
        gate: Gate = getattr(gates, kind)
        ahead = gate.enter()
        if ahead is None:
            current_g().admission_gate = gate
            return None
        response = jsonify({"error": "busy", "message": MESSAGES[kind](max(ahead, 1)), "route_class": kind})
        response.headers["Retry-After"] = str(RETRY_AFTER[kind])
        return response, 503

    @app.teardown_request
    def _release(_exc: BaseException | None) -> None:
        gate = current_g().pop("admission_gate", None)
        if gate is not None:
            gate.leave()
