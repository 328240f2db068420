"""An exception inside a callback loses a page: the run names it, counts it and exits 3.

Scrapy alone logs "Spider error processing" and exits 0; dccrawl's
``CallbackErrorMiddleware`` turns it into a failed page (``dccrawl/callbackerrors.py``).
The bug is injected deterministically into one post's view page
(``tests/faulty_spider.py``); every other post is stored as the truth says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from testbed.databases import fresh_database
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    POST_KEY,
    CrawlResult,
    differences,
    listed_posts,
    replica_truth,
    run_crawl,
    stat_value,
    stored,
    truth_of,
)

pytestmark = pytest.mark.integration

GALLERY = "buggy"
SPEC = f"{GALLERY}:major:60"


@pytest.fixture(scope="module")
def posts() -> list[dict[str, Any]]:
    return listed_posts(replica_truth("--gallery", SPEC))


@pytest.fixture(scope="module")
def victim(posts: list[dict[str, Any]]) -> int:
    """A listed post in the middle of the gallery: the one whose view page raises."""
    return sorted(p["post_no"] for p in posts)[len(posts) // 2]


@pytest.fixture(scope="module")
def crawl(
    posts: list[dict[str, Any]], victim: int, tmp_path_factory: pytest.TempPathFactory,
    pg_admin_url: str,
) -> Iterator[tuple[CrawlResult, str]]:  # fmt: skip
    with fresh_database(pg_admin_url) as url, ReplicaProcess(["--gallery", SPEC]) as replica:
        result = run_crawl(
            replica.base_url or "",
            url,
            {"gallery": GALLERY},
            {"SPIDER_MODULES": "tests.faulty_spider", "DCCRAWL_TEST_RAISE_ON": victim},
        )
        yield result, url


def test_the_run_exits_3(crawl: tuple[CrawlResult, str]) -> None:
    result, _ = crawl
    assert result.returncode == 3, result


def test_the_page_is_named_with_the_exception(crawl: tuple[CrawlResult, str], victim: int) -> None:
    result, _ = crawl
    line = next((row for row in result.output.splitlines() if "the spider failed on it" in row), "")
    assert f"no={victim}" in line and "InjectedBug" in line, result


def test_the_page_is_counted_as_failed(crawl: tuple[CrawlResult, str]) -> None:
    result, _ = crawl
    assert stat_value(result.output, "dccrawl/callback_errors") == 1, result


def test_the_verdict_says_what_was_lost(crawl: tuple[CrawlResult, str]) -> None:
    result, _ = crawl
    assert "Crawl incomplete: 1 page(s) could not be fetched or parsed (exit code 3)" in (
        result.output
    ), result


def test_every_other_post_is_stored(
    crawl: tuple[CrawlResult, str], posts: list[dict[str, Any]], victim: int
) -> None:
    _, url = crawl
    expected = truth_of([p for p in posts if p["post_no"] != victim], "post")
    assert differences(expected, stored(url, "posts"), POST_KEY) == []
