"""``FieldCoveragePipeline``: stops a crawl whose items lose a field, before it stores more.

Counts every post and comment on its way to the database (``dccrawl/quality.py``). After
the first ``DCCRAWL_COVERAGE_FIRST_WINDOW`` live posts, and then every
``DCCRAWL_COVERAGE_WINDOW`` items, a field below its ``DCCRAWL_COVERAGE`` threshold stops
the crawl: one ERROR line (the field, the coverage, a page that shows it), the failed
reason ``drift: ...`` (exit 1), and from then on every item is kept out of the database
(dropped as ``DriftStop``), so the archive holds at most one window of the damage.
Coverage per field is in the stats (``dccrawl/quality/coverage/post.created_at``…).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from dccrawl import stats as S
from dccrawl.items import Comment, CommentBatch, Post
from dccrawl.quality import Coverage, Finding, parse_thresholds

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

CLOSE_REASON = "drift"


class DriftStop(DropItem):
    """An item that arrived after the coverage check stopped the crawl: not stored."""


class FieldCoveragePipeline:
    def __init__(self, crawler: Crawler, coverage: Coverage, first: int, window: int) -> None:
        self.crawler = crawler
        self.coverage = coverage
        self.first = first
        self.window = window
        self.items = 0  # posts and comments counted
        self.next_check: int | None = None  # items count of the next check (after the first)
        self.stopped: Finding | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        thresholds = parse_thresholds(settings.get("DCCRAWL_COVERAGE"))
        if not thresholds:
            raise NotConfigured("DCCRAWL_COVERAGE turns every check off")
        first = settings.getint("DCCRAWL_COVERAGE_FIRST_WINDOW", 100)
        window = settings.getint("DCCRAWL_COVERAGE_WINDOW", 1000)
        if first < 1 or window < 1:
            raise NotConfigured("DCCRAWL_COVERAGE_FIRST_WINDOW and _WINDOW must be at least 1")
        return cls(crawler, Coverage(thresholds), first, window)

    def process_item(self, item: Any) -> Any:
        if self.stopped is not None:
            raise DriftStop(f"not stored: the crawl stopped ({self.stopped.field} drift)")
        if isinstance(item, Post):
            self.coverage.add("post", item, item.get("url"))
            self.items += 1
        elif isinstance(item, Comment):
            self.coverage.add("comment", item, None)
            self.items += 1
        elif isinstance(item, CommentBatch):
            comments = item.get("comments") or ()
            for comment in comments:
                self.coverage.add("comment", comment, None)
            self.items += len(comments)
        else:
            return item
        if self._due():
            self._check()
            if self.stopped is not None:
                raise DriftStop(f"not stored: the crawl stopped ({self.stopped.field} drift)")
        return item

    def _due(self) -> bool:
        """After the first window of live posts, then every window of items."""
        if self.next_check is None:
            if self.coverage.checked.get("post", 0) < self.first:
                return False
        elif self.items < self.next_check:
            return False
        self.next_check = self.items + self.window
        return True

    def _check(self) -> None:
        findings = self.coverage.findings()
        self._record()
        if not findings:
            return
        finding = findings[0]
        self.stopped = finding
        assert self.crawler.stats is not None
        message = finding.line()
        logger.error("Crawl stopped: %s", message)
        self.crawler.stats.set_value(S.FAILED_REASON, f"{CLOSE_REASON}: {message}")
        self.crawler.stats.set_value(S.DRIFT, f"{finding.kind}.{finding.field}")
        assert self.crawler.engine is not None
        # Not awaited: closing waits for the items in the pipelines, this one among them.
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))

    def _record(self) -> None:
        assert self.crawler.stats is not None
        for key, share in self.coverage.report().items():
            self.crawler.stats.set_value(f"{S.COVERAGE}/{key}", round(share, 4))
        for kind, count in self.coverage.checked.items():
            self.crawler.stats.set_value(f"{S.CHECKED}/{kind}", count)

    def close_spider(self) -> None:
        self._record()
