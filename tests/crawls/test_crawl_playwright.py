"""Real crawls through scrapy-playwright: the browser fallback, the forced mode, and no browser.

Each test runs ``scrapy crawl gallery`` against the replica as a user would. Posts whose
comment endpoint refuses direct requests (``--refuse-comments``) must still get every
comment, through Debian's Chromium, exactly as the replica's truth has them; the forced
mode (``-a render=comments``) must store what the endpoint mode stores; and a crawl that
never needs the browser must never start one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from testbed.databases import fresh_database
from testbed.replica.browser_check import refuses_direct
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    COMMENT_KEY,
    comments_of,
    differences,
    listed_posts,
    needs_chromium,
    run_crawl,
    stat_value,
    stored,
    truth_of,
)

pytestmark = [
    pytest.mark.integration,
    needs_chromium,
]

GALLERY = "pw"
SPEC = f"{GALLERY}:major:50"
SEED = 5
REFUSE = 0.5


@pytest.fixture(scope="module")
def refusing() -> Iterator[ReplicaProcess]:
    """A replica whose endpoint refuses direct comment requests for half of the posts."""
    args = ["--gallery", SPEC, "--seed", str(SEED), "--refuse-comments", str(REFUSE)]
    with ReplicaProcess(args) as server:
        yield server


@pytest.fixture(scope="module")
def plain() -> Iterator[ReplicaProcess]:
    """The same gallery with an endpoint that answers everyone."""
    with ReplicaProcess(["--gallery", SPEC, "--seed", str(SEED)]) as server:
        yield server


def assert_pages_closed(output: str) -> None:
    opened = stat_value(output, "playwright/page_count")
    assert opened > 0
    assert stat_value(output, "playwright/page_count/closed") == opened


def test_refused_posts_get_truths_comments_through_the_browser(
    refusing: ReplicaProcess, database_url: str
) -> None:
    truth = refusing.truth(GALLERY)
    posts = listed_posts(truth)
    refused = sorted(
        post["post_no"]
        for post in posts
        if post["comment_count"] and refuses_direct(SEED, REFUSE, GALLERY, post["post_no"])
    )
    assert len(refused) >= 5, "the draw should refuse a good share of the posts"

    result = run_crawl(refusing.base_url or "", database_url, {"gallery": GALLERY})

    assert result.returncode == 0, result
    expected = truth_of(comments_of(truth, posts), "comment")
    assert differences(expected, stored(database_url, "comments"), COMMENT_KEY) == []
    assert stat_value(result.output, "dccrawl/browser/fallbacks") == len(refused)
    # Counted when a page is given up on: absent means none was.
    assert stat_value(result.output, "dccrawl/pages_failed", default=0) == 0
    logged = re.findall(r"Post pw/(\d+): the comment endpoint refused", result.output)
    assert sorted(map(int, logged)) == refused  # once per post
    assert refusing.stats()["refused_direct"] == len(refused)
    assert_pages_closed(result.output)


def test_forced_browser_mode_equals_the_endpoint_mode_on_a_whole_gallery(
    plain: ReplicaProcess, pg_admin_url: str, database_url: str
) -> None:
    truth = plain.truth(GALLERY)
    posts = listed_posts(truth)
    with_comments = sum(1 for post in posts if post["comment_count"])

    endpoint = run_crawl(plain.base_url or "", database_url, {"gallery": GALLERY})
    with fresh_database(pg_admin_url) as forced_url:
        forced = run_crawl(
            plain.base_url or "", forced_url, {"gallery": GALLERY, "render": "comments"}
        )
        forced_comments = stored(forced_url, "comments")
        forced_posts = stored(forced_url, "posts")

    assert endpoint.returncode == 0, endpoint
    assert forced.returncode == 0, forced
    assert forced_comments == stored(database_url, "comments")
    assert forced_posts == stored(database_url, "posts")
    expected = truth_of(comments_of(truth, posts), "comment")
    assert differences(expected, forced_comments, COMMENT_KEY) == []
    assert stat_value(forced.output, "dccrawl/browser/view_pages") == with_comments
    # Both are counted from the first one on: absent means the endpoint was never used
    # and nothing fell back to the browser.
    assert stat_value(forced.output, "dccrawl/comment_pages", default=0) == 0
    assert stat_value(forced.output, "dccrawl/browser/fallbacks", default=0) == 0
    assert_pages_closed(forced.output)


def test_a_crawl_without_fallback_never_starts_a_browser(
    plain: ReplicaProcess, database_url: str
) -> None:
    before = plain.stats()["browser_comments"]
    result = run_crawl(
        plain.base_url or "", database_url, {"gallery": GALLERY, "pages": "1", "list_num": 30}
    )
    assert result.returncode == 0, result
    assert stat_value(result.output, "dccrawl/comments") > 0
    # scrapy-playwright counts browsers it launches: absent means it launched none.
    assert stat_value(result.output, "playwright/browser_count", default=0) == 0
    assert "playwright/" not in result.output
    assert "Starting Playwright" not in result.output
    # Only the page's script in a browser sends its cookie: the replica saw none.
    assert plain.stats()["browser_comments"] == before


def test_a_browser_that_cannot_start_ends_the_crawl_with_one_clear_error(
    refusing: ReplicaProcess, database_url: str
) -> None:
    result = run_crawl(
        refusing.base_url or "",
        database_url,
        {"gallery": GALLERY, "pages": "1", "list_num": 30},
        env={"DCCRAWL_CHROMIUM": "/nonexistent/chromium"},
    )
    assert result.returncode == 1, result
    assert "The browser for the comment fallback could not start" in result.output
