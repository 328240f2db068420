"""Real Scrapy crawls (one fresh process each) writing through dedup → postgres.

These check what only a real crawl shows: the pipelines wired by Scrapy 2.19 under
the asyncio reactor, SIGTERM (scrapyd's cancel) still writing the buffer, two
crawler processes writing the same posts at once, and a run whose database
vanishes ending non-zero with the loss counted.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from dccrawl.db.redact import redact
from tests.pipeline_harness import (
    CRAWLED_AT,
    ROOT,
    crawl,
    crawl_command,
    dump_items,
    make_comment,
    make_post,
)

pytestmark = pytest.mark.integration


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        return int(row.fetchone()[0])  # type: ignore[index]


def table_dump(url: str) -> list[Any]:
    with psycopg.connect(url) as conn:
        return [
            conn.execute(
                sql.SQL("SELECT xmin::text, * FROM {} ORDER BY 2, 3, 4").format(
                    sql.Identifier(table)
                )
            ).fetchall()
            for table in ("galleries", "posts", "comments", "post_snapshots")
        ]


def wait_for_line(proc: subprocess.Popen[str], line: str, timeout: float = 30) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = proc.stdout.readline()
        if got.strip() == line:
            return
        if not got and proc.poll() is not None:
            break
    raise AssertionError(f"no {line!r} from the crawl (exit code {proc.poll()})")


def test_a_crawl_stores_its_items_and_a_second_crawl_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    posts = [make_post(n) for n in range(1, 201)]
    comments = [make_comment(n % 50 + 1, n) for n in range(1, 401)]
    repeats = posts[:20] + comments[:10]  # e.g. a post that moved to the next list page
    items = dump_items([*posts, *comments, *repeats], tmp_path / "items.json")
    settings = {"DATABASE_URL": database_url, "DCCRAWL_DB_BATCH_SIZE": 64}

    proc, stats = crawl(items, tmp_path / "stats1.json", settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert stats["finish_reason"] == "finished"
    assert stats["item_scraped_count"] == 600
    assert stats["dccrawl/dedup/dropped"] == 30
    assert stats["dccrawl/db/posts_written"] == 200
    assert stats["dccrawl/db/comments_written"] == 400
    assert stats["dccrawl/db/snapshots"] == 200
    assert stats["dccrawl/db/batches"] == 10  # ceil(600 / 64)
    assert stats["dccrawl/db/unwritten"] == 0
    assert (count(database_url, "posts"), count(database_url, "comments")) == (200, 400)
    dbname = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    assert f"Writing items to {redact(database_url)}" in proc.stderr
    assert str(dbname) in redact(database_url)

    before = table_dump(database_url)
    proc, stats = crawl(items, tmp_path / "stats2.json", settings)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert table_dump(database_url) == before  # not one row rewritten
    assert "dccrawl/db/posts_changed" not in stats
    assert "dccrawl/db/snapshots" not in stats


def test_sigterm_writes_the_buffered_items(database_url: str, tmp_path: Path) -> None:
    """scrapyd's cancel sends SIGTERM: Scrapy closes gracefully through close_spider."""
    items = dump_items(
        [make_post(n) for n in range(300)] + [make_comment(1, n) for n in range(100)],
        tmp_path / "items.json",
    )
    settings = {
        "DATABASE_URL": database_url,
        "DCCRAWL_DB_BATCH_SIZE": 100_000,  # nothing is written before the signal
        "DCCRAWL_DB_BATCH_SECONDS": 3600,
    }
    stats_file = tmp_path / "stats.json"
    with subprocess.Popen(
        crawl_command(items, stats_file, settings, "--hold"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        wait_for_line(proc, "READY")
        assert count(database_url, "posts") == 0  # all 400 items are in the buffer
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert count(database_url, "posts") == 300
    assert count(database_url, "comments") == 100
    stats = json.loads(stats_file.read_text())
    assert stats["finish_reason"] == "shutdown"
    assert stats["dccrawl/db/unwritten"] == 0


def test_two_crawlers_writing_the_same_posts_at_once(database_url: str, tmp_path: Path) -> None:
    """No duplicate, no lost row, no deadlock; the later crawl's values win."""
    n = 1500
    later = CRAWLED_AT + dt.timedelta(minutes=5)
    first = [make_post(i) for i in range(n)] + [make_comment(i % 100, i) for i in range(n)]
    second = [make_post(i, views=500, crawled_at=later) for i in range(n)] + [
        make_comment(i % 100, i, crawled_at=later) for i in range(n)
    ]
    random.Random(1).shuffle(first)
    random.Random(2).shuffle(second)
    settings = {"DATABASE_URL": database_url, "DCCRAWL_DB_BATCH_SIZE": 100}
    procs = []
    for name, items in (("a", first), ("b", second)):
        path = dump_items(items, tmp_path / f"{name}.json")
        stats_file = tmp_path / f"{name}-stats.json"
        procs.append(
            (
                stats_file,
                subprocess.Popen(
                    crawl_command(path, stats_file, settings),
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    for stats_file, proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-3000:]
        assert "deadlock" not in err
        stats = json.loads(stats_file.read_text())
        assert "dccrawl/db/retries" not in stats  # no conflict had to be retried
        assert stats["dccrawl/db/posts_written"] == n
        assert stats["dccrawl/db/unwritten"] == 0
    with psycopg.connect(database_url) as conn:
        assert conn.execute(
            "SELECT count(*), count(DISTINCT (gallery_id, post_no)),"
            " min(views), max(views), min(last_seen_at) FROM posts"
        ).fetchone() == (n, n, 500, 500, later)
        assert conn.execute("SELECT count(*) FROM comments").fetchone() == (n,)
        # every post has exactly one snapshot of the later crawl's counts
        assert conn.execute(
            "SELECT count(*), count(DISTINCT (gallery_id, post_no)) FROM post_snapshots"
            " WHERE seen_at = %s AND views = 500",
            (later,),
        ).fetchone() == (n, n)


def test_a_database_that_vanishes_ends_the_crawl_non_zero(
    database_url: str, pg_admin_url: str, tmp_path: Path
) -> None:
    items = dump_items([make_post(n) for n in range(40)], tmp_path / "items.json")
    go = tmp_path / "go"
    stats_file = tmp_path / "stats.json"
    settings = {
        "DATABASE_URL": database_url,
        "DCCRAWL_DB_BATCH_SECONDS": 0.1,
        "DCCRAWL_DB_RETRY_SECONDS": 1.0,
    }
    started = time.monotonic()
    with subprocess.Popen(
        crawl_command(items, stats_file, settings, "--wait-for", str(go), "--hold"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        wait_for_line(proc, "OPENED")  # pipelines open: schema migrated, connected
        name = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(str(name))))
        go.touch()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert time.monotonic() - started < 20
    stats = json.loads(stats_file.read_text())
    assert stats["finish_reason"] == "database_unavailable"  # closed early, not left hanging
    assert stats["dccrawl/failed_reason"] == "database"
    assert stats["dccrawl/db/unwritten"] == 40
    assert "40 item(s) were NOT written" in err
