"""Downloader middlewares for a site that fails in ways HTTP status codes don't show.

``BrokenPageRetryMiddleware`` retries 200 answers that are broken;
``BackoffMiddleware`` slows the whole crawl down when the site asks it to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse

from dccrawl import stats as S
from dccrawl.site.signals import PageSignal, classify

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

SIGNAL_META = "dccrawl_signal"
PAGE_META = "dccrawl_page"  # "list" | "view" | "comments": what the request expects
# A probe of dccrawl.blockguard: judged there alone (no retry, no backoff, no put-back).
PROBE_META = "dccrawl_probe"
_SIGNAL_OF = "dccrawl_signal_of"  # id() of the response SIGNAL_META judged


def page_signal(request: Request, response: Response) -> PageSignal | None:
    """The verdict on a page's answer (``None`` for HTTP errors and non-page requests),
    computed once per response, whichever middleware asks first; it is left in
    ``request.meta["dccrawl_signal"]`` for the callback."""
    page = request.meta.get(PAGE_META)
    if page is None or response.status not in (200, 404):
        return None
    meta = request.meta
    if meta.get(_SIGNAL_OF) == id(response):
        return meta[SIGNAL_META]  # type: ignore[no-any-return]
    signal = classify(_page_text(response, page), page, status=response.status, url=response.url)
    meta[SIGNAL_META] = signal
    meta[_SIGNAL_OF] = id(response)
    return signal


class BrokenPageRetryMiddleware:
    """Retries answers that are empty, cut short or garbled; unmasks rate-limit notices.

    The real site sometimes answers 200 with an empty or truncated body under
    load, or a rate-limit text instead of the page. Parsed naively, an empty list
    page ends pagination early and a cut view page stores a post with missing
    fields. This middleware asks ``dccrawl.site.signals`` what each answer is,
    retries the broken and rate-limited ones with Scrapy's retry machinery, and
    once retries are exhausted drops the request (the spider's errback logs the
    URL and counts it in ``dccrawl/pages_failed``), so nothing broken reaches a
    callback. The verdict is left in ``request.meta["dccrawl_signal"]`` so
    callbacks don't classify the page a second time.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrokenPageRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get(PROBE_META):
            return response
        signal = page_signal(request, response)
        if signal is None:
            return response  # not ours to judge; HTTP errors are RetryMiddleware's
        if signal.kind == "rate_limited" and response.status == 200:
            # A rate-limit notice served as a page is a 429 in disguise: say so,
            # and BackoffMiddleware slows down and RetryMiddleware retries it.
            return response.replace(status=429)
        if signal.kind != "broken":
            return response
        assert self.crawler.stats is not None and self.crawler.spider is not None
        self.crawler.stats.inc_value(S.BROKEN_RETRIES)
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"{signal.kind}/{signal.reason}"
        )
        if retry is not None:
            return retry
        raise IgnoreRequest(f"the answer stayed broken after all retries ({signal.reason})")


def _page_text(response: Response, page: str) -> str | bytes:
    """What ``classify`` reads: an HTML page's decoded text, a comment page's bytes.

    For HTML it is ``response.text``, which the response keeps: the spider's parser
    reads the same text, and a 90 KB page is decoded once instead of twice. The
    comment JSON is judged from its bytes (UTF-8, whatever the headers say), and
    the spider reuses the decoded payload from the verdict.
    """
    if page != "comments" and isinstance(response, TextResponse):
        return response.text
    return response.body


@dataclass
class _Pause:
    """A download slot told to wait: until when, and the delay to restore after."""

    until: float
    saved_delay: float
    strikes: int = 0  # overload answers in a row without Retry-After


class BackoffMiddleware:
    """Pauses requests to a site that says it is overloaded, for as long as it asks.

    A 429 or 503 (or a rate-limit notice served as a page, which
    ``BrokenPageRetryMiddleware`` turns into a 429) means every request to that
    site, not just the failed one, should wait. Scrapy's RetryMiddleware retries
    the request but knows nothing of ``Retry-After``, and without AutoThrottle
    nothing slows down. This middleware pauses the request's download slot: no
    request to the site starts before ``Retry-After`` has passed (an HTTP date or
    seconds), or, where the site gave none, 0.5 s doubled for each overload
    answer in a row (reset by a good answer); both capped at
    ``DCCRAWL_BACKOFF_MAX_SECONDS``. Answers to requests already in flight extend
    the pause rather than stack on it. When the pause is over the slot's earlier
    delay (``DOWNLOAD_DELAY``, or AutoThrottle's) is restored. It runs before
    RetryMiddleware, whose retry then waits like every other request of the slot.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("DCCRAWL_BACKOFF_MAX_SECONDS", 600.0)
        self._pauses: dict[str, _Pause] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        return cls(crawler)

    def _slot(self, request: Request) -> tuple[str | None, Any]:
        key = request.meta.get("download_slot")
        engine = self.crawler.engine
        if key is None or engine is None:
            return None, None
        return key, engine.downloader.slots.get(key)

    def process_response(self, request: Request, response: Response) -> Response:
        key, slot = self._slot(request)
        if slot is None or key is None or request.meta.get(PROBE_META):
            return response
        now = monotonic()
        pause = self._pauses.get(key)
        if response.status in (429, 503):
            if pause is None:
                pause = self._pauses[key] = _Pause(until=now, saved_delay=slot.delay)
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            if asked is None:
                pause.strikes += 1
                asked = 0.5 * 2 ** (pause.strikes - 1)
            wait = min(self.max_delay, asked)
            if now + wait > pause.until:
                pause.until = now + wait
                # The downloader starts a slot's next request `delay` after the last.
                slot.delay = max(pause.saved_delay, pause.until - slot.lastseen)
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value(S.BACKOFFS)
                self.crawler.stats.max_value(S.BACKOFF_MAX_DELAY, round(wait, 3))
                logger.info(
                    "%s answered %s: no request to %s for %.1f s",
                    request.url, response.status, key, wait,
                )  # fmt: skip
        elif pause is not None and now >= pause.until:
            slot.delay = pause.saved_delay
            del self._pauses[key]
        return response


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
