"""A spider middleware that turns any exception in a callback into a failed page.

Scrapy logs "Spider error processing <url>", counts ``spider_exceptions/*`` and
goes on, so a bug met by one page (an unexpected markup, a state the spider was
not ready for) used to lose that page's post or comments behind an exit code of
0. Here the exception becomes what every other lost page already is: an ERROR
line naming the URL and the exception (with its traceback), one more
``dccrawl/pages_failed`` (and ``dccrawl/callback_errors``), and so exit code 3
at least (``dccrawl/extensions/exitcode.py``). Whatever the callback yielded
before it raised has been passed on; the rest of the page is lost, and said so.

A spider that keeps a failure ledger (the gallery spider's ``page_failure``) gets
the page recorded there too: what this middleware returns instead of the page's
output is that ledger item.

``CloseSpider`` is not a page failure but a request to stop: it passes through
to Scrapy untouched.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CloseSpider

from dccrawl import stats as S

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class CallbackErrorMiddleware:
    """Logs, counts and absorbs exceptions raised while a callback handles a page."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> list[Any] | None:
        if isinstance(exception, CloseSpider):
            return None
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(S.PAGES_FAILED)
        self.crawler.stats.inc_value(S.CALLBACK_ERRORS)
        logger.error(
            "Gave up on %s: the spider failed on it (%s: %s)",
            response.url,
            type(exception).__name__,
            exception,
            exc_info=exception,
        )
        spider = self.crawler.spider
        page_failure = getattr(spider, "page_failure", None)
        if page_failure is None or response.request is None:
            return []
        return list(
            page_failure(response.request, f"the spider failed on it ({type(exception).__name__})")
        )
