"""The report's SQL: every count a ``GROUP BY`` in PostgreSQL, returned as ``data.py`` dataclasses.

Why this shape:

* A gallery can hold 300,000 posts and millions of comments: only aggregates and the
  top-N rows leave the server, never the rows themselves.
* Days, hours and weekdays are KST, the site's zone, whatever the server's or the
  session's zone is: ``AT TIME ZONE INTERVAL '+09:00'``, a fixed offset (Korea has had no
  daylight saving time since 1988, as ``dccrawl/kst.py`` says), which PostgreSQL applies
  without a time zone database lookup per row: a third faster on millions of comments
  than ``'Asia/Seoul'``.
* Time series are bucketed in SQL (:func:`_bucketed`): per day when the data spans less
  than ``DAY_BUCKETS`` days, per week up to ``WEEK_BUCKETS`` days, else per month, every
  bucket listed (``generate_series``), empty ones with zeros, so a chart never has to
  fill holes and stays readable over eight years as over a week.
* Posts are placed in the period by ``created_at``, comments by theirs. Deletions and
  the coverage of numbers go by post number instead (the numbers of the period's posts):
  a deleted post read by number after its deletion has no stored date, but its number
  says where it belongs.
* The whole report reads one snapshot (:func:`connect`: a read-only, repeatable-read
  transaction), so its numbers agree with each other while a crawl writes beside it.

The SQL texts are built once at import from constants of this module; values are only
ever sent as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from dccrawl.report.data import (
    WRITER_CLASSES,
    Activity,
    Bucket,
    ClassCount,
    Coverage,
    DeletionDay,
    Deletions,
    FailureKind,
    FailureRow,
    Failures,
    Gap,
    Heatmap,
    PostMark,
    Report,
    TopPost,
    Writers,
)
from dccrawl.report.period import Period

DAY_BUCKETS = 93  # data spanning fewer days than this is counted per day (about 3 months)
WEEK_BUCKETS = 731  # ... fewer than this per week (2 years), else per month
LARGEST_GAPS = 10  # rows of the largest-gaps table
EVERY_NUMBER = (0, 2**62)  # the number interval of an unbounded period: all of them

KST_ZONE = "Asia/Seoul"  # the session's zone: the times read come back in KST
KST_LOCAL = "AT TIME ZONE INTERVAL '+09:00'"  # a timestamptz as KST wall-clock time

# The period's rows of a table: parameters gallery, start, end (timestamptz text).
IN_PERIOD = """gallery_id = %(gallery)s
      AND created_at >= %(start)s::timestamptz AND created_at < %(end)s::timestamptz"""
# The posts whose numbers the period covers: parameters gallery, first_no, last_no.
IN_NUMBERS = "gallery_id = %(gallery)s AND post_no BETWEEN %(first_no)s AND %(last_no)s"


def _bucketed(daily: str, columns: Sequence[str]) -> str:
    """A query over ``daily`` (one row per KST ``day`` with the count ``columns``) that sums
    them per day, week or month as the span asks, listing every bucket of the span.

    Each row: unit, bucket start (date), the columns' sums, the first and last day."""
    sums = ", ".join(f"sum(d.{c}) AS {c}" for c in columns)
    picked = ", ".join(f"coalesce(t.{c}, 0)::bigint" for c in columns)
    return f"""
WITH daily AS ({daily}),
unit AS (
    SELECT min(day) AS first_day, max(day) AS last_day,
           CASE WHEN max(day) - min(day) < {DAY_BUCKETS} THEN 'day'
                WHEN max(day) - min(day) < {WEEK_BUCKETS} THEN 'week'
                ELSE 'month' END AS unit
    FROM daily
    HAVING count(*) > 0
),
totals AS (
    SELECT date_trunc(u.unit, d.day::timestamp) AS bucket, {sums}
    FROM daily d CROSS JOIN unit u
    GROUP BY 1
)
SELECT u.unit, b.bucket::date, {picked}, u.first_day, u.last_day
FROM unit u
CROSS JOIN LATERAL generate_series(
    date_trunc(u.unit, u.first_day::timestamp), u.last_day::timestamp, ('1 ' || u.unit)::interval
) AS b(bucket)
LEFT JOIN totals t ON t.bucket = b.bucket
ORDER BY b.bucket
"""  # noqa: S608 - built from this module's constants only


