"""The per-patient booking limit (RATE_LIMIT_BOOKINGS_PER_PATIENT), checked by the view
with one hit on the limiter's own storage (issue 14).

Through Flask-Limiter's decorator the check cost more than the rest of the edge
together at the 08:00 peak: the app-wide pass over an exempt blueprint, the limit's
callable called and its string parsed on every request, then the rate-limit headers
on every answer. Here the limit is parsed once per string, the same storage is hit
(Redis when configured, so the count is shared by every process) with the same
strategy, and the same 429 follows. Flask-Limiter's middleware skips this
route (`init_app`'s request filter). When the storage fails, the count goes on in
this process's memory, as the limiter's own fallback does (RATELIMIT_IN_MEMORY_FALLBACK).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache, partial, wraps
from typing import Any

from flask import Flask, Response
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter
from werkzeug.exceptions import TooManyRequests

from web.context import current_flask, current_request
from web.extensions import limiter, patient_key

ENDPOINT = "api.create_appointment"
SCOPE = "bookings-per-patient"
log = logging.getLogger(__name__)
_fallback: dict[type[RateLimiter], RateLimiter] = {}
_filtered: list[bool] = []


@lru_cache(maxsize=16)
def _parsed(limit: str) -> RateLimitItem:
    return parse(limit)


def check(limit: str) -> None:
    """Count this booking attempt against its patient's limit; 429 when over it."""
    item, strategy = _parsed(limit), limiter.limiter
    prefix = current_flask().config.get("RATELIMIT_KEY_PREFIX")  # as Flask-Limiter names its keys
    identifiers = (prefix, SCOPE, patient_key()) if prefix else (SCOPE, patient_key())
    try:
        allowed = strategy.hit(item, *identifiers)
    except Exception as exc:  # any storage failure: redis-py's ConnectionError is no OSError
        log.warning("booking limit storage failed, counting in memory: %s", type(exc).__name__)
        kind = type(strategy)
        allowed = _fallback.setdefault(kind, kind(MemoryStorage())).hit(item, *identifiers)
    if not allowed:
        raise TooManyRequests()


def _is_booking() -> bool:
    return current_request().endpoint == ENDPOINT


def init_app(app: Flask) -> None:
    """Flask-Limiter (one for every app of the process) leaves the booking route to `check`.

    Call after `limiter.init_app(app)`. The request filter alone still left the limiter's
    before-request pass to run on every attempt (resolving the route's exemptions and
    limits to find none: about 3% of an attempt's CPU at the 08:00 peak, issue 14), so
    that pass is wrapped to return at once on the booking route. Nothing is lost: the
    app has no meta limits, and the filter exempted the route from every other limit."""
    if not _filtered:
        limiter.request_filter(_is_booking)
        _filtered.append(True)
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if hook == limiter._check_request_limit:  # a bound method: equal, not identical
            hooks[index] = _unless_booking(hook)
    # Its after-request headers and teardown have nothing to do on the booking route either
    # (no limit was looked at, so none to report or reset), and each built the limiter's
    # per-request context through three proxy reads (issue 14, session 30).
    after = app.after_request_funcs.setdefault(None, [])
    inject = getattr(type(limiter), "_Limiter__inject_headers", None)  # registered as partial(inject, limiter)
    for index, answer in enumerate(after):
        if isinstance(answer, partial) and answer.func is inject and answer.args == (limiter,):
            after[index] = _answer_unless_booking(answer)
    teardown = app.teardown_request_funcs.setdefault(None, [])
    for index, release in enumerate(teardown):
        if release == getattr(limiter, "_Limiter__release_context", None):
            teardown[index] = _teardown_unless_booking(release)


def _unless_booking(check: Callable[[], object]) -> Callable[[], None]:
    @wraps(check)
    def _check_unless_booking() -> None:
        if current_request().endpoint != ENDPOINT:
            check()

    return _check_unless_booking


def _answer_unless_booking(hook: Callable[[Response], Any]) -> Callable[[Response], Any]:
    @wraps(hook)
    def _inject_unless_booking(response: Response) -> Any:
        return response if current_request().endpoint == ENDPOINT else hook(response)

    return _inject_unless_booking


def _teardown_unless_booking(hook: Callable[[BaseException | None], Any]) -> Callable[[BaseException | None], None]:
    @wraps(hook)
    def _release_unless_booking(exc: BaseException | None = None) -> None:
        if current_request().endpoint != ENDPOINT:
            hook(exc)

    return _release_unless_booking
