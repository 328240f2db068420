"""PostgresPipeline against a real PostgreSQL: what is stored, when rows change, and failures.

The pipeline is driven directly (open_spider → process_item… → close_spider) on an
asyncio loop, which is what Scrapy's asyncio reactor runs it on; full crawls in
subprocesses are in test_pipeline_crawl.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from dccrawl.db.connect import resolve_database
from dccrawl.db.rows import COMMENT_COLUMNS, POST_COLUMNS
from dccrawl.items import Comment, Post
from pipelines.postgres import DatabaseUnavailable, PostgresPipeline
from tests.pipeline_harness import (
    CRAWLED_AT,
    KST,
    fetch,
    make_comment,
    make_post,
    pipeline_for,
    stop_embedded,
    write,
)

LATER = CRAWLED_AT + dt.timedelta(hours=1)
PASSWORD = "hunter2"


def post_row(url: str, post_no: int, gallery_id: str = "programming") -> dict[str, Any]:
    (row,) = fetch(
        url, "SELECT * FROM posts WHERE gallery_id = %s AND post_no = %s", (gallery_id, post_no)
    )
    return row


def snapshots(url: str, post_no: int) -> list[dict[str, Any]]:
    return fetch(
        url,
        "SELECT seen_at, views, recommend, downvotes, comment_count FROM post_snapshots"
        " WHERE post_no = %s ORDER BY seen_at",
        (post_no,),
    )


def dump(url: str) -> list[list[dict[str, Any]]]:
    """Every row of every table, with xmin: equal dumps mean no row was even rewritten."""
    return [
        fetch(url, f"SELECT xmin::text, * FROM {table} ORDER BY 2, 3, 4")  # noqa: S608
        for table in ("galleries", "posts", "comments", "post_snapshots")
    ]


def with_password(url: str) -> str:
    """*url* with a password added (trust auth ignores it; logs must never show it)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["password"] = PASSWORD
    return psycopg.conninfo.make_conninfo(**info)


# --- what is stored --------------------------------------------------------------


def test_items_are_stored_exactly(database_url: str) -> None:
    posts = [
        make_post(1),
        make_post(
            2,
            gallery_id="granblue",
            gallery_kind="minor",
            head=None,
            writer_nick="코비",
            writer_uid="kobi123",
            writer_ip=None,
            downvotes=7,
            image_urls=[],
            created_at=dt.datetime(2019, 1, 1, 0, 0, 0, 1, tzinfo=KST),
        ),
    ]
    comments = [
        make_comment(1, 10),
        make_comment(1, 11, parent_no=10, writer_uid=None, writer_ip="1.214"),
        make_comment(1, 12, body_text=None, dccon_url="https://dcimg.example/dccon/1.gif"),
    ]
    stats = write(database_url, [*posts, *comments])
    for item in posts:
        row = post_row(database_url, item["post_no"], item["gallery_id"])
        for column in POST_COLUMNS:
            assert row[column] == item[column], column
        assert row["created_at"].tzinfo is not None
        assert row["first_seen_at"] == row["last_seen_at"] == row["updated_at"] == CRAWLED_AT
        assert row["counts_changed_at"] == CRAWLED_AT
    assert post_row(database_url, 1)["downvotes"] is None  # NULL, not 0
    assert post_row(database_url, 2, "granblue")["image_urls"] == []  # empty array, not NULL
    stored = fetch(database_url, "SELECT * FROM comments ORDER BY comment_no")
    assert len(stored) == len(comments)
    for item, row in zip(comments, stored, strict=True):
        for column in COMMENT_COLUMNS:
            assert row[column] == item[column], column
        assert row["first_seen_at"] == row["last_seen_at"] == CRAWLED_AT
    galleries = fetch(database_url, "SELECT gallery_id, kind FROM galleries ORDER BY 1")
    assert galleries == [
        {"gallery_id": "granblue", "kind": "minor"},
        {"gallery_id": "programming", "kind": "major"},
    ]
    # first sightings start the growth curves
    assert snapshots(database_url, 1) == [
        {"seen_at": CRAWLED_AT, "views": 202, "recommend": 3, "downvotes": None, "comment_count": 2}
    ]
    assert stats["dccrawl/db/posts_written"] == 2
    assert stats["dccrawl/db/posts_new"] == 2
    assert stats["dccrawl/db/comments_written"] == 3
    assert stats["dccrawl/db/snapshots"] == 2
    assert stats["dccrawl/db/batches"] == 1
    assert stats["dccrawl/db/unwritten"] == 0
    assert "dccrawl/db/posts_changed" not in stats


