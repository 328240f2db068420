"""A gallery spider with one deliberate bug, for the test that a callback's exception is a loss.

``scrapy crawl gallery -s SPIDER_MODULES=tests.faulty_spider -s DCCRAWL_TEST_RAISE_ON=N``
crawls exactly as the real spider does, except that the view page of post N raises
inside ``parse_view`` after the post item was built: the kind of bug a markup change
or an unready state causes. The run must name the page, count it and exit 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from spiders.gallery import GallerySpider


class InjectedBug(RuntimeError):
    """The exception the test looks for in the log."""


class FaultyGallerySpider(GallerySpider):
    """``GallerySpider`` whose ``parse_view`` raises for one post number."""

    name = "gallery"

    def parse_view(self, response: Response) -> Iterator[Any]:
        if response.meta["post_no"] == self.settings.getint("DCCRAWL_TEST_RAISE_ON"):
            raise InjectedBug(f"injected into the view of post {response.meta['post_no']}")
        yield from super().parse_view(response)
