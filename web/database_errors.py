"""A lost database is a 503 with Retry-After and a kind sentence, never a 500 with a trace.

During a PostgreSQL failover (the primary dies, the standby is promoted: seconds, see
docs/operations.md) every request that needed the database fails with a driver error:
the pool's connection was cut, the next host refused writes, a statement hit its timeout.
None of that is the patient's fault or a bug, and a retry a little later will likely
succeed, so the answer says so: 503, `Retry-After`, and the same JSON shape as every other
error. What happened to a write whose commit was cut off is unknown to us too; the API's
idempotency keys make the retry safe.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from web.console import error_pages
from web.errors import error_response

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
MESSAGE = "系统正在短暂维护，请过一会儿再试。您刚才的操作如果没有收到确认，请稍后查看或重新提交；着急请致电医院"


def unavailable() -> Response:
    if error_pages.wants_page():
        response = error_pages.page(503, "系统正在短暂维护，请过一会儿刷新页面再试")
    else:
        response = jsonify({"error": "unavailable", "message": MESSAGE})
        response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# SQLite reports a broken schema or bad SQL as an OperationalError too: those are bugs (a
# 500, logged with the trace), not an outage a retry would get past.
_SQLITE_BUGS = ("no such table", "no such column", "has no column", "syntax error")


def _is_a_bug(exc: OperationalError) -> bool:
    if exc.connection_invalidated:
        return False
    said = str(exc.orig).lower()
    return any(words in said for words in _SQLITE_BUGS)


def _internal() -> Response | tuple[Response, int]:
    """What web/errors.py answers for any other unexpected failure."""
    log.exception("unhandled error")
    if error_pages.wants_page():
        return error_pages.page(500), 500
    return error_response("internal", "系统繁忙，请稍后再试。如需帮助请致电医院", 500)


def init_app(app: Flask) -> None:
    """Register on the app, beside web/errors.py (Flask picks the most specific class, so
    these win over its catch-all 500 and leave every other error to it)."""

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Response | tuple[Response, int]:
        if _is_a_bug(exc):
            return _internal()
        # The driver's class and whether the connection died; never the statement (it may
        # hold personal data even with hidden parameters).
        log.warning(
            "database unavailable",
            extra={"error_class": type(exc.orig).__name__, "disconnect": exc.connection_invalidated},
        )
        return unavailable()

    @app.errorhandler(InterfaceError)
    @app.errorhandler(DBAPIError)
    def _dbapi(exc: DBAPIError) -> Response | tuple[Response, int]:
        if not (exc.connection_invalidated or isinstance(exc, InterfaceError)):
            return _internal()  # a real bug (an integrity error not caught, bad SQL)
        log.warning("database connection lost", extra={"error_class": type(exc.orig).__name__})
        return unavailable()

    @app.errorhandler(PoolTimeout)
    def _pool(exc: PoolTimeout) -> Response:
        log.warning("database pool exhausted")
        return unavailable()
