"""A spider middleware that hands a comment page's ``Comment`` items on as one ``CommentBatch``.

Why: every item a callback yields costs Scrapy ~0.1 ms of its own work (each
spider middleware's generator, the scraper's queue, the item pipeline chain,
the ``item_scraped`` signal and its stats), whatever the item holds. A post has
~20 comments, so with one item per comment that machinery alone cost more than
fetching the post's pages (``bench/RESULTS.md``, the end-to-end profile). This
middleware sits next to the spider: it sees each output first and passes on,
in the same order, a ``CommentBatch`` for every run of ``Comment`` items of one
post, and everything else untouched. The pipelines (``pipelines/dedup.py``,
``pipelines/postgres.py``) treat a batch's comments exactly as single ones.

Single comments stay single where something downstream wants them one by one:
with feed exports (``-O file.jsonl``: one line per comment, as documented), with
``-a media=all`` (the media pipeline downloads each comment's dccon), or with
``DCCRAWL_COMMENT_BATCHES = False``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from dccrawl.items import Comment, CommentBatch

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response


class CommentBatchMiddleware:
    """Groups consecutive ``Comment`` outputs of one post into a ``CommentBatch``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("DCCRAWL_COMMENT_BATCHES", True):
            raise NotConfigured("DCCRAWL_COMMENT_BATCHES is off")
        if settings.getdict("FEEDS") or settings.get("FEED_URI"):
            raise NotConfigured("feed exports write one line per comment")
        return cls(crawler)

    def _wanted(self) -> bool:
        """Batches, unless the media pipeline reads comments one by one (``media=all``)."""
        return getattr(self.crawler.spider, "media", "off") != "all"

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        if not self._wanted():
            async for output in result:
                yield output
            return
        pending: list[Comment] = []
        async for output in result:
            if isinstance(output, Comment):
                if pending and not _same_post(pending[0], output):
                    yield CommentBatch(comments=pending)
                    pending = []
                pending.append(output)
                continue
            if pending:
                yield CommentBatch(comments=pending)
                pending = []
            yield output
        if pending:
            yield CommentBatch(comments=pending)


def _same_post(first: Comment, other: Comment) -> bool:
    same_post = first.get("post_no") == other.get("post_no")
    return same_post and first.get("gallery_id") == other.get("gallery_id")
