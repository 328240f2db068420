"""Throughput of PostgresPipeline vs a raw COPY of the same rows (not a test; run by hand).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m tests.bench_pipeline_throughput [N]

Creates a scratch database, then times, for N realistic posts (~5 KB each):

1. raw COPY of the rows into ``posts`` in one transaction (the floor; best of 3);
2. the pipeline writing them into the empty table (all new: insert + first snapshot);
3. the pipeline writing the same items again (nothing changed: no row rewritten);
4. the pipeline writing them as a later crawl (same content, new crawled_at: every
   row's last_seen_at moves, so every row is rewritten, HOT);
5. a later crawl where every post's views changed (row update + one snapshot each).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import time
import uuid

import psycopg
from psycopg import sql
from scrapy.utils.test import get_crawler

from dccrawl.db.migrate import migrate
from dccrawl.db.rows import POST_COLUMNS
from dccrawl.items import Post
from pipelines.postgres import PostgresPipeline
from tests.pipeline_harness import CRAWLED_AT, make_post


def items(n: int, crawled_at: dt.datetime, views: int = 202) -> list[Post]:
    body = "가나다라마바사 아자차카타파하 " * 120  # ~2.6 KB of UTF-8
    return [
        make_post(
            i,
            body_text=f"{i} {body}",
            body_html=f"<p>{i} {body}</p>",
            crawled_at=crawled_at,
            views=views + i,
        )
        for i in range(n)
    ]


def wal_position(url: str) -> str:
    with psycopg.connect(url) as conn:
        return str(conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0])  # type: ignore[index]


def wal_bytes_since(url: str, lsn: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (lsn,)).fetchone()
        return int(row[0])  # type: ignore[index]


def run_pipeline(url: str, batch: list[Post]) -> tuple[float, dict[str, object]]:
    crawler = get_crawler(settings_dict={"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    pipeline = PostgresPipeline.from_crawler(crawler)

    async def go() -> float:
        await pipeline.open_spider()
        started = time.perf_counter()
        for item in batch:
            await pipeline.process_item(item)
        await pipeline.close_spider()
        return time.perf_counter() - started

    total = asyncio.run(go())
    return total, pipeline.stats.get_stats()


def raw_copy(url: str, batch: list[Post]) -> float:
    columns = (*POST_COLUMNS, "first_seen_at", "last_seen_at", "updated_at", "counts_changed_at")
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        statement = sql.SQL("COPY posts ({}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with cur.copy(statement) as copy:
            for item in batch:
                crawled = item["crawled_at"]
                copy.write_row([item[c] for c in POST_COLUMNS] + [crawled] * 4)
    return time.perf_counter() - started


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    admin = os.environ["DATABASE_URL"]
    name = f"dccrawl_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(admin)
    info["dbname"] = name
    url = psycopg.conninfo.make_conninfo(**info)
    try:
        migrate(url)
        first = items(n, CRAWLED_AT)
        best = float("inf")
        for _ in range(3):  # the first run pays for a cold cache
            lsn = wal_position(url)
            best = min(best, raw_copy(url, first))
            wal = wal_bytes_since(url, lsn)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("TRUNCATE posts, post_snapshots, galleries")
        print(
            f"{'raw COPY into posts (best of 3):':30} {n / best:9.0f} rows/s   ({best:.2f} s;"
            f" WAL {wal / 2**20:.0f} MB)"
        )
        later = CRAWLED_AT + dt.timedelta(hours=1)
        for label, batch in (
            ("pipeline, all new:", first),
            ("pipeline, same items again:", first),
            ("pipeline, later crawl, same:", items(n, later)),
            ("pipeline, later crawl, views:", items(n, later + dt.timedelta(hours=1), 999)),
        ):
            lsn = wal_position(url)
            total, stats = run_pipeline(url, batch)
            wal = wal_bytes_since(url, lsn)
            print(
                f"{label:30} {n / total:9.0f} items/s  ({total:.2f} s; WAL {wal / 2**20:.0f} MB;"
                f" changed {stats.get('dccrawl/db/posts_changed', 0)},"
                f" snapshots {stats.get('dccrawl/db/snapshots', 0)})"
            )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