def test_writing_the_same_items_twice_changes_nothing(database_url: str) -> None:
    items = [make_post(n) for n in range(1, 30)] + [make_comment(1, n) for n in range(1, 30)]
    write(database_url, items)
    before = dump(database_url)
    stats = write(database_url, items)
    assert dump(database_url) == before  # same values, and not one row rewritten (xmin)
    assert stats["dccrawl/db/posts_written"] == 29
    for name in ("posts_new", "posts_changed", "snapshots", "comments_new", "comments_changed"):
        assert f"dccrawl/db/{name}" not in stats


def test_a_recrawl_without_changes_only_moves_last_seen(database_url: str) -> None:
    write(database_url, [make_post(1), make_comment(1, 5)])
    stats = write(
        database_url, [make_post(1, crawled_at=LATER), make_comment(1, 5, crawled_at=LATER)]
    )
    row = post_row(database_url, 1)
    assert row["last_seen_at"] == row["crawled_at"] == LATER
    assert row["first_seen_at"] == row["updated_at"] == row["counts_changed_at"] == CRAWLED_AT
    assert len(snapshots(database_url, 1)) == 1
    (comment,) = fetch(database_url, "SELECT * FROM comments")
    assert comment["last_seen_at"] == LATER
    assert comment["updated_at"] == CRAWLED_AT
    assert "dccrawl/db/posts_changed" not in stats
    assert "dccrawl/db/snapshots" not in stats


def test_changed_counts_update_the_row_and_add_a_snapshot(database_url: str) -> None:
    write(database_url, [make_post(1), make_post(2)])
    stats = write(
        database_url,
        [
            make_post(1, views=250, comment_count=5, crawled_at=LATER),
            make_post(2, crawled_at=LATER),
        ],
    )
    row = post_row(database_url, 1)
    assert (row["views"], row["comment_count"]) == (250, 5)
    assert row["counts_changed_at"] == LATER
    assert row["updated_at"] == CRAWLED_AT  # counts are not content
    assert [(s["seen_at"], s["views"]) for s in snapshots(database_url, 1)] == [
        (CRAWLED_AT, 202),
        (LATER, 250),
    ]
    assert len(snapshots(database_url, 2)) == 1
    assert stats["dccrawl/db/posts_changed"] == 1
    assert stats["dccrawl/db/snapshots"] == 1
    # the same counts seen again: no new snapshot
    write(database_url, [make_post(1, views=250, comment_count=5, crawled_at=LATER)])
    assert len(snapshots(database_url, 1)) == 2


def test_an_edited_post_updates_content_and_updated_at(database_url: str) -> None:
    write(database_url, [make_post(1)])
    stats = write(
        database_url,
        [make_post(1, title="고친 제목", body_text="고친 본문", image_urls=[], crawled_at=LATER)],
    )
    row = post_row(database_url, 1)
    assert (row["title"], row["body_text"], row["image_urls"]) == ("고친 제목", "고친 본문", [])
    assert row["updated_at"] == LATER
    assert row["counts_changed_at"] == CRAWLED_AT
    assert len(snapshots(database_url, 1)) == 1
    assert stats["dccrawl/db/posts_changed"] == 1


