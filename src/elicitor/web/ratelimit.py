"""In-memory token buckets, one per key (a participant link or a client address)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from elicitor.errors import RateLimited


class RateLimiter:
    """Allow ``burst`` requests at once per key, refilled at ``per_minute`` tokens a minute.

    Buckets live in this process only, so each web worker counts on its own. At most
    ``max_keys`` buckets are kept; the least recently used is dropped first, which at worst
    gives a dropped key a full bucket again.
    """

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError(f"per_minute ({per_minute}) and burst ({burst}) must be at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for ``key``; raise RateLimited with ``retry_after`` when empty."""
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - updated) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                error = RateLimited(f"too many requests for this link; wait {wait} s and try again")
                error.retry_after = wait  # type: ignore[attr-defined]
                raise error
            self._buckets[key] = (tokens - 1.0, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