ACTIVITY = _bucketed(
    f"""
    SELECT day, sum(posts) AS posts, sum(comments) AS comments
    FROM (
        SELECT (created_at {KST_LOCAL})::date AS day, count(*) AS posts,
               0 AS comments
        FROM posts
        WHERE {IN_PERIOD}
        GROUP BY 1
        UNION ALL
        SELECT (created_at {KST_LOCAL})::date, 0, count(*)
        FROM comments
        WHERE {IN_PERIOD}
        GROUP BY 1
    ) AS both_tables
    GROUP BY day
    """,  # noqa: S608
    ("posts", "comments"),
)

# Counted per hour first (one cheap date_trunc a row), then the hours per weekday and hour
# of the day: twice as fast as two extract()s on every row.
HEATMAP = f"""
WITH hourly AS (
    SELECT 'posts' AS kind, date_trunc('hour', created_at {KST_LOCAL}) AS hour, count(*) AS n
    FROM posts
    WHERE {IN_PERIOD}
    GROUP BY 2
    UNION ALL
    SELECT 'comments', date_trunc('hour', created_at {KST_LOCAL}), count(*)
    FROM comments
    WHERE {IN_PERIOD}
    GROUP BY 2
)
SELECT kind, extract(isodow FROM hour)::int, extract(hour FROM hour)::int, sum(n)::bigint
FROM hourly
GROUP BY 1, 2, 3
"""  # noqa: S608

# One row per class and table, plus each table's total (ROLLUP); the distinct writers are
# counted for posts only (on millions of comments that sort would cost more than the rest).
WRITERS = f"""
SELECT 'posts' AS kind, grouping(writer_class) = 1 AS total, writer_class, count(*),
       count(writer_ip), count(DISTINCT writer_uid), count(DISTINCT writer_ip)
FROM posts
WHERE {IN_PERIOD}
GROUP BY ROLLUP (writer_class)
UNION ALL
SELECT 'comments', grouping(writer_class) = 1, writer_class, count(*), count(writer_ip), 0, 0
FROM comments
WHERE {IN_PERIOD}
GROUP BY ROLLUP (writer_class)
"""  # noqa: S608

_TOP = f"""
SELECT post_no, title, writer_nick, writer_ip, writer_class, created_at, views, recommend,
       comment_count, url, is_deleted, is_notice
FROM posts
WHERE {IN_PERIOD}
ORDER BY {{order}} DESC NULLS LAST, post_no DESC
LIMIT %(limit)s
"""  # noqa: S608
MOST_COMMENTED = _TOP.format(order="comment_count")
MOST_RECOMMENDED = _TOP.format(order="recommend")

# The numbers the period's posts span (posts_gallery_created_idx).
NUMBERS = f"SELECT min(post_no), max(post_no) FROM posts WHERE {IN_PERIOD}"  # noqa: S608

# When crawls found posts deleted (updated_at of a deleted post: the crawl that saw it so;
# seen alive before when that is later than its first sighting). posts_deleted_idx.
DELETIONS_FOUND = _bucketed(
    f"""
    SELECT (updated_at {KST_LOCAL})::date AS day,
           count(*) FILTER (WHERE first_seen_at < updated_at) AS seen_alive,
           count(*) FILTER (WHERE first_seen_at >= updated_at) AS never_seen_alive
    FROM posts
    WHERE {IN_NUMBERS} AND is_deleted
    GROUP BY 1
    """,  # noqa: S608
    ("seen_alive", "never_seen_alive"),
)
DELETIONS_WRITTEN = _bucketed(
    f"""
    SELECT (created_at {KST_LOCAL})::date AS day, count(*) AS deleted
    FROM posts
    WHERE {IN_NUMBERS} AND is_deleted AND created_at IS NOT NULL
    GROUP BY 1
    """,  # noqa: S608
    ("deleted",),
)

