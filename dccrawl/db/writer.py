"""Write one batch of post and comment rows in one transaction: COPY, then one upsert per table.

Why this shape:

* ``COPY`` into session-local staging tables is the fastest way to send many rows;
  the staging tables copy the column types of ``posts``/``comments``, so a value of
  the wrong type fails here, before anything is written. The COPY is binary, with
  the staging tables' own column types (read once per connection): less than half
  the client CPU of text COPY, and nothing for the server to parse. A value binary
  COPY cannot send (a string in a number column) makes the batch go again as text,
  where the server judges every value as text and names the one it refuses.
* One ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE <something differs>``
  per table: a row is rewritten only when its content, its counts or its
  ``last_seen_at`` moved; replaying the same items rewrites nothing.
* Rows go in primary-key order (the batch is sorted here), so two crawlers writing
  overlapping batches lock rows in the same order and cannot deadlock.
* Whether the counts changed is decided inside the upsert, on the locked, latest
  row version (never on a stale pre-read), and returned with ``RETURNING``; the
  snapshot rows are inserted from that in the same statement. So two concurrent
  writers of the same post record one snapshot, not two.
* A deleted post (``is_deleted`` with its content fields empty) keeps the stored
  title/body/writer/counts: for deleted items every field is ``COALESCE``-merged
  with the stored one, and only ``is_deleted`` flips.
* Every time stored is a crawl time (the items' ``crawled_at``), not the database
  clock: ``first_seen_at`` / ``last_seen_at`` bracket the crawls that saw the row,
  ``updated_at`` / ``counts_changed_at`` are the crawls that saw the content /
  counts change. An item older than the stored row (``crawled_at`` earlier) changes
  nothing, so a late retry cannot overwrite a newer crawl.

The SQL is generated once at import from the column lists in ``rows``; the
identifiers are all constants of this package, and values are only ever sent
through COPY, never spliced into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import psycopg

from dccrawl.db import failures
from dccrawl.db.rows import (
    COMMENT_COLUMNS,
    LISTED_COLUMNS,
    POST_COLUMNS,
    ItemKind,
    Key,
    Kind,
    Row,
)

# One buffered item: its kind, its key and its row (a ledger row: dccrawl.db.failures).
Entry = tuple[ItemKind, Key | failures.LedgerKey, Row]
K = TypeVar("K", bound=tuple[Any, ...])  # a row's key (any table's)
V = TypeVar("V")  # a row (any table's)

STAGE = {
    "post": "dccrawl_stage_posts",
    "comment": "dccrawl_stage_comments",
    "listed": "dccrawl_stage_listed",
}
TARGET = {"post": "posts", "comment": "comments"}
TIMEZONE = "Asia/Seoul"  # the items' zone: a naive datetime is read as KST

POST_COUNTS = ("views", "recommend", "downvotes", "comment_count", "recommend_fixed")
# Flags only a list row shows: a post read by number alone (None) keeps the stored ones.
_LIST_FLAGS = {"is_notice", "is_recommended"}
POST_CONTENT = tuple(c for c in POST_COLUMNS[2:] if c not in POST_COUNTS and c != "crawled_at")
COMMENT_CONTENT = tuple(c for c in COMMENT_COLUMNS[3:] if c != "crawled_at")
_TEXT = {
    "title",
    "head",
    "writer_nick",
    "writer_uid",
    "writer_ip",
    "body_text",
    "body_html",
    "url",
    "gallery_kind",
    "dccon_url",
    "writer_class",
}
_ARRAYS = {"image_urls", "video_urls"}


@dataclass
class BatchResult:
    """What one committed batch did (feeds the crawl stats)."""

    posts_written: int = 0
    posts_new: int = 0
    posts_changed: int = 0
    snapshots: int = 0
    comments_written: int = 0
    comments_new: int = 0
    comments_changed: int = 0
    duplicates: int = 0  # entries whose key came again in the batch: the last one was written
    listed_changed: int = 0  # stored posts a list row updated (refresh mode)
    failures_recorded: int = 0  # failure ledger rows recorded (new, or one more attempt)
    failures_cleared: int = 0  # failure ledger rows a success deleted

    def __iadd__(self, other: BatchResult) -> BatchResult:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


# --- SQL generation -------------------------------------------------------------


def _merged(column: str, table: str) -> str:
    """The value an update stores: the item's, or for a deleted item the stored one if
    the item has none (empty strings and empty lists count as none)."""
    new = f"excluded.{column}"
    old = f"{table}.{column}"
    if column == "is_deleted":
        return new
    if column in _LIST_FLAGS:
        return f"coalesce({new}, {old})"
    if column in _ARRAYS:
        return f"(CASE WHEN excluded.is_deleted AND coalesce(cardinality({new}), 0) = 0 THEN {old} ELSE {new} END)"  # noqa: E501
    if column in _TEXT:
        return f"(CASE WHEN excluded.is_deleted THEN coalesce(nullif({new}, ''), {old}) ELSE {new} END)"  # noqa: E501
    return f"(CASE WHEN excluded.is_deleted THEN coalesce({new}, {old}) ELSE {new} END)"


def _differs(columns: Sequence[str], table: str) -> str:
    merged = ", ".join(_merged(c, table) for c in columns)
    stored = ", ".join(f"{table}.{c}" for c in columns)
    return f"ROW({merged}) IS DISTINCT FROM ROW({stored})"


def _stage_select(kind: Kind, columns: Sequence[str], key: Sequence[str], stamps: int) -> str:
    """The staged rows with defaults filled, plus the crawl time once per stamp column,
    in key order (the lock order)."""
    crawled = "coalesce(s.crawled_at, now())"
    exprs = []
    for c in columns:
        if c == "is_deleted":
            exprs.append("coalesce(s.is_deleted, false)")
        elif c == "crawled_at":
            exprs.append(crawled)
        else:
            exprs.append(f"s.{c}")
    exprs += [crawled] * stamps
    order = ", ".join(f"s.{c}" for c in key)
    return f"SELECT {', '.join(exprs)} FROM {STAGE[kind]} s ORDER BY {order}"  # noqa: S608


def _upsert(kind: Kind) -> str:
    """INSERT ... ON CONFLICT DO UPDATE for one table, returning per-row change flags."""
    columns = POST_COLUMNS if kind == "post" else COMMENT_COLUMNS
    key = columns[:2] if kind == "post" else columns[:3]
    content = POST_CONTENT if kind == "post" else COMMENT_CONTENT
    counts = POST_COUNTS if kind == "post" else ()
    t = "t"
    stamps = ["first_seen_at", "last_seen_at", "updated_at"]
    if counts:
        stamps.append("counts_changed_at")
    sets = [f"{c} = {_merged(c, t)}" for c in (*content, *counts)]
    sets += [
        "crawled_at = excluded.crawled_at",
        f"last_seen_at = greatest({t}.last_seen_at, excluded.crawled_at)",
        f"updated_at = CASE WHEN {_differs(content, t)}"
        f" THEN excluded.crawled_at ELSE {t}.updated_at END",
    ]
    returning = [
        *(f"{t}.{c}" for c in key),
        f"{t}.crawled_at",
        f"({t}.xmax = 0) AS inserted",
        f"({t}.updated_at = {t}.crawled_at) AS content_changed",
    ]
    if counts:
        sets.append(
            f"counts_changed_at = CASE WHEN {_differs(counts, t)}"
            f" THEN excluded.crawled_at ELSE {t}.counts_changed_at END"
        )
        returning.append(f"({t}.counts_changed_at = {t}.crawled_at) AS counts_changed")
        returning += [f"{t}.{c}" for c in counts]
    select = _stage_select(kind, columns, key, len(stamps))
    return (
        f"INSERT INTO {TARGET[kind]} AS {t} ({', '.join((*columns, *stamps))}) "
        f"{select} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(sets)} "
        f"WHERE excluded.crawled_at >= {t}.crawled_at "
        f"AND (excluded.crawled_at > {t}.last_seen_at OR {_differs((*content, *counts), t)}) "
        f"RETURNING {', '.join(returning)}"
    )


# The snapshot rows of the posts an ``up`` CTE changed the counts of (one per post and crawl).
_SNAPSHOTS = """snap AS (
    INSERT INTO post_snapshots (gallery_id, post_no, seen_at, views, recommend, downvotes,
                                comment_count)
    SELECT gallery_id, post_no, crawled_at, views, recommend, downvotes, comment_count
    FROM up
    WHERE counts_changed AND num_nonnulls(views, recommend, downvotes, comment_count) > 0
    ORDER BY gallery_id, post_no
    ON CONFLICT DO NOTHING
    RETURNING 1
)"""

UPSERT_POSTS = f"""
WITH up AS ({_upsert("post")}),
{_SNAPSHOTS}
SELECT (SELECT count(*) FROM up WHERE inserted),
       (SELECT count(*) FROM up WHERE NOT inserted AND (content_changed OR counts_changed)),
       (SELECT count(*) FROM snap)
