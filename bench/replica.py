"""The site replica (``testbed/replica``) as a server process for a benchmark, pinned to a core.

The tests' ``ReplicaProcess`` with what every figure wants: ``taskset`` in front
(``prefix``), the replica's log discarded, and a fixed clock, so every crawl of a
figure sees the same pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from testbed.replica.process import ReplicaProcess

ROOT = Path(__file__).resolve().parent.parent
# A fixed clock: the same pages (dates, "today" rows) whatever the day of the run.
NOW = "2026-11-27T00:05:00"


class ReplicaServer(ReplicaProcess):
    """``python -m testbed.replica serve`` on a free port, optionally on one core."""

    base_url: str = ""  # set by ``start`` (a benchmark never reads it before)

    def __init__(
        self, galleries: Sequence[str], *, prefix: Sequence[str] = (), extra: Sequence[str] = ()
    ) -> None:
        args = [part for spec in galleries for part in ("--gallery", spec)]
        super().__init__(
            [*args, "--now", NOW, *extra], prefix=prefix, quiet=True, startup_timeout=60.0
        )
