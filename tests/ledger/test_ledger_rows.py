"""The failure ledger in PostgreSQL: what records a page, what clears it, and in which order.

Ledger items go through the real pipeline (``tests.pipeline_harness.write``) into a
fresh database, in the same batches as the posts that clear them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import psycopg
import pytest

from dccrawl.db.failures import failure_groups, failures, scope
from dccrawl.db.migrate import migrate
from dccrawl.items import PageDone, PageFailure
from dccrawl.kst import KST
from tests.pipeline_harness import fetch, make_post, write

GALLERY = "programming"  # the harness's posts' gallery
T0 = dt.datetime(2026, 12, 1, 12, 0, tzinfo=KST)
VIEW_5 = "/board/view/?id=programming&no=5"
LIST_3 = "/board/lists/?id=programming&page=3"


def lost(kind: str, path: str, post_no: int | None = None, *, at: dt.datetime = T0,
         **fields: Any) -> PageFailure:  # fmt: skip
    values: dict[str, Any] = {
        "gallery_id": GALLERY,
        "page_kind": kind,
        "path": path,
        "post_no": post_no,
        "reason": "broken/empty body",
        "arguments": {"gallery": GALLERY, "shard": "7", "retry": "1"},
        "follow_pages": False,
        "seen_at": at,
    }
    values.update(fields)
    return PageFailure(**values)


def done(kind: str, path: str, *, at: dt.datetime) -> PageDone:
    return PageDone(gallery_id=GALLERY, page_kind=kind, path=path, seen_at=at)


def rows(url: str) -> list[dict[str, Any]]:
    return fetch(url, "SELECT * FROM crawl_failures ORDER BY page_kind, path")


def test_a_lost_page_is_recorded_with_what_a_retry_needs(database_url: str) -> None:
    stats = write(database_url, [lost("view", VIEW_5, 5)])
    (row,) = rows(database_url)
    assert (row["page_kind"], row["path"], row["post_no"]) == ("view", VIEW_5, 5)
    assert row["reason"] == "broken/empty body"
    assert row["attempts"] == 1
    assert row["first_seen_at"] == row["last_seen_at"] == T0
    # How a job runs (its shard, retry=1) is no part of what it crawls.
    assert row["arguments"] == {"gallery": GALLERY}
    assert stats["dccrawl/ledger/recorded"] == 1


def test_losing_a_page_again_counts_one_more_attempt(database_url: str) -> None:
    later = T0 + dt.timedelta(hours=1)
    write(database_url, [lost("list", LIST_3, follow_pages=True)])
    write(database_url, [lost("list", LIST_3, at=later, reason="504")])
    (row,) = rows(database_url)
    assert row["attempts"] == 2
    assert row["reason"] == "504"
    assert (row["first_seen_at"], row["last_seen_at"]) == (T0, later)
    assert row["follow_pages"] is True  # once the pages after it were missed, they still are


def test_a_stored_post_clears_its_view_page(database_url: str) -> None:
    write(database_url, [lost("view", VIEW_5, 5)])
    stats = write(database_url, [make_post(5, crawled_at=T0 + dt.timedelta(minutes=1))])
    assert rows(database_url) == []
    assert stats["dccrawl/ledger/cleared"] == 1


def test_a_stored_post_keeps_its_unread_comments(database_url: str) -> None:
    """A post read with comments to read is no proof they were read."""
    write(database_url, [lost("comments", VIEW_5, 5)])
    write(database_url, [make_post(5, comment_count=3, crawled_at=T0 + dt.timedelta(minutes=1))])
    assert [r["page_kind"] for r in rows(database_url)] == ["comments"]


@pytest.mark.parametrize("fields", [{"comment_count": 0}, {"is_deleted": True}])
def test_a_post_with_nothing_left_to_read_clears_its_comments(
    database_url: str, fields: dict[str, Any]
) -> None:
    write(database_url, [lost("comments", VIEW_5, 5)])
    write(database_url, [make_post(5, crawled_at=T0 + dt.timedelta(minutes=1), **fields)])
    assert rows(database_url) == []


def test_an_older_success_does_not_clear_a_newer_loss(database_url: str) -> None:
    """A late write of an earlier crawl's post must not erase a later crawl's failure."""
    write(database_url, [lost("view", VIEW_5, 5), lost("list", LIST_3)])
    write(database_url, [make_post(5, crawled_at=T0 - dt.timedelta(minutes=1))])
    write(database_url, [done("list", LIST_3, at=T0 - dt.timedelta(minutes=1))])
    assert len(rows(database_url)) == 2


def test_a_page_read_clears_its_row(database_url: str) -> None:
    write(database_url, [lost("list", LIST_3), lost("comments", VIEW_5, 5)])
    stats = write(database_url, [done("list", LIST_3, at=T0), done("comments", VIEW_5, at=T0)])
    assert rows(database_url) == []
    assert stats["dccrawl/ledger/cleared"] == 2


def test_in_one_batch_the_last_word_on_a_page_counts(database_url: str) -> None:
    later = T0 + dt.timedelta(seconds=5)
    write(database_url, [done("list", LIST_3, at=T0), lost("list", LIST_3, at=later)])
    assert len(rows(database_url)) == 1
    write(database_url, [lost("list", LIST_3, at=T0), done("list", LIST_3, at=later)])
    assert rows(database_url) == []


def test_a_ledger_item_without_a_page_is_refused_alone(database_url: str) -> None:
    stats = write(database_url, [lost("view", "no-slash", 5), lost("view", VIEW_5, 5)])
    assert stats["dccrawl/db/rejected"] == 1
    assert [r["path"] for r in rows(database_url)] == [VIEW_5]


def test_a_list_page_has_no_post_and_a_post_page_has_one(database_url: str) -> None:
    migrate(database_url)
    with pytest.raises(psycopg.errors.CheckViolation), psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO crawl_failures (gallery_id, page_kind, path, post_no, reason,"
            " arguments, first_seen_at, last_seen_at) VALUES"
            " ('g', 'view', '/x', NULL, 'r', '{}', now(), now())"
        )


def test_rows_are_read_by_the_crawl_that_lost_them(database_url: str) -> None:
    other = {"gallery": GALLERY, "pages": "1-5"}
    write(database_url, [lost("view", VIEW_5, 5), lost("list", LIST_3, arguments=other)])
    with psycopg.connect(database_url) as conn:
        groups = failure_groups(conn, GALLERY)
        assert [(g.arguments, g.pages) for g in groups] == [({"gallery": GALLERY}, 1), (other, 1)]
        mine = failures(conn, GALLERY, {"gallery": GALLERY, "retry": "1", "shard": "3"})
        assert [f.path for f in mine] == [VIEW_5]
        assert len(failures(conn, GALLERY)) == 2


def test_scope_leaves_out_how_a_job_runs() -> None:
    assert scope({"retry": "1", "shard": "4", "_job": "x", "posts": "1-9", "gallery": "g"}) == {
        "gallery": "g",
        "posts": "1-9",
    }
    # A follow cycle's losses are the refresh's, not its cycle row's (a retry reports nowhere).
    assert scope({"gallery": "g", "refresh": "3d", "cycle": "17"}) == {
        "gallery": "g",
        "refresh": "3d",
    }
    assert json.dumps(scope({"b": 1, "a": 2})) == '{"a": "2", "b": "1"}'


def test_a_lost_view_keeps_what_its_list_row_showed(database_url: str) -> None:
    """A retry reads the post as the lost crawl would have: with its row's count and flags."""
    listed = {"comments": 4, "is_notice": False, "is_recommended": True}
    write(database_url, [lost("view", VIEW_5, 5, list_row=listed)])
    (row,) = rows(database_url)
    assert row["list_row"] == listed
