"""Injected failures: per-request faults drawn deterministically, and the per-client limit.

A request's fault is decided by hash(seed, fault, method+URL+body, attempt) < rate, where
attempt counts earlier identical requests: the same request retried gets a fresh draw, so
a crawl that retries eventually gets through, and two runs with the same seed and the same
request order see the same faults.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping

from .hashing import unit
from .options import REQUEST_FAULTS


class FaultPlan:
    """Which request faults are on, and the attempt counts that make retries fresh."""

    def __init__(self, seed: int, rates: Mapping[str, float]) -> None:
        self.seed = seed
        self.rates = [(name, rates[name]) for name in REQUEST_FAULTS if rates.get(name, 0) > 0]
        self.attempts: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        return bool(self.rates)

    def pick(self, request_key: str) -> str | None:
        """The fault for this request (at most one), counting it as one more attempt."""
        if not self.rates:
            return None
        attempt = self.attempts[request_key]
        self.attempts[request_key] = attempt + 1
        for name, rate in self.rates:
            if unit(self.seed, name, request_key, attempt) < rate:
                return name
        return None


class RateLimiter:
    """A token bucket per client address: N requests per second, bursts of at most N."""

    def __init__(self, per_second: float) -> None:
        self.rate = per_second
        self.capacity = max(1.0, per_second)
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[client] = (tokens - 1.0, now)
            return True
        self.buckets[client] = (tokens, now)
        return False
