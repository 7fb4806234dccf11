"""Structured request logs with a request id, and Prometheus request metrics.

Logs carry the route template (`/api/v1/appointments/<appointment_id>/cancel`),
never the query string or body, so no personal data reaches them.

One line per request, except on the booking route (`QUIET_ROUTES`): at the 08:00
release it takes hundreds of attempts a second, and a JSON line each (formatted,
then written to stderr with a system call) cost about a twentieth of an attempt's
CPU (issue 14). There a line is written for a 5xx answer, and otherwise one summary
line per process every `SUMMARY_EVERY_SECONDS` (how many, by status, the slowest);
each attempt is still timed in the latency histogram, a booking's audit entry keeps
its request id, and a refused one logs its domain error as before.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import Counter
from typing import Any

from flask import Flask, Response, g
from pythonjsonlogger.json import JsonFormatter

from web.context import current_g, current_request
from web.metrics import REQUEST_LATENCY

log = logging.getLogger("hospital.request")
REQUEST_ID_MAX = 40  # AuditEntry.request_id is String(40): an id that does not fit is not kept
_REQUEST_ID = re.compile(rf"^[A-Za-z0-9._-]{{1,{REQUEST_ID_MAX}}}$")
QUIET_ROUTES = frozenset({("POST", "/api/v1/appointments")})  # (method, route template)
SUMMARY_EVERY_SECONDS = 10.0


class RouteSummary:
    """A quiet route's requests in this process since its last summary line."""

    def __init__(self, method: str, route: str) -> None:
        self._method, self._route = method, route
        self._lock = threading.Lock()
        self._start(time.monotonic())

    def _start(self, now: float) -> None:
        self._since = now
        self._statuses: Counter[int] = Counter()
        self._slowest = 0.0

    def add(self, status: int, elapsed: float, now: float | None = None) -> dict[str, Any] | None:
        """Count one request; the summary to log when the period is over (then start afresh)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._statuses[status] += 1
            self._slowest = max(self._slowest, elapsed)
            if now - self._since < SUMMARY_EVERY_SECONDS:
                return None
            summary = {
                "method": self._method,
                "route": self._route,
                "requests": sum(self._statuses.values()),
                "statuses": {str(code): n for code, n in sorted(self._statuses.items())},
                "slowest_ms": round(self._slowest * 1000, 2),
                "period_s": round(now - self._since, 1),
            }
            self._start(now)
            return summary


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr, once per process (tests' own handlers are left alone)."""
    root = logging.getLogger()
    if any(getattr(h, "hospital_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdFilter())
    handler.hospital_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    summaries = {key: RouteSummary(*key) for key in QUIET_ROUTES}

    @app.before_request
    def _start() -> None:
        incoming = current_request().headers.get("X-Request-ID", "")
        request_globals = current_g()
        request_globals.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        request_globals.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_globals, in_hand = current_g(), current_request()
        elapsed = time.perf_counter() - request_globals.get("started", time.perf_counter())
        route = in_hand.url_rule.rule if in_hand.url_rule else "<unmatched>"
        REQUEST_LATENCY.labels(in_hand.method, route, str(response.status_code)).observe(elapsed)
        response.headers["X-Request-ID"] = request_globals.get("request_id", "")
        summary = summaries.get((in_hand.method, route))
        if summary is not None and response.status_code < 500:
            counted = summary.add(response.status_code, elapsed)
            if counted is not None:
                log.info("requests", extra=counted)
            return response
        log.info(
            "request",
            extra={
                "method": in_hand.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response
