"""``PostgresPipeline``: buffers items and writes them to PostgreSQL in batches, exactly once.

The crawl never waits on the database: ``process_item`` turns the item into a row,
appends it to an in-memory buffer and returns. A background task writes a batch
(``dccrawl.db.writer``) when ``DCCRAWL_DB_BATCH_SIZE`` items are buffered or the
oldest has waited ``DCCRAWL_DB_BATCH_SECONDS``, and ``close_spider`` waits for the
last one, so a normal end, a ``CloseSpider`` and SIGTERM (scrapyd's cancel: Scrapy
shuts down gracefully through ``close_spider``) all write every buffered item.

Failures, and why they are handled as they are:

* A bad item (a value of a type PostgreSQL refuses) fails its whole batch's
  transaction. The batch is then split in halves and retried until the bad item
  is alone; it is logged with its key and the reason and counted in
  ``dccrawl/db/rejected``; every other item of the batch is written.
* A lost database (refused connection, server restart, terminated session) or a
  transient conflict (deadlock, serialization failure) keeps the batch and
  retries it on a fresh connection with exponential backoff (0.25 s doubling up to
  30 s) for at most ``DCCRAWL_DB_RETRY_SECONDS`` of continuous outage. Nothing is
  dropped meanwhile. If the database is still gone after that, the spider is
  closed (reason ``database_unavailable``): crawling on would only fill memory.
  At close, whatever could not be written is logged, counted in
  ``dccrawl/db/unwritten`` and ``dccrawl/failed_reason`` is set to ``database`` so
  the run exits non-zero.
* While the database is away the buffer would grow without end; above
  ``DCCRAWL_DB_MAX_BUFFER`` items ``process_item`` waits for room, which slows the
  crawl down (Scrapy stops scheduling new work while items are in progress).

The URL is resolved by ``dccrawl.db.connect`` and only ever logged redacted;
migrations run once at ``open_spider`` under an advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

import psycopg
from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider

from dccrawl import stats as S
from dccrawl.db.connect import DatabaseTarget, permanent_failure, resolve_database
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact
from dccrawl.db.rows import BadKey, Key, Kind, Row, item_kind, to_row
from dccrawl.db.writer import BatchResult, prepare_connection, unique_sorted, write_batch
from dccrawl.items import CommentBatch

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# Stats (counted with inc_value, so absent means zero).
POSTS_WRITTEN = "dccrawl/db/posts_written"  # post rows committed (new, changed or unchanged)
POSTS_NEW = "dccrawl/db/posts_new"  # posts inserted for the first time
POSTS_CHANGED = "dccrawl/db/posts_changed"  # stored posts whose content or counts changed
SNAPSHOTS = "dccrawl/db/snapshots"  # post_snapshots rows added
COMMENTS_WRITTEN = "dccrawl/db/comments_written"
COMMENTS_NEW = "dccrawl/db/comments_new"
COMMENTS_CHANGED = "dccrawl/db/comments_changed"
BATCHES = "dccrawl/db/batches"  # transactions committed
BATCH_DUPLICATES = "dccrawl/db/batch_duplicates"  # same key twice in one batch: last one kept
RETRIES = "dccrawl/db/retries"  # batch attempts repeated after a connection loss or conflict
REJECTED = S.DB_REJECTED
UNWRITTEN = S.DB_UNWRITTEN

CLOSE_REASON = "database_unavailable"
FAILED_REASON_VALUE = "database"

_FIRST_DELAY = 0.25
_MAX_DELAY = 30.0
_OPEN_RETRY_SECONDS = 30.0  # at start a wrong URL should fail soon, not after minutes

Entry = tuple[Kind, Key, Row]


class DatabaseUnavailable(CloseSpider):
    """The database cannot be used (gone past the retry budget, or refused for good).

    A ``CloseSpider``: raised from ``open_spider`` it makes Scrapy close the spider
    cleanly with reason ``database_unavailable`` (one ERROR line, then the verdict,
    exit 1) instead of two tracebacks."""

    def __init__(self, message: str) -> None:
        super().__init__(CLOSE_REASON)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PostgresPipeline:
    """Writes Post and Comment items to PostgreSQL; other items pass through untouched."""

    # Where the batching machinery counts; a subclass writing other rows (pipelines/media.py)
    # names its own, so the two never overwrite each other's numbers.
    retries_stat = RETRIES
    rejected_stat = REJECTED
    unwritten_stat = UNWRITTEN

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.settings = settings
        self.batch_size = max(1, settings.getint("DCCRAWL_DB_BATCH_SIZE", 2000))
        self.batch_seconds = settings.getfloat("DCCRAWL_DB_BATCH_SECONDS", 2.0)
        self.retry_seconds = settings.getfloat("DCCRAWL_DB_RETRY_SECONDS", 300.0)
        self.max_buffer = max(
            self.batch_size, settings.getint("DCCRAWL_DB_MAX_BUFFER", 20 * self.batch_size)
        )
        self.target: DatabaseTarget | None = None
        self._conn: psycopg.AsyncConnection | None = None
        self._buffer: list[Entry] = []
        self._oldest: float | None = None  # monotonic time the oldest buffered item arrived
        self._wake = asyncio.Event()  # something for the flusher to look at
        self._room = asyncio.Event()  # the buffer is below max_buffer again
        self._flusher: asyncio.Task[None] | None = None
        self._closing = False
        self._outage_since: float | None = None  # start of the current run of failures
        self._gave_up = False  # the retry budget ran out; the spider is being closed
        self._closer: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    # --- Scrapy hooks ---------------------------------------------------------

    async def open_spider(self) -> None:
        """Resolve the database, bring its schema up to date and start the flusher."""
        self.target = await asyncio.to_thread(resolve_database, self.settings)
        logger.info("Writing items to %s", self.target.describe())
        deadline = time.monotonic() + min(self.retry_seconds, _OPEN_RETRY_SECONDS)
        delay = _FIRST_DELAY
        while True:
            try:
                # migrate() logs each migration it applies.
                await asyncio.to_thread(migrate, self.target.url)
                await self._connection()
                break
            except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or permanent_failure(exc):
                    self.stats.set_value(S.FAILED_REASON, FAILED_REASON_VALUE)
                    message = f"cannot use database {self.target.redacted}: {redact(str(exc))}"
                    logger.error(message)
                    raise DatabaseUnavailable(message) from None
                logger.warning("Database not ready (%s); retrying", redact(str(exc)).strip())
                await asyncio.sleep(min(delay, remaining))
                delay = min(delay * 2, _MAX_DELAY)
        self._room.set()
        self._flusher = asyncio.create_task(self._run_flusher(), name="dccrawl-db-flusher")

    async def process_item(self, item: Any) -> Any:
        """Buffer the item's row and return at once (waits only when the buffer is full).

        A ``CommentBatch`` (``dccrawl/batching.py``) is a comment page's comments: each
        is buffered as if it had come alone."""
        if isinstance(item, CommentBatch):
            for comment in item.get("comments") or ():
                await self._buffer_item(comment)
        else:
            await self._buffer_item(item)
        return item

    async def _buffer_item(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        kind = item_kind(adapter)
        if kind is None:
            return
        try:
            key, row = to_row(adapter, kind)
        except BadKey as exc:
            self._reject(kind, None, str(exc))
            return
        await self._enqueue((kind, key, row))

    async def _enqueue(self, entry: Entry) -> None:
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

    async def close_spider(self) -> None:
        """Write everything still buffered (retrying within the budget), then report."""
        self._closing = True
        self._wake.set()
        self._room.set()
        if self._flusher is not None:
            await self._flusher
            self._flusher = None
        while self._buffer:
            if not await self._flush(self._take()):
                break
        unwritten = len(self._buffer)
        self.stats.set_value(self.unwritten_stat, unwritten)
        if unwritten:
            self.stats.set_value(S.FAILED_REASON, FAILED_REASON_VALUE)
            logger.error(
                "%d item(s) were NOT written to %s (database unavailable)",
                unwritten,
                self.target.redacted if self.target else "the database",
            )
        await self._disconnect()

    # --- buffering --------------------------------------------------------------

    def _take(self) -> list[Entry]:
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
        return self._oldest is not None and time.monotonic() - self._oldest >= self.batch_seconds

    async def _run_flusher(self) -> None:
        """Write batches as they become due until close_spider takes over."""
        while not self._closing:
            timeout = None
            if self._buffer and self._oldest is not None:
                timeout = max(0.0, self._oldest + self.batch_seconds - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            while self._due() and not self._closing:
                try:
                    written = await self._flush(self._take())
                except Exception:  # a bug here must not leave items silently unwritten
                    logger.exception("Unexpected error in the database writer")
                    written = False
                self._room.set()
                if not written:
                    self._give_up()
                    return

    def _give_up(self) -> None:
        """The retry budget is spent: stop crawling into a buffer nobody will write."""
        if self._gave_up:
            return
        self._gave_up = True
        self._room.set()
        logger.error(
            "Database %s unavailable for %.0f s; closing the spider (%d item(s) buffered)",
            self.target.redacted if self.target else "",
            self.retry_seconds,
            len(self._buffer),
        )
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            self._closer = asyncio.ensure_future(engine.close_spider_async(reason=CLOSE_REASON))

    # --- writing ----------------------------------------------------------------

    async def _flush(self, batch: list[Entry]) -> bool:
        """Write *batch*; True when done (items written or rejected).

        On False (retry budget spent) the unwritten part is back at the front of
        the buffer."""
        pending: deque[list[Entry]] = deque([batch])
        delay = _FIRST_DELAY
        while pending:
            chunk = pending[0]
            try:
                conn = await self._connection()
                result = await self._write(conn, chunk)
            except Exception as exc:
                if not self._is_item_error(exc):
                    await self._disconnect()
                    now = time.monotonic()
                    if self._outage_since is None:
                        self._outage_since = now
                    remaining = self._outage_since + self.retry_seconds - now
                    if remaining <= 0 or self._gave_up:
                        for rest in reversed(pending):
                            self._buffer[:0] = rest
                        if self._oldest is None:
                            self._oldest = now
                        return False
                    self.stats.inc_value(self.retries_stat)
                    logger.warning(
                        "Database write failed (%s); retrying %d item(s) in %.2f s",
                        redact(str(exc)).strip() or type(exc).__name__,
                        sum(len(c) for c in pending),
                        min(delay, remaining),
                    )
                    await asyncio.sleep(min(delay, remaining))
                    delay = min(delay * 2, _MAX_DELAY)
                    continue
                pending.popleft()
                if len(chunk) == 1:
                    kind, key, _ = chunk[0]
                    self._reject(kind, key, redact(str(exc)).strip() or type(exc).__name__)
                else:  # isolate the bad item: retry each half on its own
                    half = len(chunk) // 2
                    pending.appendleft(chunk[half:])
                    pending.appendleft(chunk[:half])
                continue
            pending.popleft()
            self._outage_since = None
            self._gave_up = False
            delay = _FIRST_DELAY
            self._count(result)
        return True

    async def _write(self, conn: psycopg.AsyncConnection, chunk: list[Entry]) -> BatchResult:
        posts = [(key, row) for kind, key, row in chunk if kind == "post"]
        comments = [(key, row) for kind, key, row in chunk if kind == "comment"]
        post_rows = unique_sorted(posts)
        comment_rows = unique_sorted(comments)
        duplicates = len(posts) - len(post_rows) + len(comments) - len(comment_rows)
        result = await write_batch(conn, post_rows, comment_rows)
        if duplicates:
            self.stats.inc_value(BATCH_DUPLICATES, duplicates)
        return result

    def _is_item_error(self, exc: BaseException) -> bool:
        """Whether *exc* is about a value in the batch (then one item is to blame: bisect).

        Anything else (a lost connection, a deadlock, a missing table, a bug) is
        retried as a whole within the retry budget and, failing that, reported
        as unwritten: never is a whole batch thrown away item by item."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return False
        if isinstance(exc, psycopg.DataError | psycopg.IntegrityError):
            return True
        if isinstance(exc, psycopg.Error):
            return exc.sqlstate is None  # raised client-side: a value psycopg cannot send
        return isinstance(exc, TypeError | ValueError | OverflowError)

    def _count(self, result: BatchResult) -> None:
        self.stats.inc_value(BATCHES)
        for name, value in (
            (POSTS_WRITTEN, result.posts_written),
            (POSTS_NEW, result.posts_new),
            (POSTS_CHANGED, result.posts_changed),
            (SNAPSHOTS, result.snapshots),
            (COMMENTS_WRITTEN, result.comments_written),
            (COMMENTS_NEW, result.comments_new),
            (COMMENTS_CHANGED, result.comments_changed),
        ):
            if value:
                self.stats.inc_value(name, value)

    def _reject(self, kind: Kind, key: Key | None, reason: str) -> None:
        self.stats.inc_value(self.rejected_stat)
        if len(reason) > 500:
            reason = reason[:500] + "…"
        logger.error("Rejected %s %s: %s", kind, key if key is not None else "", reason)

    # --- connection -------------------------------------------------------------

    async def _connection(self) -> psycopg.AsyncConnection:
        """The open writer connection, (re)connecting when there is none."""
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        await self._disconnect()
        assert self.target is not None
        conn = await psycopg.AsyncConnection.connect(
            self.target.url, autocommit=True, application_name="dccrawl", connect_timeout=10
        )
        try:
            await prepare_connection(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return conn

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
