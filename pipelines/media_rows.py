"""``MediaRowWriter``: the media pipeline's ``post_media`` rows, written in batches.

A ``BufferedWriter`` (``dccrawl.db.buffer``), as the posts pipeline has one: the buffer
and its size/age triggers, the background flusher, the retries with backoff through a
database outage (``DCCRAWL_DB_RETRY_SECONDS``), the bisection that isolates a row the
database refuses, the bounded buffer, and the final flush at close, all with the same
``DCCRAWL_DB_*`` settings. What one batch writes is ``dccrawl.db.media``'s; what this
class adds is the crawl's side: its stats (``dccrawl/media/...``, never the posts
pipeline's), closing the spider when the database is gone for good, and reporting at
close what could not be written.

It is no Scrapy pipeline of its own: ``PostMediaPipeline`` (``pipelines/media.py``) owns
one, opens it on first use, and hands it each post's rows as its files are done.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import psycopg

from dccrawl import stats as S
from dccrawl.db.buffer import BufferedWriter
from dccrawl.db.connect import DatabaseTarget, resolve_database
from dccrawl.db.connection import ReconnectingConnection
from dccrawl.db.media import (
    MediaBatch,
    MediaEntry,
    MediaRow,
    post_entries,
    row_entries,
    write_media_entries,
)
from pipelines.postgres import (
    APPLICATION_NAME,
    buffer_limits,
    close_for_database,
    database_unavailable,
    log_rejected,
    report_unwritten,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class MediaRowWriter:
    """Buffers ``post_media`` rows and writes them in batches (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.target: DatabaseTarget | None = None
        self.writer: BufferedWriter[MediaEntry, MediaBatch] = BufferedWriter(
            write_media_entries,
            buffer_limits(crawler.settings),
            written=self._count,
            rejected=self._rejected,
            retried=lambda: self.stats.inc_value(S.MEDIA_DB_RETRIES),
            gave_up=self._give_up,
        )
        self._closer: asyncio.Future[None] | None = None

    @property
    def stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats

    async def open(self) -> None:
        """Resolve the database (the posts pipeline has started it already), bring its
        schema up to date and start the writer; ``DatabaseUnavailable`` if it cannot."""
        self.target = await asyncio.to_thread(resolve_database, self.crawler.settings)
        connection = ReconnectingConnection(self.target.url, application_name=APPLICATION_NAME)
        try:
            await self.writer.open(connection)
        except (psycopg.OperationalError, psycopg.ProgrammingError) as exc:
            raise database_unavailable(self.stats, self.target, exc) from None

    async def add_post(
        self,
        gallery_id: str,
        post_no: int,
        images: int,
        attachments: int,
        rows: list[MediaRow],
        *,
        videos: int = 0,
    ) -> None:
        """A live post's rows, and its counts: its rows at higher positions are stale."""
        for entry in post_entries(gallery_id, post_no, images, attachments, rows, videos=videos):
            await self.writer.add(entry)

    async def add_rows(self, rows: list[MediaRow]) -> None:
        """Rows of files that are not a post's whole set (a comment's dccon)."""
        for entry in row_entries(rows):
            await self.writer.add(entry)

    async def close(self) -> None:
        """Write the rows still buffered (retrying within the budget), then report."""
        unwritten = await self.writer.close()
        where = self.target.redacted if self.target else "the database"
        report_unwritten(self.stats, S.MEDIA_ROWS_UNWRITTEN, unwritten, where)

    # --- what the writer reports ---------------------------------------------------

    def _count(self, result: MediaBatch) -> None:
        self.stats.inc_value(S.MEDIA_BATCHES)
        if result.rows:
            self.stats.inc_value(S.MEDIA_ROWS_WRITTEN, result.rows)

    def _rejected(self, entry: MediaEntry, reason: str) -> None:
        kind, key, _ = entry
        self.stats.inc_value(S.MEDIA_ROWS_REJECTED)
        log_rejected(kind, key, reason)

    def _give_up(self) -> None:
        self._closer = close_for_database(self.crawler, self.writer, self.target)
