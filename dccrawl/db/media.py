"""``post_media`` rows: what a crawl recorded about a post's files, and what it looks up.

* :func:`write_media_entries` writes one batch of what the media pipeline buffered
  (``dccrawl.db.buffer``): the rows of files (:func:`row_entries`) and, for each post
  seen whole, its current counts (:func:`post_entries`); the last of each key counts.
* :func:`write_media_batch` writes one batch in one transaction: first it trims the
  image/attachment rows of re-crawled posts beyond their current counts (an edit that
  removed a picture removes its row), then upserts the rows in key order (so two
  crawlers cannot deadlock). A row that did not change is not rewritten, so re-crawls
  leave ``fetched_at`` at the time the file was really fetched.
* :func:`stored_media` answers, before downloading, which URLs are known already: the
  newest downloaded row of each URL (else its newest failure), whichever post it was
  recorded for, so the same URL in another post is not fetched again.

Values are only ever sent as query parameters; the SQL is built once from constants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import psycopg

from dccrawl.db.writer import unique_sorted

MEDIA_COLUMNS: tuple[str, ...] = (
    "gallery_id",
    "post_no",
    "kind",
    "position",
    "source_url",
    "original_filename",
    "status",
    "failure",
    "stored_path",
    "sha1",
    "size",
    "content_type",
    "fetched_at",
)
KEY_COLUMNS = MEDIA_COLUMNS[:4]
MediaKey = tuple[str, int, str, int]  # gallery_id, post_no, kind, position
MediaRow = tuple[Any, ...]  # MEDIA_COLUMNS in order
Trim = tuple[str, int, int, int, int]  # gallery_id, post_no, images, attachments, videos

# What the media pipeline buffers: (ROW, MediaKey, MediaRow) or (TRIM, (gallery_id, post_no), Trim).
MediaEntry = tuple[str, tuple[Any, ...], tuple[Any, ...]]
ROW: Final = "media"  # one post_media row
TRIM: Final = "media_trim"  # a re-crawled post's current image and attachment counts

_OUTCOME = MEDIA_COLUMNS[4:-1]  # everything but the key and the time

UPSERT_MEDIA = (
    f"INSERT INTO post_media AS m ({', '.join(MEDIA_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * len(MEDIA_COLUMNS))}) "
    f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*_OUTCOME, "fetched_at"))
    + f" WHERE ROW({', '.join(f'm.{c}' for c in _OUTCOME)})"
    f" IS DISTINCT FROM ROW({', '.join(f'excluded.{c}' for c in _OUTCOME)})"
)

TRIM_MEDIA = """
DELETE FROM post_media
WHERE gallery_id = %s AND post_no = %s
  AND ((kind = 'image' AND position > %s) OR (kind = 'attachment' AND position > %s)
       OR (kind = 'video' AND position > %s))
"""

STORED_MEDIA = """
SELECT DISTINCT ON (source_url)
       source_url, status, failure, stored_path, sha1, size, content_type,
       original_filename, fetched_at
FROM post_media
WHERE source_url = ANY(%s)
ORDER BY source_url, status = 'downloaded' DESC, fetched_at DESC
"""


@dataclass(frozen=True)
class StoredMedia:
    """What ``post_media`` knows about one URL."""

    url: str
    status: str  # "downloaded" | "failed"
    failure: str | None
    path: str | None
    sha1: str | None
    size: int | None
    content_type: str | None
    filename: str | None
    fetched_at: datetime


@dataclass
class MediaBatch:
    """What one committed batch wrote."""

    rows: int
    trims: int


def post_entries(
    gallery_id: str,
    post_no: int,
    images: int,
    attachments: int,
    rows: Iterable[MediaRow],
    *,
    videos: int = 0,
) -> list[MediaEntry]:
    """A live post's rows, and its counts: its rows at higher positions are stale."""
    trim: Trim = (gallery_id, post_no, images, attachments, videos)
    return [(TRIM, (gallery_id, post_no), trim), *row_entries(rows)]


def row_entries(rows: Iterable[MediaRow]) -> list[MediaEntry]:
    """Rows of files that are not a post's whole set (a comment's dccon)."""
    return [(ROW, row[:4], row) for row in rows]


async def write_media_entries(
    conn: psycopg.AsyncConnection, entries: list[MediaEntry]
) -> MediaBatch:
    """Write buffered entries as one batch (the last of each key wins): trims, then rows."""
    rows = unique_sorted((key, row) for kind, key, row in entries if kind == ROW)
    trims = unique_sorted((key, row) for kind, key, row in entries if kind == TRIM)
    await write_media_batch(conn, rows, trims)
    return MediaBatch(rows=len(rows), trims=len(trims))


async def write_media_batch(
    conn: psycopg.AsyncConnection, rows: Sequence[MediaRow], trims: Sequence[Trim]
) -> None:
    """Trim, then upsert (both in key order) in one transaction; raises what the database does."""
    async with conn.transaction(), conn.cursor() as cur:
        if trims:
            await cur.executemany(TRIM_MEDIA, sorted(trims))
        if rows:
            await cur.executemany(UPSERT_MEDIA, sorted(rows, key=lambda r: r[:4]))


async def stored_media(
    conn: psycopg.AsyncConnection, urls: Iterable[str]
) -> dict[str, StoredMedia]:
    """The recorded outcome of each of ``urls`` that ``post_media`` knows."""
    wanted = sorted(set(urls))
    if not wanted:
        return {}
    cur = await conn.execute(STORED_MEDIA, (wanted,))
    return {row[0]: StoredMedia(*row) for row in await cur.fetchall()}
