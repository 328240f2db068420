"""The lines an export prints: progress while a table is written, and a summary of each.

A progress line (``export: comments 420,000/1,000,000 rows, 12.3 MB written``) goes out
at most every ``every`` seconds, so a large table shows it is moving without flooding a
log; the total is a ``count(*)`` taken before the rows are read, in the same snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MB = 1_000_000


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def summary_line(table: str, rows: int, files: int, size: int, seconds: float) -> str:
    """The line that closes a table: ``export: posts: 50,000 rows, 7 files, 48.2 MB in 3.1 s``."""
    return (
        f"export: {table}: {rows:,} rows, {files:,} file{'s' if files != 1 else ''}, "
        f"{megabytes(size)} in {seconds:.1f} s"
    )


class Progress:
    """Prints ``table``'s progress through ``say`` every ``every`` seconds at most."""

    def __init__(
        self,
        table: str,
        total: int,
        say: Callable[[str], None],
        *,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.total = total
        self._say = say
        self._every = every
        self._clock = clock
        self._last = clock()

    def line(self, rows: int, size: int) -> str:
        return f"export: {self.table} {rows:,}/{self.total:,} rows, {megabytes(size)} written"

    def update(self, rows: int, size: Callable[[], int]) -> None:
        """Say where the table is, if the last line is ``every`` seconds old (``size`` is
        asked only then: it reads the files' sizes)."""
        now = self._clock()
        if now - self._last >= self._every:
            self._last = now
            self._say(self.line(rows, size()))
