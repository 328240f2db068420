"""The failure ledger (``crawl_failures``): recording, clearing and reading the pages a crawl lost.

Writing goes with the crawl's own batches (``dccrawl.db.writer``), in the same
transaction as the posts and comments it is about, so the ledger and the data
cannot disagree after a crash: a post row and the deletion of its ``view`` failure
commit together. Three statements do it:

* ``CLEAR_BY_POSTS``: every post of the batch clears its ``view`` row, and its
  ``comments`` row too when the post has none (deleted, or a count of 0: there is
  nothing left to read). It reads the batch's staging table, so it costs one
  statement per batch, not an item per page.
* ``CLEAR_DONE``: ``PageDone`` items (list pages read, missing posts, comment threads
  read to their count, ``posts`` ranges walked to the end) delete their rows.
* ``RECORD``: ``PageFailure`` items insert their rows, or count one more attempt.

A row is only cleared by a success at or after its last failure (times are crawl
times), so a late write of an older success cannot erase a newer loss.

Reading is for ``python -m dccrawl retry`` and the spider's ``retry=1`` mode: the
rows of a gallery, grouped by the spider arguments of the crawl that lost them (a
retry reruns that crawl from its losses rather than from its start).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from itemadapter import ItemAdapter
from psycopg.rows import dict_row

from dccrawl.db.rows import clean_value, storable_text

PAGE_KINDS = ("list", "view", "comments", "posts")
# Spider arguments that say how a job runs, not what it crawls: not part of a ledger
# row's arguments (a shard's retry is not bound to the shard or its crawl, nor a follow cycle's to
# its cycle row, and retry=1 is the retry).
NOT_SCOPE = frozenset({"shard", "crawl", "cycle", "retry", "_job"})

LedgerKey = tuple[str, str, str]  # gallery_id, page_kind, path
# gallery_id, page_kind, path, post_no, reason (None: done), arguments (JSON text),
# follow_pages, seen_at, list_row (JSON text or None)
LedgerRow = tuple[str, str, str, int | None, str | None, str, bool, datetime, str | None]

CLEAR_BY_POSTS = """
DELETE FROM crawl_failures f
USING dccrawl_stage_posts s
WHERE f.gallery_id = s.gallery_id
  AND f.post_no = s.post_no
  AND (f.page_kind = 'view'
       OR (f.page_kind = 'comments' AND (coalesce(s.is_deleted, false) OR s.comment_count = 0)))
  AND f.last_seen_at <= coalesce(s.crawled_at, now())
"""

CLEAR_DONE = """
DELETE FROM crawl_failures f
USING unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[]) AS d(gallery_id, page_kind,
                                                                       path, seen_at)
WHERE f.gallery_id = d.gallery_id AND f.page_kind = d.page_kind AND f.path = d.path
  AND f.last_seen_at <= d.seen_at
"""

RECORD = """
INSERT INTO crawl_failures AS f (gallery_id, page_kind, path, post_no, reason, arguments,
                                 follow_pages, first_seen_at, last_seen_at, list_row)
SELECT r.gallery_id, r.page_kind, r.path, r.post_no, r.reason, r.arguments::jsonb,
       r.follow_pages, r.seen_at, r.seen_at, r.list_row::jsonb
FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[],
            %s::boolean[], %s::timestamptz[], %s::text[])
     AS r(gallery_id, page_kind, path, post_no, reason, arguments, follow_pages, seen_at,
          list_row)
ORDER BY r.gallery_id, r.page_kind, r.path
ON CONFLICT (gallery_id, page_kind, path) DO UPDATE SET
    post_no = coalesce(excluded.post_no, f.post_no),
    reason = excluded.reason,
    arguments = excluded.arguments,
    follow_pages = f.follow_pages OR excluded.follow_pages,
    list_row = coalesce(excluded.list_row, f.list_row),
    attempts = f.attempts + 1,
    first_seen_at = least(f.first_seen_at, excluded.first_seen_at),
    last_seen_at = greatest(f.last_seen_at, excluded.last_seen_at)
