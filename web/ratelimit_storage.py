"""Rate-limit storage for the embedded default (no Redis).

`limits`' own memory storage starts a 10 ms timer thread on almost every
increment to sweep expired counters; under a booking rush that is a thread
start per request, measured at about 2 ms each. Counters are already expired
when read, so sweeping only frees memory: here it happens inline, at most
every few seconds, with no thread.
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage

SWEEP_INTERVAL_SECONDS = 5.0


class SweepingMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["sweeping-memory"]  # noqa: RUF012 - the registry reads this class attribute

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        self._last_sweep = time.monotonic()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the base's private hook
        now = time.monotonic()
        if now - self._last_sweep >= SWEEP_INTERVAL_SECONDS:
            self._last_sweep = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