COVERAGE = f"""
SELECT count(*), min(post_no), max(post_no),
       count(*) FILTER (WHERE is_notice), count(*) FILTER (WHERE is_deleted),
       count(*) FILTER (WHERE is_deleted AND created_at IS NULL)
FROM posts
WHERE {IN_NUMBERS}
"""  # noqa: S608
ENDS = f"""
(SELECT post_no, created_at, title, url, is_deleted FROM posts WHERE {IN_NUMBERS}
 ORDER BY post_no LIMIT 1)
UNION ALL
(SELECT post_no, created_at, title, url, is_deleted FROM posts WHERE {IN_NUMBERS}
 ORDER BY post_no DESC LIMIT 1)
"""  # noqa: S608
# Stored numbers with the next stored one; a gap is a next one more than 1 above.
GAPS = f"""
WITH numbered AS (
    SELECT post_no, created_at,
           lead(post_no) OVER (ORDER BY post_no) AS next_no,
           lead(created_at) OVER (ORDER BY post_no) AS next_at
    FROM posts
    WHERE {IN_NUMBERS}
)
SELECT post_no, next_no, created_at, next_at, count(*) OVER () AS runs
FROM numbered
WHERE next_no > post_no + 1
ORDER BY next_no - post_no DESC, post_no
LIMIT {LARGEST_GAPS}
"""  # noqa: S608
CRAWLED = "SELECT first_seen_at, last_seen_at FROM galleries WHERE gallery_id = %(gallery)s"

HAS_FAILURES_TABLE = "SELECT to_regclass('crawl_failures') IS NOT NULL"
FAILURE_KINDS = """
SELECT page_kind, count(*), sum(attempts), max(last_seen_at)
FROM crawl_failures
WHERE gallery_id = %(gallery)s
GROUP BY page_kind
ORDER BY page_kind
"""
FAILURE_ROWS = """
SELECT page_kind, path, post_no, reason, attempts, last_seen_at
FROM crawl_failures
WHERE gallery_id = %(gallery)s
ORDER BY last_seen_at DESC, page_kind, path
LIMIT %(limit)s
"""


def _params(gallery: str, period: Period, **more: object) -> dict[str, object]:
    return {"gallery": gallery, "start": period.start, "end": period.end, **more}


def activity(conn: psycopg.Connection[Any], gallery: str, period: Period) -> Activity:
    """Posts and comments per day, week or month (KST), with the first and last day."""
    rows = conn.execute(ACTIVITY, _params(gallery, period)).fetchall()
    if not rows:
        return Activity("day", (), None, None)
    buckets = tuple(Bucket(row[1], row[2], row[3]) for row in rows)
    return Activity(rows[0][0], buckets, rows[0][4], rows[0][5])


def heatmap(conn: psycopg.Connection[Any], gallery: str, period: Period) -> Heatmap:
    """Posts and comments by KST weekday and hour."""
    grids = {"posts": Heatmap.empty_grid(), "comments": Heatmap.empty_grid()}
    for kind, weekday, hour, count in conn.execute(HEATMAP, _params(gallery, period)):
        grids[kind][weekday - 1][hour] = count
    return Heatmap(
        posts=tuple(tuple(row) for row in grids["posts"]),
        comments=tuple(tuple(row) for row in grids["comments"]),
    )


def writers(conn: psycopg.Connection[Any], gallery: str, period: Period) -> Writers:
    """Posts and comments per writer class, the anonymous ones, distinct writers of posts."""
    per_class: dict[str | None, dict[str, int]] = {}
    totals: dict[str, tuple[int, int, int, int]] = {}
    for kind, total, writer_class, count, anonymous, members, prefixes in conn.execute(
        WRITERS, _params(gallery, period)
    ):
        if total:
            totals[kind] = (count, anonymous, members, prefixes)
        else:
            per_class.setdefault(writer_class, {"posts": 0, "comments": 0})[kind] = count
    posts = totals.get("posts", (0, 0, 0, 0))
    comments = totals.get("comments", (0, 0, 0, 0))
    classes = tuple(
        ClassCount(name, counts["posts"], counts["comments"])
        for name, counts in sorted(per_class.items(), key=lambda item: _class_order(item[0]))
    )
    return Writers(
        classes=classes,
        posts=posts[0],
        comments=comments[0],
        anonymous_posts=posts[1],
        anonymous_comments=comments[1],
        members=posts[2],
        ip_prefixes=posts[3],
    )


def _class_order(writer_class: str | None) -> tuple[int, str]:
    """The report's order of classes; a class it does not know goes before "not shown"."""
    known = list(WRITER_CLASSES)
    if writer_class in known and writer_class is not None:
        return (known.index(writer_class), "")
    return (len(known) + (writer_class is None), writer_class or "")


def top_posts(
    conn: psycopg.Connection[Any], gallery: str, period: Period, *, by: str, limit: int
) -> tuple[TopPost, ...]:
    """The ``limit`` posts of the period with the most comments (``by="comments"``) or
    the most recommendations (``by="recommend"``), newest first among equals."""
    query = {"comments": MOST_COMMENTED, "recommend": MOST_RECOMMENDED}[by]
    rows = conn.execute(query, _params(gallery, period, limit=limit)).fetchall()
    return tuple(TopPost(*row) for row in rows)


