"""Real crawls of a post with thousands of comments: every page, or the run says what it lacks.

The replica's big post (``--big-thread``) has 24 comment pages, more than the pager's
15-page window shows: the crawl must walk the pager as the site draws it, with or
without its 끝 link, and fetch comments of posts whose view page shows no count. When a
page answers without its rows while ``total_cnt`` stays (``--withhold-comment-page``),
the shortfall is counted and the run exits incomplete (3).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dccrawl.stats import COMMENTS_MISSING, COMMENTS_SHORT
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    assert_equal_to_truth,
    replica_truth,
    run_crawl,
    stat_value,
    stored,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

GALLERY = "longthread"
BIG = 2_345  # comments of the big post: 24 pages of 100
SPEC = f"{GALLERY}:major:40"
DATA = ["--gallery", SPEC, "--big-thread", str(BIG)]


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return with_listed_posts(replica_truth(*DATA))


@pytest.fixture
def replica_with(request: pytest.FixtureRequest) -> Iterator[ReplicaProcess]:
    with ReplicaProcess([*DATA, *request.param]) as server:
        yield server


def big_post(truth: list[dict[str, Any]]) -> dict[str, Any]:
    posts = [r for r in truth if r["type"] == "post" and r["comment_count"] == BIG]
    assert len(posts) == 1, "the replica has no listed post with the big thread"
    return posts[0]


@pytest.mark.parametrize(
    "replica_with",
    [[], ["--comment-pager-no-end"], ["--view-no-comment-count"]],
    ids=["windowed-pager", "pager-without-end", "view-without-count"],
    indirect=True,
)
def test_a_thread_of_thousands_of_comments_is_stored_complete(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    """Windowed pager (with or without 끝) and view pages without a count: nothing lost."""
    post = big_post(truth)
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY})
    assert result.returncode == 0, result
    assert_equal_to_truth(database_url, truth)
    stored = [r for r in truth if r["type"] == "comment" and r["post_no"] == post["post_no"]]
    assert len(stored) == BIG
    assert stat_value(result.output, COMMENTS_SHORT, default=0) == 0
    # Each page once: the pager names pages already asked for again and again.
    pages = sum(-(-r["comment_count"] // 100) for r in truth if r["type"] == "post")
    assert stat_value(result.output, "dccrawl/comment_pages") == pages


@pytest.mark.parametrize("replica_with", [["--withhold-comment-page", "2"]], indirect=True)
def test_a_page_withheld_under_an_unchanged_count_is_a_shortfall(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    """Page 2 answers no rows while total_cnt says 2,345: counted, logged, exit 3."""
    posts = [r for r in truth if r["type"] == "post" and r["comment_count"] > 100]
    missing = sum(min(100, r["comment_count"] - 100) for r in posts)
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY})
    assert result.returncode == 3, result
    assert stat_value(result.output, COMMENTS_SHORT) == len(posts)
    assert stat_value(result.output, COMMENTS_MISSING) == missing
    url = f"/board/view/?id={GALLERY}&no={big_post(truth)['post_no']}"
    assert f"{BIG - 100} of its {BIG} comments were read" in result.output
    assert url in result.output


@pytest.mark.parametrize("replica_with", [["--view-no-comment-count"]], indirect=True)
def test_without_any_count_the_endpoint_is_still_asked(
    replica_with: ReplicaProcess, database_url: str
) -> None:
    """Backfill reads no list row: with no count on the view page either, the count is
    unknown, not zero, and every post's comments are fetched all the same."""
    everything = replica_truth(*DATA)
    result = run_crawl(
        replica_with.base_url or "", database_url, {"gallery": GALLERY, "posts": "1-40"}
    )
    assert result.returncode == 0, result
    expected = {(r["post_no"], r["comment_no"]) for r in everything if r["type"] == "comment"}
    got = {(r["post_no"], r["comment_no"]) for r in stored(database_url, "comments", GALLERY)}
    assert got == expected and len(expected) > BIG
    posts = stored(database_url, "posts", GALLERY)
    assert posts and all(p["comment_count"] is None for p in posts if not p["is_deleted"])
