"""``MediaRowWriter``: the posts pipeline's batching machinery, writing ``post_media`` rows.

Everything that makes ``PostgresPipeline`` safe is reused as it is: the buffer and its
size/age triggers, the background flusher, the retries with backoff through a database
outage (``DCCRAWL_DB_RETRY_SECONDS``), the bisection that isolates a row the database
refuses, the bounded buffer, and the final flush and report at close. Only what one batch
writes differs (``dccrawl.db.media``), and the stats it counts in (``dccrawl/media/...``).

It is no Scrapy pipeline of its own: ``PostMediaPipeline`` (``pipelines/media.py``) owns
one, opens it on first use, and hands it each post's rows as its files are done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from dccrawl import stats as S
from dccrawl.db.media import MediaKey, MediaRow, Trim, write_media_batch
from dccrawl.db.writer import unique_sorted
from pipelines.postgres import PostgresPipeline

if TYPE_CHECKING:
    import psycopg

ROWS_WRITTEN = "dccrawl/media/rows_written"  # post_media rows committed (changed or not)
BATCHES = "dccrawl/media/batches"  # transactions committed
RETRIES = "dccrawl/media/db_retries"  # batch attempts repeated after a connection loss
REJECTED = S.MEDIA_ROWS_REJECTED
UNWRITTEN = S.MEDIA_ROWS_UNWRITTEN

# Entry kinds in the shared buffer (PostgresPipeline's are "post" and "comment").
ROW: Final = "media"  # one post_media row
TRIM: Final = "media_trim"  # a re-crawled post's current image and attachment counts


@dataclass
class MediaBatch:
    """What one committed batch wrote."""

    rows: int
    trims: int


class MediaRowWriter(PostgresPipeline):
    """Buffers ``post_media`` rows and writes them in batches (see the module docstring)."""

    retries_stat = RETRIES
    rejected_stat = REJECTED
    unwritten_stat = UNWRITTEN

    async def add_post(
        self, gallery_id: str, post_no: int, images: int, attachments: int, rows: list[MediaRow]
    ) -> None:
        """A live post's rows, and its counts: its rows at higher positions are stale."""
        trim: Trim = (gallery_id, post_no, images, attachments)
        await self._enqueue((TRIM, (gallery_id, post_no), trim))  # type: ignore[arg-type]
        await self.add_rows(rows)

    async def add_rows(self, rows: list[MediaRow]) -> None:
        """Rows of files that are not a post's whole set (a comment's dccon)."""
        for row in rows:
            key: MediaKey = row[:4]  # type: ignore[assignment]
            await self._enqueue((ROW, key, row))  # type: ignore[arg-type]

    async def _write(self, conn: psycopg.AsyncConnection, chunk: list[Any]) -> Any:
        rows = unique_sorted((key, row) for kind, key, row in chunk if kind == ROW)
        trims = unique_sorted((key, row) for kind, key, row in chunk if kind == TRIM)
        await write_media_batch(conn, rows, trims)  # type: ignore[arg-type]
        return MediaBatch(rows=len(rows), trims=len(trims))

    def _count(self, result: Any) -> None:
        self.stats.inc_value(BATCHES)
        if result.rows:
            self.stats.inc_value(ROWS_WRITTEN, result.rows)
