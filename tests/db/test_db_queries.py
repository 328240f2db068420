"""The README's queries (dccrawl.db.queries) answer correctly and can use their indexes."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from dccrawl.db import queries
from dccrawl.db.migrate import migrate
from tests.pipeline_harness import CRAWLED_AT, KST, make_comment, make_post, write

DAY = dt.datetime(2026, 6, 30, tzinfo=KST)
LATER = CRAWLED_AT + dt.timedelta(hours=2)
PERIOD = {"gallery_id": "programming", "since": DAY, "until": DAY + dt.timedelta(days=1)}


@pytest.fixture
def url(database_url: str) -> str:
    posts = []
    for n in range(1, 31):
        member = n % 3 == 0
        posts.append(
            make_post(
                n,
                created_at=DAY + dt.timedelta(hours=n % 24, minutes=n),
                views=n * 10,
                comment_count=30 - n,
                writer_uid=("alice" if n % 2 else "bob") if member else None,
                writer_nick=f"nick{n}" if member else "ㅇㅇ",
                writer_ip=None if member else ("118.235" if n % 2 else "1.214"),
                is_deleted=n in (7, 8),
            )
        )
    posts.append(make_post(99, gallery_id="other", created_at=DAY))
    comments = [
        make_comment(1, 10),
        make_comment(1, 11, parent_no=10),
        make_comment(1, 12),
        make_comment(1, 13, parent_no=10),
        make_comment(1, 14, parent_no=9),  # its parent was never stored
        make_comment(2, 15),
    ]
    write(database_url, [*posts, *comments])
    # two hours later: post 5 gained 100 views, post 6 gained 1000, the rest none
    write(
        database_url,
        [
            make_post(5, views=150, created_at=posts[4]["created_at"], crawled_at=LATER,
                      comment_count=25, writer_ip="118.235"),
            make_post(6, views=1060, created_at=posts[5]["created_at"], crawled_at=LATER,
                      comment_count=30, writer_uid="bob", writer_nick="nick6", writer_ip=None),
        ],
    )  # fmt: skip
    return database_url


def run(url: str, query: str, **params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()


def test_newest_posts(url: str) -> None:
    rows = run(url, queries.NEWEST_POSTS, gallery_id="programming", limit=4)
    assert [r["post_no"] for r in rows] == [30, 29, 28, 27]


def test_most_viewed_and_most_commented_in_a_period(url: str) -> None:
    rows = run(url, queries.MOST_VIEWED, **PERIOD, limit=3)
    assert [(r["post_no"], r["views"]) for r in rows] == [(6, 1060), (30, 300), (29, 290)]
    rows = run(url, queries.MOST_COMMENTED, **PERIOD, limit=2)
    assert [(r["post_no"], r["comment_count"]) for r in rows] == [(6, 30), (1, 29)]
    empty = {**PERIOD, "since": DAY - dt.timedelta(days=9), "until": DAY - dt.timedelta(days=8)}
    assert run(url, queries.MOST_VIEWED, **empty, limit=3) == []


def test_activity_by_hour(url: str) -> None:
    rows = run(url, queries.ACTIVITY_BY_HOUR, **PERIOD)
    assert [r["hour"] for r in rows] == list(range(24))
    by_hour = {r["hour"]: r["posts"] for r in rows}
    assert by_hour[0] == 1  # post 24 (post 99 is another gallery)
    assert by_hour[1] == 2  # posts 1 and 25
    assert by_hour[23] == 1
    assert sum(by_hour.values()) == 30


def test_top_writers(url: str) -> None:
    members = run(url, queries.TOP_MEMBERS, gallery_id="programming", limit=10)
    # multiples of 3: odd → alice (3,9,15,21,27), even → bob (12,18,24,30) + post 6
    assert [(r["writer_uid"], r["posts"]) for r in members] == [("alice", 5), ("bob", 5)]
    assert members[1]["writer_nick"] == "nick30"  # the latest nick
    prefixes = run(url, queries.TOP_ANONYMOUS_PREFIXES, gallery_id="programming", limit=10)
    assert [(r["writer_ip"], r["posts"]) for r in prefixes] == [("1.214", 10), ("118.235", 10)]


def test_comment_thread_puts_replies_under_their_parent(url: str) -> None:
    rows = run(url, queries.COMMENT_THREAD, gallery_id="programming", post_no=1)
    assert [(r["comment_no"], r["is_reply"]) for r in rows] == [
        (14, True),
        (10, False),
        (11, True),
        (13, True),
        (12, False),
    ]


def test_fastest_growing(url: str) -> None:
    rows = run(
        url,
        queries.FASTEST_GROWING,
        gallery_id="programming",
        since=DAY,
        until=LATER + dt.timedelta(1),
        limit=5,
    )
    assert [(r["post_no"], r["views_gained"], float(r["views_per_hour"])) for r in rows] == [
        (6, 1000, 500.0),
        (5, 100, 50.0),
    ]
    assert rows[0]["comments_gained"] == 6


def test_first_day_lists_a_posts_snapshots_within_a_day_of_its_creation(url: str) -> None:
    # post 22 was written 22:22 the day before the crawl at 12:00: 13.6 hours old
    rows = run(url, queries.FIRST_DAY, gallery_id="programming", post_no=22)
    assert [(r["views"], r["comment_count"], r["age"]) for r in rows] == [
        (220, 8, dt.timedelta(hours=13, minutes=38))
    ]
    # post 6, written at 06:06, was first seen 30 hours old: nothing of its first day
    assert run(url, queries.FIRST_DAY, gallery_id="programming", post_no=6) == []


def test_gained_comments_ranks_posts_by_comments_gained_since_first_seen(url: str) -> None:
    rows = run(url, queries.GAINED_COMMENTS, gallery_id="programming", since=DAY, limit=10)
    assert [(r["post_no"], r["comments_first_seen"], r["gained"]) for r in rows] == [(6, 24, 6)]


def test_deleted_posts_keep_their_content(url: str) -> None:
    rows = run(url, queries.DELETED_POSTS, gallery_id="programming", limit=10)
    assert [r["post_no"] for r in rows] == [8, 7]
    assert rows[0]["body_text"].startswith("본문 8")


@pytest.fixture(scope="module")
def big_url(pg_admin_url: str) -> Iterator[str]:
    """A gallery of 20,000 posts over 200 days (plus other galleries, comments and
    snapshots), so the planner chooses by real selectivity."""
    name = f"dccrawl_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(pg_admin_url)
    info["dbname"] = name
    url = psycopg.conninfo.make_conninfo(**info)
    try:
        migrate(url)
        with psycopg.connect(url) as conn:
            conn.execute(
                """
                INSERT INTO posts (gallery_id, post_no, title, writer_nick, writer_uid, writer_ip,
                                   created_at, views, recommend, comment_count, is_deleted,
                                   crawled_at, first_seen_at, last_seen_at, updated_at,
                                   counts_changed_at, is_notice, writer_class)
                SELECT g, n, 't' || n, 'w',
                       CASE WHEN n %% 3 = 0 THEN 'uid' || n %% 50 END,
                       CASE WHEN n %% 3 <> 0 THEN '1.' || n %% 200 END,
                       %(start)s + n * interval '864 seconds', n %% 997, 0, n %% 31, n %% 400 = 0,
                       now(), now(), now(), now(), now(), n %% 5000 = 0,
                       CASE WHEN n %% 3 <> 0 THEN 'floating'
                            WHEN n %% 999 = 0 THEN 'manager' ELSE 'fixed' END
                FROM generate_series(1, 20000) AS n, unnest(ARRAY['g', 'h', 'i', 'j']) AS g
                """,
                {"start": DAY - dt.timedelta(days=100)},
            )
            conn.execute(
                """
                INSERT INTO comments (gallery_id, post_no, comment_no, writer_nick, crawled_at,
                                      first_seen_at, last_seen_at, updated_at)
                SELECT 'g', n / 10, n, 'w', now(), now(), now(), now()
                FROM generate_series(1, 50000) AS n
                """
            )
            conn.execute(
                """
                INSERT INTO post_snapshots (gallery_id, post_no, seen_at, views)
                SELECT 'g', n %% 20000, %(start)s + n * interval '100 seconds', n
                FROM generate_series(1, 100000) AS n
                """,
                {"start": DAY - dt.timedelta(days=100)},
            )
            conn.execute("ANALYZE")
        yield url
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


DAY_G = {"gallery_id": "g", "since": DAY, "until": DAY + dt.timedelta(days=1)}


@pytest.mark.parametrize(
    ("name", "index", "params"),
    [
        ("newest_posts", "posts_pkey", {"gallery_id": "g", "limit": 50}),
        ("most_viewed", "posts_gallery_created_idx", {**DAY_G, "limit": 50}),
        ("most_commented", "posts_gallery_created_idx", {**DAY_G, "limit": 50}),
        ("activity_by_hour", "posts_gallery_created_idx", DAY_G),
        ("top_members", "posts_writer_uid_idx", {"gallery_id": "g", "limit": 50}),
        ("top_anonymous_prefixes", "posts_writer_ip_idx", {"gallery_id": "g", "limit": 50}),
        ("comment_thread", "comments_pkey", {"gallery_id": "g", "post_no": 100}),
        ("fastest_growing", "post_snapshots_gallery_seen_idx", {**DAY_G, "limit": 50}),
        ("first_day", "post_snapshots_pkey", {"gallery_id": "g", "post_no": 100}),
        ("gained_comments", "posts_gallery_created_idx", {**DAY_G, "limit": 50}),
        ("deleted_posts", "posts_deleted_idx", {"gallery_id": "g", "limit": 50}),
        ("notices", "posts_notice_idx", {"gallery_id": "g"}),
        ("staff_posts", "posts_staff_idx", {**DAY_G, "limit": 50}),
        (
            "search_posts",
            "posts_title_bigrams_idx",
            {"gallery_id": "g", "word": "t19999", "limit": 5},
        ),
    ],
)
def test_each_query_uses_its_index(
    big_url: str, name: str, index: str, params: dict[str, Any]
) -> None:
    params = {"limit": 5, **params}
    with psycopg.connect(big_url) as conn:
        (plan,) = conn.execute(  # type: ignore[misc]
            "EXPLAIN (FORMAT JSON) " + queries.ALL[name], params
        ).fetchone()
    assert index in json.dumps(plan), json.dumps(plan, indent=1)
