"""Every query of the README's "Querying your data" runs and answers right on crawled data.

The replica gallery is crawled twice: once at epoch 0 and once at epoch 1, where
the replica has grown some posts' counts and deleted nothing — so the growth
query has snapshots to compare.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from testbed.databases import fresh_database
from testbed.replica.process import ReplicaProcess
from tests.crawling import run_crawl
from tests.readme_queries import (
    README,
    TITLES,
    psycopg_form,
    readme_queries,
    readme_section,
    render,
)

pytestmark = pytest.mark.integration

GALLERY = "readme"
ARGS = ["--gallery", f"{GALLERY}:minor:160"]


def test_readme_shows_exactly_the_project_queries() -> None:
    assert readme_section(README.read_text()) == render().strip("\n"), (
        "README.md's queries differ from dccrawl/db/queries.py: run python -m tests.readme_queries"
    )


@pytest.fixture(scope="module")
def crawled(pg_admin_url: str) -> Iterator[str]:
    """A database holding the replica gallery crawled at epoch 0, then again at epoch 1."""
    with fresh_database(pg_admin_url) as url:
        for epoch in ("0", "1"):
            with ReplicaProcess([*ARGS, "--epoch", epoch]) as replica:
                result = run_crawl(replica.base_url or "", url, {"gallery": GALLERY})
                assert result.returncode == 0, result
        yield url


def run(url: str, title: str, **params: Any) -> list[dict[str, Any]]:
    query = readme_queries(README.read_text())[title]
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(psycopg_form(query), params).fetchall()  # type: ignore[arg-type]


EVERYTHING = {
    "gallery_id": GALLERY,
    "since": dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    "until": dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
    "limit": 10,
}


def test_newest_posts_are_in_number_order(crawled: str) -> None:
    rows = run(crawled, TITLES["newest_posts"], **EVERYTHING)
    numbers = [row["post_no"] for row in rows]
    assert len(numbers) == 10 and numbers == sorted(numbers, reverse=True)


def test_most_viewed_posts_lead_with_the_maximum(crawled: str) -> None:
    rows = run(crawled, TITLES["most_viewed"], **EVERYTHING)
    with psycopg.connect(crawled) as conn:
        (top,) = conn.execute(
            "SELECT max(views) FROM posts WHERE gallery_id = %s", (GALLERY,)
        ).fetchone() or (None,)
    assert rows[0]["views"] == top


def test_most_commented_posts_are_in_count_order(crawled: str) -> None:
    counts = [row["comment_count"] for row in run(crawled, TITLES["most_commented"], **EVERYTHING)]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0


def test_activity_per_hour_counts_every_post(crawled: str) -> None:
    rows = run(crawled, TITLES["activity_by_hour"], **EVERYTHING)
    with psycopg.connect(crawled) as conn:
        (total,) = conn.execute(
            "SELECT count(*) FROM posts WHERE gallery_id = %s AND created_at IS NOT NULL",
            (GALLERY,),
        ).fetchone() or (0,)
    assert (len(rows), sum(row["posts"] for row in rows)) == (24, total)


def test_top_members_are_members(crawled: str) -> None:
    rows = run(crawled, TITLES["top_members"], **EVERYTHING)
    assert rows and all(row["writer_uid"] for row in rows)


def test_top_anonymous_prefixes_are_ip_prefixes(crawled: str) -> None:
    rows = run(crawled, TITLES["top_anonymous_prefixes"], **EVERYTHING)
    assert rows and all(row["writer_ip"].count(".") == 1 for row in rows)


def test_comment_thread_puts_replies_under_their_parents(crawled: str) -> None:
    with psycopg.connect(crawled) as conn:
        (post_no,) = conn.execute(
            "SELECT post_no FROM comments WHERE parent_no IS NOT NULL "
            "GROUP BY post_no ORDER BY count(*) DESC LIMIT 1"
        ).fetchone() or (None,)
    rows = run(crawled, TITLES["comment_thread"], gallery_id=GALLERY, post_no=post_no)
    seen: set[int] = set()
    for row in rows:
        if row["parent_no"] is not None:
            assert row["parent_no"] in seen, "a reply came before its parent"
        else:
            seen.add(row["comment_no"])
    assert any(row["is_reply"] for row in rows)


def test_fastest_growing_posts_come_from_two_crawls(crawled: str) -> None:
    rows = run(crawled, TITLES["fastest_growing"], **EVERYTHING)
    assert rows and all(row["views_gained"] >= 0 for row in rows)
    assert rows[0]["views_gained"] > 0


def test_gained_comments_come_from_two_crawls(crawled: str) -> None:
    rows = run(crawled, TITLES["gained_comments"], **EVERYTHING)
    gains = [row["gained"] for row in rows]
    assert gains and gains == sorted(gains, reverse=True) and gains[-1] > 0


def test_first_day_shows_a_new_posts_snapshot(crawled: str) -> None:
    with psycopg.connect(crawled) as conn:
        (newest,) = conn.execute(
            "SELECT max(post_no) FROM posts WHERE gallery_id = %s", (GALLERY,)
        ).fetchone() or (None,)
    rows = run(crawled, TITLES["first_day"], gallery_id=GALLERY, post_no=newest)
    assert len(rows) == 1 and rows[0]["age"] < dt.timedelta(days=1)


def test_notices_are_notices(crawled: str) -> None:
    rows = run(crawled, TITLES["notices"], gallery_id=GALLERY)
    assert rows and all(row["writer_class"] in ("operator", "manager") for row in rows)


def test_staff_posts_are_by_staff(crawled: str) -> None:
    rows = run(crawled, TITLES["staff_posts"], **EVERYTHING)
    assert rows and {row["writer_class"] for row in rows} <= {"manager", "sub_manager", "operator"}


def test_top_fixed_nicks_are_members_with_activity(crawled: str) -> None:
    rows = run(crawled, TITLES["top_fixed_nicks"], **EVERYTHING)
    assert rows and all(row["writer_uid"] and row["posts"] + row["comments"] > 0 for row in rows)


def test_deleted_posts_query_answers(crawled: str) -> None:
    # A list crawl sees no deleted post; mark one as a later crawl would.
    with psycopg.connect(crawled) as conn:
        conn.execute(
            "UPDATE posts SET is_deleted = true WHERE gallery_id = %s AND post_no = "
            "(SELECT max(post_no) FROM posts WHERE gallery_id = %s)",
            (GALLERY, GALLERY),
        )
    rows = run(crawled, TITLES["deleted_posts"], **EVERYTHING)
    assert len(rows) == 1 and rows[0]["title"]


def test_search_finds_the_posts_whose_title_holds_a_word(crawled: str) -> None:
    with psycopg.connect(crawled) as conn:
        title = conn.execute(
            "SELECT title FROM posts WHERE gallery_id = %s AND NOT is_deleted "
            "AND char_length(title) >= 4 ORDER BY post_no LIMIT 1",
            (GALLERY,),
        ).fetchone()
        assert title is not None
        word = title[0][1:3]  # two characters from inside a real title
        expected = [
            row[0]
            for row in conn.execute(
                "SELECT post_no FROM posts WHERE gallery_id = %s AND (title ILIKE %s "
                "OR body_text ILIKE %s) ORDER BY post_no DESC",
                (GALLERY, f"%{word}%", f"%{word}%"),
            )
        ]
    rows = run(crawled, TITLES["search_posts"], **{**EVERYTHING, "word": word, "limit": 1000})
    assert [row["post_no"] for row in rows] == expected and expected
