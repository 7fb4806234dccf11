"""Structured request logs with a request id, and Prometheus request metrics.

Logs carry the route template (`/api/v1/appointments/<appointment_id>/cancel`),
never the query string or body, so no personal data reaches them.
"""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

from web.metrics import REQUEST_LATENCY

log = logging.getLogger("hospital.request")
REQUEST_ID_MAX = 40  # AuditEntry.request_id is String(40): an id that does not fit is not kept
_REQUEST_ID = re.compile(rf"^[A-Za-z0-9._-]{{1,{REQUEST_ID_MAX}}}$")


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
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(elapsed)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response
