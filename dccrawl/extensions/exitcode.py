"""Turns a crawl's outcome into an exit code that scripts and scrapyd can trust.

Scrapy's ``crawl`` exits 0 whatever happened. At close, this extension decides
the verdict from the close reason and dccrawl's stats, logs one summary line,
and stores the code in the stats, where ``dccrawl/commands/crawl.py`` reads it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals

from dccrawl import stats as S

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

EXIT_CODE_STAT = "dccrawl/exit_code"
EXIT_OK, EXIT_FAILED, EXIT_INCOMPLETE = 0, 1, 3

# Close reasons that mean "stopped on purpose after doing what was asked".
_SUCCESS_REASONS = (
    "finished",
    "closespider_itemcount",
    "closespider_pagecount",
    "closespider_timeout",
)


def verdict(reason: str, stats: dict[str, object]) -> tuple[int, str]:
    """The exit code and a one-line explanation for a crawl that closed with ``reason``."""
    failed = stats.get(S.FAILED_REASON)
    if failed:
        return EXIT_FAILED, f"failed: {failed}"
    if reason not in _SUCCESS_REASONS:
        return EXIT_FAILED, f"stopped before the end (close reason: {reason})"
    responses = int(stats.get("response_received_count", 0) or 0)  # type: ignore[arg-type]
    if responses == 0:
        return EXIT_FAILED, "failed: no page could be fetched"
    lost = int(stats.get(S.PAGES_FAILED, 0) or 0)  # type: ignore[arg-type]
    if lost:
        return EXIT_INCOMPLETE, f"incomplete: {lost} page(s) could not be fetched or parsed"
    return EXIT_OK, "complete"


class HonestExitCode:
    """Records the crawl's verdict (see :func:`verdict`) in the stats at close."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HonestExitCode:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        code, explanation = verdict(reason, stats)
        self.crawler.stats.set_value(EXIT_CODE_STAT, code)
        log = logger.info if code == EXIT_OK else logger.error
        log("Crawl %s (exit code %d)", explanation, code)