"""  # noqa: S608

UPSERT_COMMENTS = f"""
WITH up AS ({_upsert("comment")})
SELECT (SELECT count(*) FROM up WHERE inserted),
       (SELECT count(*) FROM up WHERE NOT inserted AND content_changed)
"""  # noqa: S608

UPSERT_GALLERIES = f"""
INSERT INTO galleries AS g (gallery_id, kind, first_seen_at, last_seen_at)
SELECT gallery_id, max(kind), min(seen), max(seen)
FROM (
    SELECT gallery_id, gallery_kind AS kind, coalesce(crawled_at, now()) AS seen
    FROM {STAGE["post"]}
    UNION ALL
    SELECT gallery_id, NULL, coalesce(crawled_at, now()) FROM {STAGE["comment"]}
) s
GROUP BY gallery_id
ORDER BY gallery_id
ON CONFLICT (gallery_id) DO UPDATE SET
    kind = coalesce(excluded.kind, g.kind),
    first_seen_at = least(g.first_seen_at, excluded.first_seen_at),
    last_seen_at = greatest(g.last_seen_at, excluded.last_seen_at)
WHERE excluded.last_seen_at > g.last_seen_at
   OR excluded.first_seen_at < g.first_seen_at
   OR (excluded.kind IS NOT NULL AND excluded.kind IS DISTINCT FROM g.kind)