def test_a_deleted_post_keeps_its_data_and_is_marked(database_url: str) -> None:
    original = make_post(1, downvotes=4)
    write(database_url, [original, make_comment(1, 7)])
    gone = {f: None for f in POST_COLUMNS if f not in ("gallery_id", "post_no", "crawled_at")}
    deleted = Post(gallery_id="programming", post_no=1, crawled_at=LATER, **gone)
    deleted["is_deleted"] = True
    deleted["image_urls"] = []
    deleted["title"] = ""
    deleted_comment = make_comment(
        1, 7, body_text=None, writer_nick=None, is_deleted=True, crawled_at=LATER
    )
    stats = write(database_url, [deleted, deleted_comment])
    row = post_row(database_url, 1)
    assert row["is_deleted"] is True
    for column in POST_COLUMNS:
        if column not in ("is_deleted", "crawled_at"):
            assert row[column] == original[column], column
    assert row["updated_at"] == LATER
    assert len(snapshots(database_url, 1)) == 1  # counts kept, so no snapshot
    (comment,) = fetch(database_url, "SELECT * FROM comments")
    assert comment["is_deleted"] is True
    assert (comment["body_text"], comment["writer_nick"]) == ("댓글 7", "코비")
    assert stats["dccrawl/db/posts_changed"] == 1
    assert stats["dccrawl/db/comments_changed"] == 1


def test_a_post_first_seen_deleted_is_stored_without_a_snapshot(database_url: str) -> None:
    post = Post(gallery_id="programming", post_no=9, is_deleted=True, crawled_at=CRAWLED_AT)
    write(database_url, [post])
    row = post_row(database_url, 9)
    assert row["is_deleted"] is True
    assert row["title"] is None
    assert snapshots(database_url, 9) == []


def test_an_older_crawl_never_overwrites_a_newer_one(database_url: str) -> None:
    write(database_url, [make_post(1, title="new", views=300, crawled_at=LATER)])
    write(database_url, [make_post(1, title="old", views=100)])
    row = post_row(database_url, 1)
    assert (row["title"], row["views"], row["crawled_at"]) == ("new", 300, LATER)
    assert row["first_seen_at"] == LATER


def test_duplicates_within_a_batch_keep_the_last(database_url: str) -> None:
    items = [
        make_post(1, title="a"),
        make_post(2),
        make_post(1, title="b"),
        make_post(1, title="c"),
    ]
    stats = write(database_url, items)
    assert post_row(database_url, 1)["title"] == "c"
    assert fetch(database_url, "SELECT count(*) AS n FROM posts") == [{"n": 2}]
    assert stats["dccrawl/db/batch_duplicates"] == 2
    assert stats["dccrawl/db/posts_written"] == 2


def test_unusual_text_round_trips_cleaned(database_url: str) -> None:
    big = "가나다라 😀 עברית " * 40_000  # 1.1 MB of UTF-8
    titles = {
        1: "'); DROP TABLE posts; --",
        2: "Robert'); DROP TABLE comments;-- \\N \\. $$ %s %(x)s {}",
        3: "NUL\x00inside\x00",
        4: "lone \ud83d surrogate and pair \ud83d\ude00",
        5: "emoji 😀👍🏽🇰🇷 RTL مرحبا שלום\u200f mixed",
        6: "tab\tnewline\nreturn\r backslash\\ quote\" '",
        7: "\\N",  # COPY's NULL marker as text
    }
    items = [make_post(n, title=t, body_text=t) for n, t in titles.items()]
    items.append(
        make_post(
            8,
            body_text=big,
            body_html=f"<p>{big}</p>",
            image_urls=["a,b", '{"c"}', "NULL", "", "\\", "d\x00e"],
            writer_nick="\\N",
        )
    )
    stats = write(database_url, items)
    expected = {
        **titles,
        3: "NULinside",
        4: "lone \ufffd surrogate and pair 😀",
    }
    for n, title in expected.items():
        row = post_row(database_url, n)
        assert row["title"] == title, n
        assert row["body_text"] == title, n
    row = post_row(database_url, 8)
    assert row["body_text"] == big
    assert len(row["body_text"].encode()) > 1_048_576
    assert row["body_html"] == f"<p>{big}</p>"
    assert row["image_urls"] == ["a,b", '{"c"}', "NULL", "", "\\", "de"]
    assert row["writer_nick"] == "\\N"
    assert fetch(database_url, "SELECT count(*) AS n FROM posts") == [{"n": 8}]
    assert "dccrawl/db/rejected" not in stats


# --- bad items --------------------------------------------------------------------


