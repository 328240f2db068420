"""Which core runs what: the replica on one, the crawler on another (``taskset``).

The end-to-end figures compare two crawls of a local replica; if the replica
shared a core with the crawler, the replica's own work would be counted as the
crawler's cost. With at least two cores available the replica gets the first
and every crawl the second; PostgreSQL is left to the scheduler (it is part of
what storing costs). On one core, or without ``taskset``, nothing is pinned and
the run says so.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cores:
    """The core for the replica and the one for crawls (``None``: not pinned)."""

    replica: int | None
    crawler: int | None

    def prefix(self, core: int | None) -> list[str]:
        """``["taskset", "-c", "N"]`` for a command to run on ``core``; ``[]`` when not pinned."""
        return ["taskset", "-c", str(core)] if core is not None else []

    def describe(self) -> str:
        if self.replica is None or self.crawler is None:
            return "not pinned"
        return f"replica on core {self.replica}, crawler on core {self.crawler}"


def choose() -> Cores:
    """The first two cores this process may use, if there are two and ``taskset`` exists."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2 or shutil.which("taskset") is None:
        logger.warning("Fewer than two cores or no taskset: replica and crawler are not pinned")
        return Cores(None, None)
    return Cores(available[0], available[1])