"""  # noqa: S608


# A refresh's list rows (``ListedPost``): update the stored posts' list-visible columns,
# never insert (a post not stored is fetched whole). A value the row does not show (NULL)
# keeps the stored one; a deleted post, or one read more recently than the row (a later
# view page or row), is left alone. Counts that changed add a snapshot, as in
# UPSERT_POSTS, with the stored downvotes (which no list row shows).
_LISTED_CONTENT = ("title", "is_recommended", "is_notice")
_LISTED_COUNTS = ("views", "recommend", "comment_count")


def _listed_row(columns: Sequence[str]) -> str:
    return "ROW(" + ", ".join(f"coalesce(s.{c}, t.{c})" for c in columns) + ")"


def _stored_row(columns: Sequence[str]) -> str:
    return "ROW(" + ", ".join(f"t.{c}" for c in columns) + ")"


_LISTED_MATCH = f"""
WHERE t.gallery_id = s.gallery_id AND t.post_no = s.post_no AND NOT t.is_deleted
  AND s.listed_at >= t.crawled_at
  AND {_listed_row((*_LISTED_CONTENT, *_LISTED_COUNTS))}
      IS DISTINCT FROM {_stored_row((*_LISTED_CONTENT, *_LISTED_COUNTS))}
"""
# The rows the update will change, locked in key order first (two writers cannot deadlock).
LOCK_LISTED = f"""
SELECT 1 FROM posts t, {STAGE["listed"]} s {_LISTED_MATCH}
ORDER BY t.gallery_id, t.post_no FOR UPDATE OF t
"""  # noqa: S608
UPDATE_LISTED = f"""
WITH up AS (
    UPDATE posts AS t SET
        {", ".join(f"{c} = coalesce(s.{c}, t.{c})" for c in (*_LISTED_CONTENT, *_LISTED_COUNTS))},
        crawled_at = s.listed_at,
        last_seen_at = greatest(t.last_seen_at, s.listed_at),
        updated_at = CASE WHEN {_listed_row(_LISTED_CONTENT)}
                          IS DISTINCT FROM {_stored_row(_LISTED_CONTENT)}
                     THEN s.listed_at ELSE t.updated_at END,
        counts_changed_at = CASE WHEN {_listed_row(_LISTED_COUNTS)}
                                 IS DISTINCT FROM {_stored_row(_LISTED_COUNTS)}
                            THEN s.listed_at ELSE t.counts_changed_at END
    FROM {STAGE["listed"]} s {_LISTED_MATCH}
    RETURNING t.gallery_id, t.post_no, t.crawled_at, t.views, t.recommend, t.downvotes,
              t.comment_count, (t.counts_changed_at = t.crawled_at) AS counts_changed
),
{_SNAPSHOTS}
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM snap)
"""  # noqa: S608


def _setup_statements() -> list[str]:
    statements = [f"SET TIME ZONE '{TIMEZONE}'"]
    for kind, columns in (("post", POST_COLUMNS), ("comment", COMMENT_COLUMNS)):
        statements.append(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE[kind]} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {', '.join(columns)} FROM {TARGET[kind]} WITH NO DATA"
        )
    listed = ", ".join("crawled_at AS listed_at" if c == "listed_at" else c for c in LISTED_COLUMNS)
    statements.append(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGE['listed']} ON COMMIT DELETE ROWS AS "  # noqa: S608
        f"SELECT {listed} FROM posts WITH NO DATA"
    )
    return statements


SETUP = _setup_statements()


# --- running it -----------------------------------------------------------------


# The column types of the staging tables, per connection that prepared them (binary
# COPY sends no type with a value: both ends must agree on them beforehand).
_STAGE_TYPES: WeakKeyDictionary[psycopg.AsyncConnection, dict[str, list[int]]]
_STAGE_TYPES = WeakKeyDictionary()
_TYPES_QUERY = """
SELECT attname, atttypid::int FROM pg_attribute
WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
"""


async def prepare_connection(conn: psycopg.AsyncConnection) -> None:
    """Session setup a writer connection needs once: time zone and staging tables.

    The connection must be in autocommit mode (the staging tables outlive each
    batch's transaction; ``ON COMMIT DELETE ROWS`` empties them)."""
    for statement in SETUP:
        await conn.execute(statement)
    types: dict[str, list[int]] = {}
    for kind, columns in (
        ("post", POST_COLUMNS),
        ("comment", COMMENT_COLUMNS),
        ("listed", LISTED_COLUMNS),
    ):
        cursor = await conn.execute(_TYPES_QUERY, (STAGE[kind],))
        by_name = dict(await cursor.fetchall())
        types[kind] = [by_name[column] for column in columns]
    _STAGE_TYPES[conn] = types


def unique_sorted(rows: Iterable[tuple[K, V]]) -> list[V]:
    """One row per key, the last one winning, in key order."""
    latest: dict[K, V] = {}
    for key, row in rows:
        latest[key] = row
    return [latest[k] for k in sorted(latest)]


_COPY_COLUMNS = {"post": POST_COLUMNS, "comment": COMMENT_COLUMNS, "listed": LISTED_COLUMNS}


async def _copy(
    cur: psycopg.AsyncCursor, kind: Kind | str, rows: Sequence[Row], binary: bool
) -> None:
    """COPY the rows into the kind's staging table (binary where the types are known)."""
    columns = _COPY_COLUMNS[kind]
    statement = f"COPY {STAGE[kind]} ({', '.join(columns)}) FROM STDIN"
    types = _STAGE_TYPES.get(cur.connection, {}).get(kind) if binary else None
    if types is not None:
        statement += " (FORMAT BINARY)"
    async with cur.copy(statement) as copy:
        if types is not None:
            copy.set_types(types)
        for row in rows:
            await copy.write_row(row)


def _refused_by_client(error: BaseException) -> bool:
    """Whether psycopg itself could not send a value (no server error involved)."""
    if isinstance(error, psycopg.Error):
        return error.sqlstate is None and not isinstance(error, psycopg.OperationalError)
    return isinstance(error, TypeError | ValueError | OverflowError)


async def write_entries(conn: psycopg.AsyncConnection, entries: list[Entry]) -> BatchResult:
    """Write buffered entries as one batch: per table, the last row of each key, in key order.

    What ``BufferedWriter`` (``dccrawl.db.buffer``) runs for each batch of posts, comments
    and failure ledger events (for a ledger page, its last event in the batch counts)."""
    posts = [(key, row) for kind, key, row in entries if kind == "post"]
    comments = [(key, row) for kind, key, row in entries if kind == "comment"]
    ledger = [(key, row) for kind, key, row in entries if kind == "ledger"]
    listed = [(key, row) for kind, key, row in entries if kind == "listed"]
    post_rows = unique_sorted(posts)
    comment_rows = unique_sorted(comments)
    result = await write_batch(
        conn, post_rows, comment_rows, unique_sorted(ledger), unique_sorted(listed)
    )
    result.duplicates = len(posts) - len(post_rows) + len(comments) - len(comment_rows)
    return result


async def write_batch(
    conn: psycopg.AsyncConnection,
    posts: Sequence[Row],
    comments: Sequence[Row],
    ledger: Sequence[Row] = (),
    listed: Sequence[Row] = (),
) -> BatchResult:
    """Write *posts*, *comments*, *ledger* and *listed* rows (unique keys, key order) in one
    transaction.

    Raises whatever the database raises; nothing of the batch is kept then.
    """
    try:
        return await _write_batch(conn, posts, comments, ledger, listed, binary=True)
    except Exception as error:
        if conn.closed or conn.broken or not _refused_by_client(error):
            raise
    return await _write_batch(conn, posts, comments, ledger, listed, binary=False)


async def _write_batch(
    conn: psycopg.AsyncConnection,
    posts: Sequence[Row],
    comments: Sequence[Row],
    ledger: Sequence[Row],
    listed: Sequence[Row],
    *,
    binary: bool,
) -> BatchResult:
    result = BatchResult()
    async with conn.transaction(), conn.cursor() as cur:
        if posts:
            await _copy(cur, "post", posts, binary)
            await cur.execute(UPSERT_POSTS)
            row = await cur.fetchone()
            assert row is not None
            result.posts_new, result.posts_changed, result.snapshots = row
            result.posts_written = len(posts)
            # The posts just stored clear their pages from the failure ledger.
            await cur.execute(failures.CLEAR_BY_POSTS)
            result.failures_cleared += max(cur.rowcount, 0)
        if comments:
            await _copy(cur, "comment", comments, binary)
            await cur.execute(UPSERT_COMMENTS)
            row = await cur.fetchone()
            assert row is not None
            result.comments_new, result.comments_changed = row
            result.comments_written = len(comments)
        if listed:
            await _copy(cur, "listed", listed, binary)
            await cur.execute(LOCK_LISTED)
            await cur.execute(UPDATE_LISTED)
            row = await cur.fetchone()
            assert row is not None
            result.listed_changed, snapshots = row
            result.snapshots += snapshots
        if posts or comments:
            await cur.execute(UPSERT_GALLERIES)
        if ledger:
            recorded, cleared = await failures.apply(cur, ledger)  # type: ignore[arg-type]
            result.failures_recorded += recorded
            result.failures_cleared += cleared
    return result
