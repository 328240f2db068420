"""The README's queries and the Korean search, timed on a big archive (``bench/archive.py``).

Each of ``dccrawl.db.queries.ALL`` runs once to warm the cache, then ``repeats`` times; the
figure is the median in ms, with the target the issue set: under 100 ms at ~300,000 posts
and ~3,000,000 comments. The search runs words of 1, 2, 3 and 5 characters (and mixed
Hangul/Latin/digits) through ``SEARCH_POSTS`` and through the plain ``ILIKE`` a new user
would write (a sequential scan), checks both return the same posts, and reports both times.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from bench import archive
from bench.figures import Figure
from dccrawl.db import queries
from testbed.databases import fresh_database

logger = logging.getLogger("bench")

TARGET_MS = 100.0
SEARCH_WORDS = ("치", "치킨", "다이어", "치킨 생각", "다이어트 3", "Python 3.12", "치킨집", "가")
PLAIN_SEARCH = """
SELECT post_no FROM posts
WHERE gallery_id = %(gallery_id)s
  AND (title ILIKE dc_like_pattern(%(word)s) OR body_text ILIKE dc_like_pattern(%(word)s))
ORDER BY post_no DESC
LIMIT %(limit)s
"""


def _timed(
    conn: psycopg.Connection[Any], query: str, params: dict[str, Any], repeats: int
) -> tuple[float, list[Any]]:
    """Median ms of ``repeats`` runs after one to warm up, and the rows."""
    rows = conn.execute(query, params).fetchall()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rows = conn.execute(query, params).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), rows


def measure(admin_url: str, posts: int, comments_per_post: int, repeats: int) -> Iterator[Figure]:
    with fresh_database(admin_url) as url:
        started = time.monotonic()
        counts = archive.fill(url, posts, comments_per_post)
        filled = time.monotonic() - started
        end = dt.datetime.fromisoformat(archive.END)
        params = {
            "gallery_id": archive.GALLERY,
            "since": end - dt.timedelta(days=30),
            "until": end,
            "post_no": posts - 100,
            "limit": 20,
            "word": "치킨",
        }
        size = {**counts, "fill_seconds": round(filled)}
        with psycopg.connect(url) as conn:
            slowest = 0.0
            for name, query in queries.ALL.items():
                ms, rows = _timed(conn, query, params, repeats)
                slowest = max(slowest, ms)
                logger.info("queries: %s %.1f ms (%d rows)", name, ms, len(rows))
                yield Figure(
                    f"readme_query_ms/{name}", ms, "ms", TARGET_MS, "<=",
                    {"rows": len(rows), **size},
                )  # fmt: skip
            yield Figure("readme_query_ms_slowest", slowest, "ms", TARGET_MS, "<=", size)
            for word in SEARCH_WORDS:
                search = {**params, "word": word, "limit": 50}
                indexed, found = _timed(conn, queries.SEARCH_POSTS, search, repeats)
                plain, expected = _timed(conn, PLAIN_SEARCH, search, repeats)
                same = [row[0] for row in found] == [row[0] for row in expected]
                logger.info("search %r: %.1f ms, plain ILIKE %.1f ms", word, indexed, plain)
                yield Figure(
                    f"search_ms/{len(word)}:{word}", indexed, "ms", TARGET_MS, "<=",
                    {"plain_ilike_ms": round(plain, 1), "rows": len(found), "same_rows": same},
                )  # fmt: skip