def test_a_bad_item_does_not_lose_its_batch(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    good = [make_post(n) for n in range(1, 41)] + [make_comment(1, n) for n in range(1, 11)]
    bad = [
        make_post(101, views="many"),  # refused by the server in COPY
        make_post(102, created_at="not a date"),
        make_post(103, image_urls=[{"a": 1}]),  # refused client-side: psycopg cannot adapt it
        make_post(2**70),  # post_no out of bigint range
        make_comment(1, 104, parent_no="x"),
        make_post(None),  # no key at all: refused before buffering
    ]
    items: list[Post | Comment] = good[:]
    for i, item in enumerate(bad):
        items.insert(i * 9, item)
    with caplog.at_level(logging.ERROR, logger="pipelines.postgres"):
        stats = write(database_url, items, DCCRAWL_DB_BATCH_SIZE=25)
    assert fetch(database_url, "SELECT count(*) AS n FROM posts") == [{"n": 40}]
    assert fetch(database_url, "SELECT count(*) AS n FROM comments") == [{"n": 10}]
    assert stats["dccrawl/db/rejected"] == len(bad)
    assert stats["dccrawl/db/posts_written"] == 40
    assert stats["dccrawl/db/unwritten"] == 0
    assert "dccrawl/failed_reason" not in stats
    for key in ("'programming', 101)", "102)", "103)", str(2**70), "1, 104)"):
        assert key in caplog.text
    assert 'invalid input syntax for type integer: "many"' in caplog.text


# --- timing -------------------------------------------------------------------------


def test_process_item_never_waits_and_batches_flush_by_age(database_url: str) -> None:
    pipeline = pipeline_for(database_url, DCCRAWL_DB_BATCH_SIZE=1000, DCCRAWL_DB_BATCH_SECONDS=0.3)

    async def count() -> int:
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            cur = await conn.execute("SELECT count(*) FROM posts")
            row = await cur.fetchone()
            assert row is not None
            return int(row[0])

    async def run() -> None:
        await pipeline.open_spider()
        started = time.monotonic()
        for n in range(300):
            await pipeline.process_item(make_post(n))
        assert time.monotonic() - started < 0.5  # no round trip per item
        assert await count() == 0  # buffered: neither full nor old yet
        deadline = time.monotonic() + 5
        while await count() < 300:
            assert time.monotonic() < deadline, "the aged batch was never written"
            await asyncio.sleep(0.05)
        await pipeline.close_spider()

    asyncio.run(run())
    assert pipeline.stats.get_value("dccrawl/db/batches") == 1


def test_backpressure_when_the_buffer_is_full(database_url: str) -> None:
    stats = write(
        database_url,
        [make_post(n) for n in range(500)],
        DCCRAWL_DB_BATCH_SIZE=40,
        DCCRAWL_DB_MAX_BUFFER=60,
    )
    assert stats["dccrawl/db/posts_written"] == 500
    assert fetch(database_url, "SELECT count(*) AS n FROM posts") == [{"n": 500}]


# --- the database going away -------------------------------------------------------------


def _terminate(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'dccrawl'"
        ).fetchall()
    return len(rows)


def test_a_terminated_session_is_reconnected_and_nothing_lost(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = with_password(database_url)
    pipeline = pipeline_for(url, DCCRAWL_DB_BATCH_SIZE=10)

    async def run() -> None:
        await pipeline.open_spider()
        for round_ in range(3):
            for n in range(10):
                await pipeline.process_item(make_post(round_ * 10 + n))
            while pipeline.stats.get_value("dccrawl/db/posts_written", 0) < 10 * (round_ + 1):
                await asyncio.sleep(0.02)
            assert await asyncio.to_thread(_terminate, database_url) == 1
        await pipeline.close_spider()

    with caplog.at_level(logging.INFO):
        asyncio.run(run())
    stats = pipeline.stats.get_stats()
    assert fetch(database_url, "SELECT count(*) AS n FROM posts") == [{"n": 30}]
    assert stats["dccrawl/db/retries"] >= 2
    assert stats["dccrawl/db/unwritten"] == 0
    assert "retrying" in caplog.text
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(stats)


def test_a_database_that_never_comes_back_is_reported(
    database_url: str, pg_admin_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = with_password(database_url)
    pipeline = pipeline_for(url, DCCRAWL_DB_BATCH_SIZE=1000, DCCRAWL_DB_RETRY_SECONDS=1.0)
    name = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]

    def drop() -> None:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(str(name))))

    async def run() -> None:
        await pipeline.open_spider()
        for n in range(25):
            await pipeline.process_item(make_post(n))
        await asyncio.to_thread(drop)
        started = time.monotonic()
        await pipeline.close_spider()
        assert time.monotonic() - started < 5  # the retry budget, not forever

    with caplog.at_level(logging.INFO):
        asyncio.run(run())
    stats = pipeline.stats.get_stats()
    assert stats["dccrawl/db/unwritten"] == 25
    assert stats["dccrawl/failed_reason"] == "database"
    assert stats["dccrawl/db/retries"] >= 1
    assert "25 item(s) were NOT written" in caplog.text
    assert PASSWORD not in caplog.text