"""


def scope(arguments: Mapping[str, Any]) -> dict[str, str]:
    """The spider arguments that say what a crawl covers (its ledger rows' ``arguments``)."""
    return {str(k): str(v) for k, v in sorted(arguments.items()) if k not in NOT_SCOPE}


def is_ledger_item(adapter: ItemAdapter | Mapping[str, Any]) -> bool:
    """Whether an item is a ``PageFailure`` or ``PageDone`` (by the fields it declares)."""
    names = adapter.field_names() if isinstance(adapter, ItemAdapter) else adapter.keys()
    return "page_kind" in names


def ledger_entry(adapter: ItemAdapter) -> tuple[LedgerKey, LedgerRow]:
    """A ledger item's key and row; a ``PageDone`` has no ``reason`` field."""
    gallery_id = storable_text(str(adapter.get("gallery_id") or ""))
    page_kind = str(adapter.get("page_kind"))
    path = storable_text(str(adapter.get("path") or ""))
    if not gallery_id or page_kind not in PAGE_KINDS or not path.startswith("/"):
        raise ValueError(
            f"not a ledger page: gallery_id={gallery_id!r} page_kind={page_kind!r} path={path!r}"
        )
    failed = "reason" in adapter.field_names()
    reason = storable_text(str(adapter.get("reason") or "unknown")) if failed else None
    post_no = adapter.get("post_no")
    arguments = json.dumps(scope(adapter.get("arguments") or {}), ensure_ascii=False)
    seen_at = clean_value(adapter.get("seen_at"))
    listed = adapter.get("list_row") if failed else None
    row: LedgerRow = (
        gallery_id,
        page_kind,
        path,
        int(post_no) if post_no is not None else None,
        reason,
        arguments,
        bool(adapter.get("follow_pages")),
        seen_at,
        json.dumps(listed) if isinstance(listed, dict) else None,
    )
    return (gallery_id, page_kind, path), row


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows as one list per column: the arrays ``unnest`` takes apart again."""
    return [list(column) for column in zip(*rows, strict=True)]


async def apply(cur: psycopg.AsyncCursor[Any], rows: Sequence[LedgerRow]) -> tuple[int, int]:
    """Clear the done rows and record the failed ones; (recorded, cleared) rows."""
    done = [(r[0], r[1], r[2], r[7]) for r in rows if r[4] is None]
    failed = [r for r in rows if r[4] is not None]  # (a PageDone has no reason)
    cleared = 0
    if done:
        await cur.execute(CLEAR_DONE, _columns(done))
        cleared = max(cur.rowcount, 0)
    if failed:
        await cur.execute(RECORD, _columns(failed))
    return len(failed), cleared


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One row of the ledger, as a retry reads it."""

    gallery_id: str
    page_kind: str
    path: str
    post_no: int | None
    reason: str
    arguments: dict[str, str]
    follow_pages: bool
    attempts: int
    list_row: dict[str, Any] | None
    first_seen_at: datetime
    last_seen_at: datetime


_SELECT = """
SELECT gallery_id, page_kind, path, post_no, reason, arguments, follow_pages, attempts,
       first_seen_at, last_seen_at, list_row
FROM crawl_failures
WHERE gallery_id = %(gallery)s
  AND (%(arguments)s::jsonb IS NULL OR arguments = %(arguments)s::jsonb)
ORDER BY page_kind, post_no DESC NULLS LAST, path
"""

_GROUPS = """
SELECT arguments, count(*) AS pages,
       count(*) FILTER (WHERE page_kind = 'list') AS lists,
       count(*) FILTER (WHERE page_kind = 'view') AS views,
       count(*) FILTER (WHERE page_kind = 'comments') AS comments,
       count(*) FILTER (WHERE page_kind = 'posts') AS ranges
FROM crawl_failures WHERE gallery_id = %s
GROUP BY arguments ORDER BY min(first_seen_at)
"""


def _arguments_param(arguments: Mapping[str, Any] | None) -> str | None:
    return None if arguments is None else json.dumps(scope(arguments), ensure_ascii=False)


async def read_failures(
    conn: psycopg.AsyncConnection[Any], gallery: str, arguments: Mapping[str, Any] | None = None
) -> list[Failure]:
    """The ledger rows of *gallery* (only those lost by a crawl of *arguments*, if given)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_SELECT, {"gallery": gallery, "arguments": _arguments_param(arguments)})
        return [Failure(**row) for row in await cur.fetchall()]


def failures(
    conn: psycopg.Connection[Any], gallery: str, arguments: Mapping[str, Any] | None = None
) -> list[Failure]:
    """:func:`read_failures` for a synchronous connection (the command line)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_SELECT, {"gallery": gallery, "arguments": _arguments_param(arguments)})
        return [Failure(**row) for row in cur.fetchall()]


@dataclass(frozen=True)
class FailureGroup:
    """The ledger rows one crawl (one set of spider arguments) lost, counted by kind."""

    arguments: dict[str, str]
    pages: int
    lists: int
    views: int
    comments: int
    ranges: int

    def describe(self) -> str:
        parts = [
            f"{count} {name}"
            for count, name in (
                (self.lists, "list page(s)"),
                (self.views, "view page(s)"),
                (self.comments, "post(s) with comments to read"),
                (self.ranges, "unfinished post range(s)"),
            )
            if count
        ]
        return ", ".join(parts)


def failure_groups(conn: psycopg.Connection[Any], gallery: str) -> list[FailureGroup]:
    """The ledger rows of *gallery*, one group per crawl arguments, oldest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_GROUPS, (gallery,))
        return [FailureGroup(**row) for row in cur.fetchall()]
