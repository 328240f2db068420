"""A refresh's ``ListedPost`` rows update what a list row shows of a stored post, and only
that: a snapshot when counts moved, nothing for a deleted or a more recently read post, no
row for a post never stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dccrawl.items import ListedPost
from dccrawl.kst import KST
from tests.pipeline_harness import fetch, make_post, write

CRAWLED = dt.datetime(2026, 7, 1, 12, 0, tzinfo=KST)


def listed(post_no: int, minutes: int = 10, **fields: Any) -> ListedPost:
    values: dict[str, Any] = {
        "gallery_id": "programming",
        "post_no": post_no,
        "title": f"파이썬 질문 {post_no}",
        "views": 202,
        "recommend": 3,
        "comment_count": 2,
        "is_recommended": False,
        "is_notice": False,
        "listed_at": CRAWLED + dt.timedelta(minutes=minutes),
    }
    values.update(fields)
    return ListedPost(**values)


def stored_post(url: str, post_no: int = 1) -> dict[str, Any]:
    (row,) = fetch(
        url,
        "SELECT title, views, recommend, downvotes, comment_count, body_text, is_recommended,"
        " updated_at, counts_changed_at, crawled_at FROM posts WHERE post_no = %s",
        (post_no,),
    )
    return row


def snapshots(url: str) -> list[dict[str, Any]]:
    return fetch(url, "SELECT post_no, views, recommend, downvotes, comment_count, seen_at "
                      "FROM post_snapshots ORDER BY seen_at")  # fmt: skip


def test_new_counts_are_stored_with_a_snapshot(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED, downvotes=4)])
    stats = write(database_url, [listed(1, views=250, recommend=5)])
    row = stored_post(database_url)
    assert (row["views"], row["recommend"], row["downvotes"]) == (250, 5, 4)
    assert row["body_text"] == "본문 1\n둘째 줄"  # the view page's content stays
    assert row["counts_changed_at"] == CRAWLED + dt.timedelta(minutes=10)
    assert row["updated_at"] == CRAWLED  # the content did not change
    assert [(s["views"], s["downvotes"]) for s in snapshots(database_url)] == [(202, 4), (250, 4)]
    assert stats["dccrawl/db/posts_changed"] == 1
    assert stats["dccrawl/db/snapshots"] == 1


def test_a_new_title_is_content_without_a_snapshot(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED)])
    write(database_url, [listed(1, title="파이썬 질문 1 (수정)")])
    row = stored_post(database_url)
    assert row["title"] == "파이썬 질문 1 (수정)"
    assert row["updated_at"] == CRAWLED + dt.timedelta(minutes=10)
    assert len(snapshots(database_url)) == 1  # the first crawl's only


def test_the_same_row_again_writes_nothing(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED)])
    stats = write(database_url, [listed(1)])
    assert stats.get("dccrawl/db/posts_changed", 0) == 0
    assert stored_post(database_url)["crawled_at"] == CRAWLED


def test_a_row_older_than_the_stored_reading_changes_nothing(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED)])
    write(database_url, [listed(1, minutes=-5, views=999)])
    assert stored_post(database_url)["views"] == 202


def test_a_deleted_post_is_not_brought_back_by_a_row(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED)])
    deleted = make_post(1, crawled_at=CRAWLED + dt.timedelta(minutes=1), is_deleted=True)
    write(database_url, [deleted])
    write(database_url, [listed(1, views=999)])
    assert stored_post(database_url)["views"] == 202


def test_a_row_of_a_post_never_stored_inserts_nothing(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED)])
    write(database_url, [listed(2, views=999)])
    assert fetch(database_url, "SELECT post_no FROM posts") == [{"post_no": 1}]


def test_a_value_the_row_does_not_show_keeps_the_stored_one(database_url: str) -> None:
    write(database_url, [make_post(1, crawled_at=CRAWLED)])
    write(database_url, [listed(1, title=None, recommend=None, views=300)])
    row = stored_post(database_url)
    assert (row["title"], row["recommend"], row["views"]) == ("파이썬 질문 1", 3, 300)
