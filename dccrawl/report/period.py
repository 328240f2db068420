"""The days a report covers: ``--since DAY`` included, ``--until DAY`` excluded, KST days.

As ``export`` and the README's queries count them: ``--since 2026-11-01 --until
2026-12-01`` is November. The site dates every post in KST, so a day here is a KST day
whatever the machine's zone. Either end may be left open. The SQL bounds are text cast to
``timestamptz`` by the queries, an open end being PostgreSQL's ``-infinity`` /
``infinity``: one query text serves every period, and the planner still sees plain range
conditions on ``created_at`` (its index serves them).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, timedelta

from dccrawl.kst import midnight


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` argument (argparse's ``type=``: a bad one is a usage error)."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


@dataclass(frozen=True)
class Period:
    """The KST days a report covers, ``[since, until)``; ``None`` leaves that end open."""

    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.until <= self.since:
            raise ValueError(f"--until {self.until} is not after --since {self.since}")

    @property
    def start(self) -> str:
        """The first instant included, as ``timestamptz`` text."""
        if self.since is None:
            return "-infinity"
        return midnight(self.since).isoformat()

    @property
    def end(self) -> str:
        """The first instant after the period (midnight KST starting ``until``)."""
        if self.until is None:
            return "infinity"
        return midnight(self.until).isoformat()

    @property
    def bounded(self) -> bool:
        """Whether either end is given (the report then covers a part of the gallery)."""
        return self.since is not None or self.until is not None

    def describe(self) -> str:
        """``2026-11-01 – 2026-11-30`` (the days included), an open end shown as ``…``."""
        if not self.bounded:
            return "all stored posts"
        first = self.since.isoformat() if self.since else "…"
        last = (self.until - timedelta(days=1)).isoformat() if self.until else "…"
        return f"{first} – {last}"