def test_open_fails_soon_on_an_unreachable_database(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    info = psycopg.conninfo.conninfo_to_dict(with_password(database_url))
    info["dbname"] = "dccrawl_no_such_database"
    pipeline = pipeline_for(psycopg.conninfo.make_conninfo(**info), DCCRAWL_DB_RETRY_SECONDS=0.5)
    with pytest.raises(DatabaseUnavailable) as raised:
        asyncio.run(pipeline.open_spider())
    assert "dccrawl_no_such_database" in str(raised.value)
    assert PASSWORD not in str(raised.value)
    assert PASSWORD not in caplog.text
    assert pipeline.stats.get_value("dccrawl/failed_reason") == "database"


@pytest.mark.parametrize("missing", ["dbname", "user"])
def test_a_database_or_role_that_does_not_exist_fails_at_once_without_retrying(
    database_url: str, missing: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Waiting cannot create a database: no retry, even with a long retry budget."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    info[missing] = "dccrawl_nobody_here"
    pipeline = pipeline_for(psycopg.conninfo.make_conninfo(**info), DCCRAWL_DB_RETRY_SECONDS=300)
    with caplog.at_level(logging.INFO), pytest.raises(DatabaseUnavailable) as raised:
        asyncio.run(pipeline.open_spider())
    assert "dccrawl_nobody_here" in str(raised.value)
    assert "retrying" not in caplog.text


def test_an_unusable_database_closes_the_spider_cleanly() -> None:
    """A ``CloseSpider``: Scrapy closes with reason database_unavailable, no traceback."""
    assert DatabaseUnavailable("no such database").reason == "database_unavailable"


def test_embedded_server_restart_mid_run_loses_nothing(
    embedded_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real server stop and start (the embedded pgserver) between two batches."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = {"DCCRAWL_EMBEDDED_DIR": str(embedded_dir)}
    url = resolve_database(Settings(settings)).url
    _drop_schema(url)  # the embedded database is shared by this session's tests
    crawler = get_crawler(settings_dict={**settings, "DCCRAWL_DB_BATCH_SIZE": 10})
    pipeline = PostgresPipeline.from_crawler(crawler)

    async def run() -> None:
        await pipeline.open_spider()
        assert pipeline.target is not None
        assert pipeline.target.embedded
        for n in range(10):
            await pipeline.process_item(make_post(n))
        while pipeline.stats.get_value("dccrawl/db/posts_written", 0) < 10:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(stop_embedded, embedded_dir)
        for n in range(10, 25):
            await pipeline.process_item(make_post(n))
        while pipeline.stats.get_value("dccrawl/db/retries", 0) < 2:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(resolve_database, Settings(settings))  # starts it again
        await pipeline.close_spider()

    try:
        asyncio.run(run())
        stats = pipeline.stats.get_stats()
        assert fetch(url, "SELECT count(*) AS n FROM posts") == [{"n": 25}]
        assert stats["dccrawl/db/unwritten"] == 0
        assert stats["dccrawl/db/posts_written"] == 25
    finally:
        resolve_database(Settings(settings))
        _drop_schema(url)


def _drop_schema(url: str) -> None:
    """Empty the shared embedded database: every table of every migration, present or future."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def test_each_applied_migration_is_logged_once(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        write(database_url, [make_post(1)])
    applied = [r.getMessage() for r in caplog.records if "Applied migration" in r.getMessage()]
    assert applied
    assert len(applied) == len(set(applied))