def numbers(conn: psycopg.Connection[Any], gallery: str, period: Period) -> tuple[int, int]:
    """The post numbers a period covers: all of them when unbounded, else from the first to
    the last number of the posts written in it (an empty interval when there are none)."""
    if not period.bounded:
        return EVERY_NUMBER
    first, last = conn.execute(NUMBERS, _params(gallery, period)).fetchone() or (None, None)
    return (first, last) if first is not None else (1, 0)


def deletions(
    conn: psycopg.Connection[Any], gallery: str, interval: tuple[int, int], coverage: Coverage
) -> Deletions:
    """Deleted posts of the numbers ``interval`` by when they were found and written."""
    params = {"gallery": gallery, "first_no": interval[0], "last_no": interval[1]}
    found = conn.execute(DELETIONS_FOUND, params).fetchall()
    written = conn.execute(DELETIONS_WRITTEN, params).fetchall()
    return Deletions(
        found_unit=found[0][0] if found else "day",
        found=tuple(DeletionDay(row[1], row[2], row[3]) for row in found),
        written_unit=written[0][0] if written else "day",
        written=tuple(Bucket(row[1], row[2], 0) for row in written),
        deleted=coverage.deleted,
        posts=coverage.posts,
        undated=coverage.deleted_undated,
    )


def coverage(conn: psycopg.Connection[Any], gallery: str, interval: tuple[int, int]) -> Coverage:
    """The stored numbers of ``interval``: ends, missing numbers, largest gaps, crawl times."""
    params = {"gallery": gallery, "first_no": interval[0], "last_no": interval[1]}
    row = conn.execute(COVERAGE, params).fetchone()
    posts, first_no, last_no, notices, deleted, undated = row or (0, None, None, 0, 0, 0)
    ends = [PostMark(*mark) for mark in conn.execute(ENDS, params)]
    gaps = conn.execute(GAPS, params).fetchall()
    crawled = conn.execute(CRAWLED, {"gallery": gallery}).fetchone() or (None, None)
    return Coverage(
        posts=posts,
        first=ends[0] if ends else None,
        last=ends[-1] if ends else None,
        missing=(last_no - first_no + 1 - posts) if posts else 0,
        gap_runs=gaps[0][4] if gaps else 0,
        largest=tuple(Gap(after, before, at, next_at) for after, before, at, next_at, _ in gaps),
        notices=notices,
        deleted=deleted,
        deleted_undated=undated,
        crawled_from=crawled[0],
        crawled_to=crawled[1],
    )


def failures(conn: psycopg.Connection[Any], gallery: str, *, limit: int) -> Failures:
    """The gallery's pages in the failure ledger: per kind, and the latest ``limit`` rows."""
    row = conn.execute(HAS_FAILURES_TABLE).fetchone()
    if not (row and row[0]):
        return Failures(available=False)
    params = {"gallery": gallery, "limit": limit}
    return Failures(
        available=True,
        kinds=tuple(FailureKind(*kind) for kind in conn.execute(FAILURE_KINDS, params)),
        rows=tuple(FailureRow(*failure) for failure in conn.execute(FAILURE_ROWS, params)),
    )


def collect(
    conn: psycopg.Connection[Any],
    gallery: str,
    period: Period,
    *,
    top: int,
    generated_at: datetime,
    database: str,
) -> Report:
    """Everything the report shows, read in one transaction (one snapshot: see
    :func:`connect`), times in KST."""
    with conn.transaction():
        conn.execute(f"SET LOCAL TIME ZONE '{KST_ZONE}'")
        interval = numbers(conn, gallery, period)
        covered = coverage(conn, gallery, interval)
        return Report(
            gallery=gallery,
            period=period,
            generated_at=generated_at,
            database=database,
            activity=activity(conn, gallery, period),
            heatmap=heatmap(conn, gallery, period),
            writers=writers(conn, gallery, period),
            most_commented=top_posts(conn, gallery, period, by="comments", limit=top),
            most_recommended=top_posts(conn, gallery, period, by="recommend", limit=top),
            deletions=deletions(conn, gallery, interval, covered),
            coverage=covered,
            failures=failures(conn, gallery, limit=top),
        )
