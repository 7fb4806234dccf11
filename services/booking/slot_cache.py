"""A short-lived cache of slot listings, so a crowd refreshing at 08:00 reads memory,
not the database (issue 14).

Entries live `TTL_SECONDS` at most, per process; a sale or a returned place in
this process drops the affected listings at once (`invalidate`), and a sale in
another process shows within the TTL. Each listing carries an ETag (a digest of
its content), so a client asking again with If-None-Match gets a 304 and no body.
The cache holds only what any caller may see (the public listing): no patient data.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

TTL_SECONDS = 1.5
MAX_ENTRIES = 4096  # departments x days a crowd can ask for; beyond it, start afresh


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]]
    etag: str
    body: bytes  # the JSON, serialised once for every reader


def make_listing(items: list[dict[str, Any]]) -> Listing:
    body = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
    return Listing(items, hashlib.blake2b(body, digest_size=12).hexdigest(), body)


class SlotCache:
    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._entries: dict[tuple[str, str, date], tuple[float, Listing]] = {}
        self._generation = 0  # bumped by every invalidation: a load that straddles one is not kept
        self._lock = threading.Lock()

    def get(self, scope: str, department: str, day: date, load: Callable[[], list[dict[str, Any]]]) -> Listing:
        """The cached listing, or `load()`'s, kept for the TTL. `scope` names the database."""
        key = (scope, department, day)
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        generation = self._generation
        listing = make_listing(load())
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            if generation == self._generation:
                self._entries[key] = (now, listing)
        return listing

    def invalidate(self, scope: str, day: date, department: str | None = None) -> None:
        """Drop a department's listing for a day, or every department's when not known."""
        with self._lock:
            self._generation += 1
            for key in [k for k in self._entries if k[0] == scope and k[2] == day and department in (None, k[1])]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def scope_of(session: Session) -> str:
    """The database a session writes to: a listing is cached per database."""
    return url_scope(session.get_bind().engine.url)


@lru_cache(maxsize=32)
def url_scope(url: URL) -> str:
    """A database's URL as the cache's scope. Rendered once per URL (it is immutable): rendering
    took tens of microseconds, and every booking invalidates its day (issue 14, session 30)."""
    return str(url)


listings = SlotCache()
