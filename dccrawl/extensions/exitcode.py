"""Turns a crawl's outcome into an exit code that scripts and scrapyd can trust.

Scrapy's ``crawl`` exits 0 whatever happened. At close, this extension decides
the verdict from the close reason and dccrawl's stats, logs one summary line,
and stores the code in the stats, where ``dccrawl/commands/crawl.py`` reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from scrapy import signals

from dccrawl import stats as S
from dccrawl.items import DuplicateItem, LedgerItem

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

EXIT_CODE_STAT = "dccrawl/exit_code"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

_DROP_PREFIX = "item_dropped_reasons_count/"
_NO_LOSS = (DuplicateItem.__name__, LedgerItem.__name__)  # drops that lose nothing
_COUNTED_APART = ("InvalidItem",)  # pipelines/validation.py: counted per item in S.INVALID

# Close reasons that mean "stopped on purpose after doing what was asked".
_SUCCESS_REASONS = (
    "finished",
    "closespider_itemcount",
    "closespider_pagecount",
    "closespider_timeout",
)


def losses(stats: Mapping[str, object]) -> list[str]:
    """Every way this crawl lost a page or an item, as counted in its stats.

    A page given up on (fetch or parse, ``dccrawl/pages_failed``, which includes
    callbacks that raised: ``dccrawl/callbackerrors.py``), an exception Scrapy
    caught in the spider outside a callback, an item the database refused or never got
    (the database was gone at close: the run has failed already, exit 1), an item
    dropped for any reason but being a duplicate (``DuplicateItem``) or a failure ledger
    event on its way out (``LedgerItem``), an item (or a batch's comment) that broke the
    item schema (``pipelines/validation.py``)."""
    found = []
    if pages := S.count(stats, S.PAGES_FAILED):
        found.append(f"{pages} page(s) could not be fetched or parsed")
    if exceptions := S.count(stats, "spider_exceptions/count"):
        found.append(f"{exceptions} exception(s) in the spider")
    if rejected := S.count(stats, S.DB_REJECTED) + S.count(stats, S.MEDIA_ROWS_REJECTED):
        found.append(f"{rejected} item(s) refused by the database")
    if unwritten := S.count(stats, S.DB_UNWRITTEN) + S.count(stats, S.MEDIA_ROWS_UNWRITTEN):
        found.append(f"{unwritten} item(s) not written to the database")
    dropped = sum(
        S.count(stats, key)
        for key in stats
        if key.startswith(_DROP_PREFIX)
        and key.removeprefix(_DROP_PREFIX) not in (*_NO_LOSS, *_COUNTED_APART)
    )
    if dropped:
        found.append(f"{dropped} item(s) dropped")
    invalid = sum(S.count(stats, key) for key in stats if key.startswith(S.INVALID + "/"))
    if invalid:
        found.append(f"{invalid} invalid item(s) kept out of the database")
    return found


def verdict(reason: str, stats: Mapping[str, object]) -> tuple[int, str]:
    """The exit code and a one-line explanation for a crawl that closed with ``reason``."""
    usage = stats.get(S.USAGE_ERROR)
    if usage:
        return EXIT_USAGE, f"wrong arguments: {usage}"
    failed = stats.get(S.FAILED_REASON)
    if failed:
        return EXIT_FAILED, f"failed: {failed}"
    if reason not in _SUCCESS_REASONS:
        return EXIT_FAILED, f"stopped before the end (close reason: {reason})"
    if S.count(stats, "response_received_count") == 0:
        if stats.get(S.JOBDIR_RESUMED) and not losses(stats):
            return EXIT_OK, "complete (the resumed job had nothing left to do)"
        return EXIT_FAILED, "failed: no page could be fetched"
    lost = losses(stats)
    if lost:
        return EXIT_INCOMPLETE, f"incomplete: {'; '.join(lost)}"
    if errors := S.count(stats, "log_count/ERROR"):
        # Every loss above is logged at ERROR; one that no count explains is still one.
        return EXIT_INCOMPLETE, f"incomplete: {errors} error(s) logged (see the log)"
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
