"""The site's block: a client that asks too fast gets nothing useful for a while.

Reports of the real site (SITE.md §6) say that requesting too fast triggers a
temporary block of about ten minutes during which the whole site stops answering
that client, and they disagree on what a blocked client sees: 429, 403, empty 200s,
a "too many requests" page, connection resets, timeouts. The replica models that:
more than ``N`` requests from one client within ``W`` seconds start a block of
``S`` seconds, during which every request of that client (the one that tripped it
included) gets the configured shape; when it ends, the client starts afresh.

Unlike ``--rate-limit`` (a token bucket that refuses single requests above a rate),
a block refuses everything for its whole length, whatever the client does.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

# What a blocked client sees (``--block-shape``).
BLOCK_SHAPES = ("429", "403", "empty", "reset", "timeout", "page")


@dataclass(frozen=True)
class BlockRule:
    """``--block-after N/W --block-seconds S --block-shape SHAPE``."""

    requests: int  # N: more than this many requests ...
    window: float  # W: ... within this many seconds start a block
    seconds: float  # S: how long a block lasts
    shape: str = "429"

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window <= 0 or self.seconds <= 0:
            raise ValueError(f"a block needs N >= 1, W > 0 and S > 0: {self}")
        if self.shape not in BLOCK_SHAPES:
            raise ValueError(f"block shape must be one of {BLOCK_SHAPES}: {self.shape!r}")

    @classmethod
    def parse_after(cls, text: str) -> tuple[int, float]:
        """``"100/10"`` → ``(100, 10.0)``: N requests per W seconds."""
        count, sep, window = text.partition("/")
        try:
            if not sep:
                raise ValueError
            return int(count), float(window)
        except ValueError:
            message = f"--block-after must be N/W (requests per seconds): {text!r}"
            raise ValueError(message) from None


@dataclass
class Blocker:
    """Per-client request windows and blocks, by the rule."""

    rule: BlockRule
    recent: dict[str, deque[float]] = field(default_factory=dict)
    blocked_until: dict[str, float] = field(default_factory=dict)
    blocks: int = 0  # blocks started
    blocked_requests: int = 0  # requests answered by a block

    def remaining(self, client: str, now: float | None = None) -> float:
        """Seconds left of this client's block (0 when it is not blocked)."""
        now = time.monotonic() if now is None else now
        return max(0.0, self.blocked_until.get(client, 0.0) - now)

    def check(self, client: str, now: float | None = None) -> bool:
        """Count one request of ``client``; True when a block answers it."""
        now = time.monotonic() if now is None else now
        if self.remaining(client, now) > 0:
            self.blocked_requests += 1
            return True
        window = self.recent.setdefault(client, deque())
        window.append(now)
        while window and window[0] <= now - self.rule.window:
            window.popleft()
        if len(window) > self.rule.requests:
            self.blocks += 1
            self.blocked_until[client] = now + self.rule.seconds
            window.clear()  # after the block, the client starts afresh
            self.blocked_requests += 1
            return True
        return False
