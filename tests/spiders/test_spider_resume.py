"""A resumed JOBDIR job knows its gallery's kind before a queued request is answered.

The race this guards: a job stopped with view and comment requests in its queue is
resumed; the engine answers them while ``start()`` is still asking the site for the
gallery's kind, and ``_view_url`` met ``kind is None`` ("Spider error processing", a
comment page lost, exit 0). The kind is kept in ``spider.state`` (pickled into JOBDIR by
Scrapy's SpiderState extension) and restored in ``spider_opened``, which the engine sends
before it starts answering requests.
"""

from __future__ import annotations

import asyncio

from scrapy import signals
from scrapy.utils.test import get_crawler

from spiders.gallery import GallerySpider


def make_spider(**arguments: str) -> GallerySpider:
    crawler = get_crawler(GallerySpider, {"DCCRAWL_BASE_URL": "http://127.0.0.1:9"})
    return GallerySpider.from_crawler(crawler, **arguments)


def test_the_kind_is_restored_from_the_saved_state_when_the_spider_opens() -> None:
    spider = make_spider(gallery="g")
    spider.state = {"kind": "minor"}  # what SpiderState loads from JOBDIR/spider.state
    spider.crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    assert spider.kind == "minor"


def test_a_restored_kind_builds_the_right_view_urls() -> None:
    spider = make_spider(gallery="g")
    spider.state = {"kind": "mini"}
    spider.crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    assert "/mini/board/view/?id=g&no=7" in spider._view_url(7)


def test_a_kind_given_as_an_argument_wins_over_the_saved_state() -> None:
    spider = make_spider(gallery="g", kind="major")
    spider.state = {"kind": "minor"}
    spider.crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    assert spider.kind == "major"


def test_start_saves_the_kind_for_a_later_resume() -> None:
    spider = make_spider(gallery="g", kind="person")
    spider.state = {}

    async def first_request() -> object:
        return await anext(aiter(spider.start()))

    asyncio.run(first_request())
    assert spider.state == {"kind": "person"}


def test_a_state_loaded_after_the_spiders_own_handler_is_used_by_start() -> None:
    """Scrapy 2.19 connects the spider's spider_opened handler before SpiderState's: the
    state arrives after it. start() takes the kind from it then, asking the site nothing
    (there is no engine here: a probe would fail the test)."""
    spider = make_spider(gallery="g")
    spider.crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    spider.state = {"kind": "minor"}  # SpiderState's handler, running second

    async def first_request() -> object:
        return await anext(aiter(spider.start()))

    request = asyncio.run(first_request())
    assert (spider.kind, "/mgallery/board/lists/" in request.url) == ("minor", True)  # type: ignore[attr-defined]


def test_the_arguments_as_given_are_kept_for_the_jobdir_without_scrapyds_job_id() -> None:
    spider = make_spider(gallery="g", pages="1-5", _job="abc123")
    assert spider.raw_arguments == {"gallery": "g", "pages": "1-5"}
