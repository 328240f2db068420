"""``BufferedWriter``: buffers rows and writes them to PostgreSQL in batches, exactly once.

The caller never waits on the database: :meth:`~BufferedWriter.add` appends an
entry (a row and whatever its writer needs to know about it) to an in-memory
buffer and returns. A background task (the flusher) writes a batch when
``batch_size`` entries are buffered or the oldest has waited ``batch_seconds``,
and :meth:`~BufferedWriter.close` waits for the last one, so every buffered entry
is written however the crawl ends (a normal end, a ``CloseSpider``, SIGTERM: all
go through the pipelines' ``close_spider``).

What one batch writes is the owner's: a ``write(connection, entries)`` coroutine,
run in one transaction of its own (``dccrawl.db.writer.write_entries`` for posts
and comments, ``dccrawl.db.media.write_media_entries`` for ``post_media``). What
the owner hears back are plain callbacks: ``written`` (a batch committed, with
what ``write`` returned), ``rejected`` (an entry the database refused), ``retried``
(a batch goes again after a failure) and ``gave_up`` (the retry budget is spent).
This module knows no crawl: the pipelines count those in the stats and close the
spider.

Failures, and why they are handled as they are:

* A bad entry (a value of a type PostgreSQL refuses) fails its whole batch's
  transaction. The batch is then split in halves and retried until the bad entry
  is alone; it is handed to ``rejected`` with the reason (the pipelines log it with
  its key and count it); every other entry of the batch is written.
* A lost database (refused connection, server restart, terminated session) or a
  transient conflict (deadlock, serialization failure) keeps the batch and
  retries it on a fresh connection with exponential backoff (0.25 s doubling up to
  30 s) for at most ``retry_seconds`` of continuous outage. Nothing is dropped
  meanwhile. If the database is still gone after that, ``gave_up`` is called (the
  pipelines close the spider: crawling on would only fill memory). At close,
  whatever could not be written is still in the buffer: :meth:`~BufferedWriter.close`
  returns how many entries that is, for the owner to report.
* Anything else (a missing table, a bug) is retried the same way and, failing
  that, reported as unwritten: never is a whole batch thrown away entry by entry.
* While the database is away the buffer would grow without end; above
  ``max_buffer`` entries :meth:`~BufferedWriter.add` waits for room, which slows
  the crawl down (Scrapy stops scheduling new work while items are in progress).

:meth:`~BufferedWriter.open` first brings the schema up to date (``migrate``, once,
under an advisory lock) and connects, retrying a server that is not up yet for at
most ``OPEN_RETRY_SECONDS``: at start a wrong URL should fail soon, not after minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import psycopg

from dccrawl.db.connect import permanent_failure
from dccrawl.db.connection import ReconnectingConnection
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact

logger = logging.getLogger(__name__)

FIRST_DELAY = 0.25  # seconds before the first retry; doubled after each failure
MAX_DELAY = 30.0  # the longest wait between two attempts
OPEN_RETRY_SECONDS = 30.0  # at most this long (and within retry_seconds) to get a first connection

E = TypeVar("E")  # one buffered entry
R = TypeVar("R")  # what ``write`` says one committed batch did


@dataclass(frozen=True)
class BufferLimits:
    """When a batch is written, how long an outage is waited out, how much is buffered."""

    batch_size: int = 2000  # entries per batch: a full batch is written at once (at least 1)
    batch_seconds: float = 2.0  # the oldest entry waits at most this long for its batch
    retry_seconds: float = 300.0  # continuous outage retried before giving up
    max_buffer: int = 40_000  # add() waits while this many are buffered (at least a batch)

    def __post_init__(self) -> None:
        object.__setattr__(self, "batch_size", max(1, self.batch_size))
        object.__setattr__(self, "max_buffer", max(self.batch_size, self.max_buffer))


class BufferedWriter(Generic[E, R]):
    """Buffers entries and writes them in batches (see the module docstring)."""

    def __init__(
        self,
        write: Callable[[psycopg.AsyncConnection, list[E]], Awaitable[R]],
        limits: BufferLimits,
        *,
        written: Callable[[R], None],
        rejected: Callable[[E, str], None],
        retried: Callable[[], None],
        gave_up: Callable[[], None],
    ) -> None:
        self.write = write
        self.limits = limits
        self.batch_size = limits.batch_size  # read for every entry: kept at hand
        self.max_buffer = limits.max_buffer
        self.written = written
        self.rejected = rejected
        self.retried = retried
        self.gave_up = gave_up
        self.connection: ReconnectingConnection | None = None
        self._buffer: list[E] = []
        self._oldest: float | None = None  # monotonic time the oldest buffered entry arrived
        self._wake = asyncio.Event()  # something for the flusher to look at
        self._room = asyncio.Event()  # the buffer is below max_buffer again
        self._flusher: asyncio.Task[None] | None = None
        self._closing = False
        self._outage_since: float | None = None  # start of the current run of failures
        self._gave_up = False  # the retry budget ran out; the owner is stopping

    @property
    def buffered(self) -> int:
        """Entries buffered and not yet written."""
        return len(self._buffer)

    # --- life cycle -------------------------------------------------------------

    async def open(self, connection: ReconnectingConnection) -> None:
        """Bring the schema up to date, connect and start the flusher.

        Raises the last ``psycopg.OperationalError``/``ProgrammingError`` when the
        database cannot be used: refused for good (``permanent_failure``), or still
        not up after ``OPEN_RETRY_SECONDS`` (at most ``retry_seconds``)."""
        self.connection = connection
        deadline = time.monotonic() + min(self.limits.retry_seconds, OPEN_RETRY_SECONDS)
        delay = FIRST_DELAY
        while True:
            try:
                # migrate() logs each migration it applies.
                await asyncio.to_thread(migrate, connection.url)
                await connection.get()
                break
            except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or permanent_failure(exc):
                    raise
                logger.warning("Database not ready (%s); retrying", redact(str(exc)).strip())
                await asyncio.sleep(min(delay, remaining))
                delay = min(delay * 2, MAX_DELAY)
        self._room.set()
        self._flusher = asyncio.create_task(self._run_flusher(), name="dccrawl-db-flusher")

    async def add(self, entry: E) -> None:
        """Buffer one entry for the flusher (waits only when the buffer is full)."""
        if not self._buffer:
            self._oldest = time.monotonic()
            self._wake.set()  # the flusher starts timing this batch
        self._buffer.append(entry)
        if len(self._buffer) >= self.batch_size:
            self._wake.set()
        while len(self._buffer) >= self.max_buffer and not (self._gave_up or self._closing):
            self._room.clear()
            await self._room.wait()

    async def close(self) -> int:
        """Write everything still buffered (retrying within the budget) and disconnect.

        Returns how many entries could not be written (0 when all were)."""
        self._closing = True
        self._wake.set()
        self._room.set()
        if self._flusher is not None:
            await self._flusher
            self._flusher = None
        while self._buffer:
            if not await self._flush(self._take()):
                break
        if self.connection is not None:
            await self.connection.close()
        return len(self._buffer)

    # --- buffering --------------------------------------------------------------

    def _take(self) -> list[E]:
        """Remove and return the next batch from the buffer."""
        batch = self._buffer[: self.batch_size]
        del self._buffer[: self.batch_size]
        if not self._buffer:
            self._oldest = None
        # else: what is left is at least as old as the batch taken, so it stays due.
        return batch

    def _due(self) -> bool:
        if not self._buffer:
            return False
        if len(self._buffer) >= self.batch_size:
            return True
        return (
            self._oldest is not None
            and time.monotonic() - self._oldest >= self.limits.batch_seconds
        )

    async def _run_flusher(self) -> None:
        """Write batches as they become due until close() takes over."""
        while not self._closing:
            timeout = None
            if self._buffer and self._oldest is not None:
                timeout = max(0.0, self._oldest + self.limits.batch_seconds - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            while self._due() and not self._closing:
                try:
                    written = await self._flush(self._take())
                except Exception:  # a bug here must not leave entries silently unwritten
                    logger.exception("Unexpected error in the database writer")
                    written = False
                self._room.set()
                if not written:
                    self._give_up()
                    return

    def _give_up(self) -> None:
        """The retry budget is spent: stop filling a buffer nobody will write."""
        if self._gave_up:
            return
        self._gave_up = True
        self._room.set()
        self.gave_up()

    # --- writing ----------------------------------------------------------------

    async def _flush(self, batch: list[E]) -> bool:
        """Write *batch*; True when done (entries written or rejected).

        On False (retry budget spent) the unwritten part is back at the front of
        the buffer."""
        assert self.connection is not None, "open() first"
        pending: deque[list[E]] = deque([batch])
        delay = FIRST_DELAY
        while pending:
            chunk = pending[0]
            try:
                conn = await self.connection.get()
                result = await self.write(conn, chunk)
            except Exception as exc:
                if not self._is_entry_error(exc):
                    await self.connection.close()
                    now = time.monotonic()
                    if self._outage_since is None:
                        self._outage_since = now
                    remaining = self._outage_since + self.limits.retry_seconds - now
                    if remaining <= 0 or self._gave_up:
                        for rest in reversed(pending):
                            self._buffer[:0] = rest
                        if self._oldest is None:
                            self._oldest = now
                        return False
                    self.retried()
                    logger.warning(
                        "Database write failed (%s); retrying %d item(s) in %.2f s",
                        redact(str(exc)).strip() or type(exc).__name__,
                        sum(len(c) for c in pending),
                        min(delay, remaining),
                    )
                    await asyncio.sleep(min(delay, remaining))
                    delay = min(delay * 2, MAX_DELAY)
                    continue
                pending.popleft()
                if len(chunk) == 1:
                    self.rejected(chunk[0], redact(str(exc)).strip() or type(exc).__name__)
                else:  # isolate the bad entry: retry each half on its own
                    half = len(chunk) // 2
                    pending.appendleft(chunk[half:])
                    pending.appendleft(chunk[:half])
                continue
            pending.popleft()
            self._outage_since = None
            self._gave_up = False
            delay = FIRST_DELAY
            self.written(result)
        return True

    def _is_entry_error(self, exc: BaseException) -> bool:
        """Whether *exc* is about a value in the batch (then one entry is to blame: bisect).

        Anything else (a lost connection, a deadlock, a missing table, a bug) is
        retried as a whole within the retry budget and, failing that, reported
        as unwritten: never is a whole batch thrown away entry by entry."""
        if self.connection is None or not self.connection.usable:
            return False
        if isinstance(exc, psycopg.DataError | psycopg.IntegrityError):
            return True
        if isinstance(exc, psycopg.Error):
            return exc.sqlstate is None  # raised client-side: a value psycopg cannot send
        return isinstance(exc, TypeError | ValueError | OverflowError)
