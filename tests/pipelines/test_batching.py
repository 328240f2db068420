"""dccrawl.batching and the pipelines' handling of CommentBatch: fewer Scrapy items, same rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from dccrawl.batching import CommentBatchMiddleware
from dccrawl.items import CommentBatch, Post
from dccrawl.stats import DEDUP_DROPPED as DROPPED
from pipelines.dedup import DuplicateFilterPipeline, RecentKeys
from tests.pipeline_harness import fetch, make_comment, make_post, write


class _Spider:
    def __init__(self, media: str) -> None:
        self.media = media


def _middleware(media: str = "off", **settings: Any) -> CommentBatchMiddleware:
    crawler = get_crawler(settings_dict=settings)
    middleware = CommentBatchMiddleware.from_crawler(crawler)
    crawler.spider = _Spider(media)  # type: ignore[assignment]
    return middleware


def _through(middleware: CommentBatchMiddleware, outputs: Iterable[Any]) -> list[Any]:
    async def source() -> AsyncIterator[Any]:
        for output in outputs:
            yield output

    async def collect() -> list[Any]:
        return [o async for o in middleware.process_spider_output(None, source())]  # type: ignore[arg-type]

    return asyncio.run(collect())


def test_a_pages_comments_become_one_batch_in_order() -> None:
    comments = [make_comment(7, n) for n in (1, 2, 3)]
    later = Request("https://example/board/comment/")
    out = _through(_middleware(), [*comments, later])
    assert len(out) == 2
    assert isinstance(out[0], CommentBatch)
    assert out[0]["comments"] == comments
    assert out[1] is later


def test_other_outputs_keep_their_place_and_posts_split_batches() -> None:
    post = make_post(7)
    first = [make_comment(7, 1), make_comment(7, 2)]
    other_post = [make_comment(8, 3)]
    request = Request("https://example/x")
    out = _through(_middleware(), [post, *first, *other_post, request, make_comment(8, 4)])
    assert [type(o) for o in out] == [Post, CommentBatch, CommentBatch, Request, CommentBatch]
    assert out[1]["comments"] == first
    assert out[2]["comments"] == other_post
    assert [c["comment_no"] for c in out[4]["comments"]] == [4]


def test_comment_media_gets_single_comments() -> None:
    comments = [make_comment(7, n) for n in (1, 2)]
    assert _through(_middleware(media="all"), comments) == comments


@pytest.mark.parametrize(
    "settings",
    [
        {"FEEDS": {"items.jsonl": {"format": "jsonlines"}}},
        {"DCCRAWL_COMMENT_BATCHES": False},
    ],
)
def test_feeds_and_the_setting_turn_batching_off(settings: dict[str, Any]) -> None:
    with pytest.raises(NotConfigured):
        CommentBatchMiddleware.from_crawler(get_crawler(settings_dict=settings))


def test_dedup_drops_repeats_inside_and_across_batches() -> None:
    dedup = DuplicateFilterPipeline.from_crawler(get_crawler())
    first = CommentBatch(comments=[make_comment(1, 1), make_comment(1, 2), make_comment(1, 1)])
    assert [c["comment_no"] for c in dedup.process_item(first)["comments"]] == [1, 2]
    again = CommentBatch(comments=[make_comment(1, 2), make_comment(1, 3)])
    assert [c["comment_no"] for c in dedup.process_item(again)["comments"]] == [3]
    with pytest.raises(DropItem):
        dedup.process_item(CommentBatch(comments=[make_comment(1, 3)]))
    assert dedup.crawler.stats is not None
    assert dedup.crawler.stats.get_value(DROPPED) == 3


def test_recent_keys_forget_only_old_generations() -> None:
    keys = RecentKeys(generation=100)
    for key in range(250):
        keys.add(key)
    assert len(keys) <= 200
    assert all(key in keys for key in range(150, 250))  # the last generation at least
    assert 0 not in keys  # two generations back: forgotten, not kept for ever


def test_postgres_pipeline_writes_every_comment_of_a_batch(database_url: str) -> None:
    batch = CommentBatch(comments=[make_comment(1, n) for n in range(1, 31)])
    stats = write(database_url, [make_post(1), batch])  # type: ignore[list-item]
    assert stats["dccrawl/db/comments_written"] == 30
    rows = fetch(database_url, "SELECT comment_no FROM comments ORDER BY comment_no")
    assert [r["comment_no"] for r in rows] == list(range(1, 31))
