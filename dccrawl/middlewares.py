"""Downloader middleware that treats broken 200 answers as the failures they are.

The real site sometimes answers 200 with an empty or truncated body under load,
or a rate-limit text instead of the page. Parsed naively, an empty list page
ends pagination early and a cut view page stores a post with missing fields.
This middleware asks ``dccrawl.site.signals`` what each answer is, retries the
broken and rate-limited ones with Scrapy's retry machinery, and once retries
are exhausted drops the request (the spider's errback logs the URL and counts
it in ``dccrawl/pages_failed``), so nothing broken reaches a callback. The
verdict is left in ``request.meta["dccrawl_signal"]`` so callbacks don't
classify the page a second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest

from dccrawl import stats as S
from dccrawl.site.signals import classify

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

SIGNAL_META = "dccrawl_signal"
PAGE_META = "dccrawl_page"  # "list" | "view" | "comments": what the request expects
_RETRIED = ("broken", "rate_limited")


class BrokenPageRetryMiddleware:
    """Retries answers that are empty, cut short, garbled or rate-limit notices."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrokenPageRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        page = request.meta.get(PAGE_META)
        if page is None or response.status not in (200, 404):
            return response  # not ours to judge; HTTP errors are RetryMiddleware's
        signal = classify(response.body, page, status=response.status, url=response.url)
        request.meta[SIGNAL_META] = signal
        if signal.kind not in _RETRIED:
            return response
        assert self.crawler.stats is not None and self.crawler.spider is not None
        self.crawler.stats.inc_value(S.BROKEN_RETRIES)
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"{signal.kind}/{signal.reason}"
        )
        if retry is not None:
            return retry
        raise IgnoreRequest(f"the answer stayed {signal.kind} after all retries ({signal.reason})")
