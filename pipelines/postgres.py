"""``PostgresPipeline``: buffers items and writes them to PostgreSQL in batches, exactly once.

The crawl never waits on the database: ``process_item`` turns the item into a row
(``dccrawl.db.rows``) and hands it to a ``BufferedWriter`` (``dccrawl.db.buffer``,
where the buffering, the retries and why they are as they are is explained),
which writes a batch (``dccrawl.db.writer``) when ``DCCRAWL_DB_BATCH_SIZE`` items
are buffered or the oldest has waited ``DCCRAWL_DB_BATCH_SECONDS``; ``close_spider``
waits for the last one, so a normal end, a ``CloseSpider`` and SIGTERM (scrapyd's
cancel: Scrapy shuts down gracefully through ``close_spider``) all write every
buffered item.

What this pipeline adds to the writer is the crawl's side of each failure:

* An item the database refuses is logged with its key and the reason and counted
  in ``dccrawl/db/rejected``; the rest of its batch is written.
* A lost database is retried for at most ``DCCRAWL_DB_RETRY_SECONDS`` of continuous
  outage (each attempt counted in ``dccrawl/db/retries``); past that the spider is
  closed (reason ``database_unavailable``): crawling on would only fill memory.
  At close, whatever could not be written is logged, counted in
  ``dccrawl/db/unwritten`` and ``dccrawl/failed_reason`` is set to ``database`` so
  the run exits non-zero.
* Above ``DCCRAWL_DB_MAX_BUFFER`` buffered items ``process_item`` waits for room,
  which slows the crawl down rather than filling memory while the database is away.
* A database that cannot be used at ``open_spider`` (gone past the retry budget, or
  refused for good) raises ``DatabaseUnavailable``: Scrapy closes the spider cleanly.

The URL is resolved by ``dccrawl.db.connect`` and only ever logged redacted;
migrations run once at ``open_spider`` under an advisory lock.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import psycopg
from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider

from dccrawl import stats as S
from dccrawl.db.buffer import BufferedWriter, BufferLimits
from dccrawl.db.connect import DatabaseTarget, resolve_database
from dccrawl.db.connection import ReconnectingConnection
from dccrawl.db.failures import ledger_entry
from dccrawl.db.redact import redact
from dccrawl.db.rows import Key, item_kind, listed_row, to_row
from dccrawl.db.writer import BatchResult, Entry, prepare_connection, write_entries
from dccrawl.items import LEDGER_ITEMS, CommentBatch, LedgerItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

CLOSE_REASON = "database_unavailable"
FAILED_REASON_VALUE = "database"
APPLICATION_NAME = "dccrawl"  # the writers' connections in pg_stat_activity


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
    """Writes Post and Comment items to PostgreSQL, and PageFailure/PageDone items to the
    failure ledger (``dccrawl/db/failures.py``); other items pass through untouched."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.target: DatabaseTarget | None = None
        self.writer: BufferedWriter[Entry, BatchResult] = BufferedWriter(
            write_entries,
            buffer_limits(crawler.settings),
            written=self._count,
            rejected=self._rejected,
            retried=lambda: self.stats.inc_value(S.DB_RETRIES),
            gave_up=self._give_up,
        )
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
        """Resolve the database, bring its schema up to date and start the writer."""
        self.target = await asyncio.to_thread(resolve_database, self.settings)
        logger.info("Writing items to %s", self.target.describe())
        connection = ReconnectingConnection(
            self.target.url, application_name=APPLICATION_NAME, prepare=prepare_connection
        )
        try:
            await self.writer.open(connection)
        except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
            raise database_unavailable(self.stats, self.target, exc) from None

    async def process_item(self, item: Any) -> Any:
        """Buffer the item's row and return at once (waits only when the buffer is full).

        A ``CommentBatch`` (``dccrawl/batching.py``) is a comment page's comments: each
        is buffered as if it had come alone."""
        if isinstance(item, CommentBatch):
            for comment in item.get("comments") or ():
                await self._buffer_item(comment)
        else:
            await self._buffer_item(item)
            if isinstance(item, LEDGER_ITEMS):
                raise LedgerItem("buffered for the failure ledger", log_level="DEBUG")
        return item

    async def _buffer_item(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        kind = item_kind(adapter)
        if kind is None:
            return
        try:
            if kind == "ledger":
                key, row = ledger_entry(adapter)
            elif kind == "listed":
                key, row = listed_row(adapter)
            else:
                key, row = to_row(adapter, kind)
        except ValueError as exc:  # BadKey, or a ledger item without a page
            self._reject(kind, None, str(exc))
            return
        await self.writer.add((kind, key, row))

    async def close_spider(self) -> None:
        """Write everything still buffered (retrying within the budget), then report."""
        unwritten = await self.writer.close()
        where = self.target.redacted if self.target else "the database"
        report_unwritten(self.stats, S.DB_UNWRITTEN, unwritten, where)

    # --- what the writer reports ---------------------------------------------------

    def _count(self, result: BatchResult) -> None:
        stats = self.stats
        stats.inc_value(S.DB_BATCHES)
        for name, value in (
            (S.POSTS_WRITTEN, result.posts_written),
            (S.POSTS_NEW, result.posts_new),
            (S.POSTS_CHANGED, result.posts_changed + result.listed_changed),
            (S.SNAPSHOTS, result.snapshots),
            (S.COMMENTS_WRITTEN, result.comments_written),
            (S.COMMENTS_NEW, result.comments_new),
            (S.COMMENTS_CHANGED, result.comments_changed),
            (S.DB_BATCH_DUPLICATES, result.duplicates),
            (S.LEDGER_RECORDED, result.failures_recorded),
            (S.LEDGER_CLEARED, result.failures_cleared),
        ):
            if value:
                stats.inc_value(name, value)

    def _rejected(self, entry: Entry, reason: str) -> None:
        kind, key, _ = entry
        self._reject(kind, key, reason)

    def _reject(self, kind: str, key: Key | None, reason: str) -> None:
        self.stats.inc_value(S.DB_REJECTED)
        log_rejected(kind, key, reason)

    def _give_up(self) -> None:
        self._closer = close_for_database(self.crawler, self.writer, self.target)


# --- the crawl's side of a BufferedWriter (pipelines/media_rows.py uses it too) -------


def database_unavailable(
    stats: StatsCollector, target: DatabaseTarget, error: BaseException
) -> DatabaseUnavailable:
    """What to raise when a writer could not open on *target* (*error*): it is logged, and
    the run is marked as failed."""
    stats.set_value(S.FAILED_REASON, FAILED_REASON_VALUE)
    message = f"cannot use database {target.redacted}: {redact(str(error))}"
    logger.error(message)
    return DatabaseUnavailable(message)


def buffer_limits(settings: BaseSettings) -> BufferLimits:
    """The ``DCCRAWL_DB_*`` settings of a ``BufferedWriter``."""
    batch_size = max(1, settings.getint("DCCRAWL_DB_BATCH_SIZE", 2000))
    return BufferLimits(
        batch_size=batch_size,
        batch_seconds=settings.getfloat("DCCRAWL_DB_BATCH_SECONDS", 2.0),
        retry_seconds=settings.getfloat("DCCRAWL_DB_RETRY_SECONDS", 300.0),
        max_buffer=settings.getint("DCCRAWL_DB_MAX_BUFFER", 20 * batch_size),
    )


def close_for_database(
    crawler: Crawler, writer: BufferedWriter[Any, Any], target: DatabaseTarget | None
) -> asyncio.Future[None] | None:
    """*writer* gave up on *target*: say so, and close the spider (reason
    ``database_unavailable``) rather than crawl into a buffer nobody will write."""
    logger.error(
        "Database %s unavailable for %.0f s; closing the spider (%d item(s) buffered)",
        target.redacted if target else "",
        writer.limits.retry_seconds,
        writer.buffered,
    )
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return None
    return asyncio.ensure_future(engine.close_spider_async(reason=CLOSE_REASON))


def report_unwritten(stats: StatsCollector, stat: str, unwritten: int, where: str) -> None:
    """Count what a writer could not write at close (0 too); any at all fails the run."""
    stats.set_value(stat, unwritten)
    if unwritten:
        stats.set_value(S.FAILED_REASON, FAILED_REASON_VALUE)
        logger.error("%d item(s) were NOT written to %s (database unavailable)", unwritten, where)


def log_rejected(kind: str, key: Any, reason: str) -> None:
    """One ERROR line for a row the database refused: which, and why (cut to 500 chars)."""
    if len(reason) > 500:
        reason = reason[:500] + "…"
    logger.error("Rejected %s %s: %s", kind, key if key is not None else "", reason)
