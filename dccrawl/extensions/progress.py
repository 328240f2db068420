"""Progress a person can read: a line every few seconds, a summary and the data-quality
report (``dccrawl/runreport.py``) at the end.

Scrapy's own LogStats line counts pages and items; a user crawling a gallery
wants list pages done out of known, posts and comments stored, the rate, and
when it will end. The numbers come from the stats the spider keeps
(``dccrawl/stats.py``), so this extension knows nothing about the site.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from dccrawl.runreport import QualityReport
from dccrawl.summaries import progress_line, summary_line

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Progress:
    """Logs :func:`progress_line` every ``DCCRAWL_PROGRESS_INTERVAL`` seconds."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self._task: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        interval = crawler.settings.getfloat("DCCRAWL_PROGRESS_INTERVAL", 30.0)
        if interval < 0:
            raise NotConfigured
        return cls(crawler, interval)

    def _gallery(self, spider: Spider) -> str:
        return str(getattr(spider, "gallery", spider.name))

    def _stats(self) -> dict[str, object]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.interval > 0:
            self._task = task.LoopingCall(self.log_progress, spider)
            self._task.start(self.interval, now=False)

    def log_progress(self, spider: Spider) -> None:
        list_num = int(getattr(spider, "list_num", 100))
        elapsed = time.monotonic() - self.started
        logger.info(progress_line(self._gallery(spider), self._stats(), elapsed, list_num))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        elapsed = time.monotonic() - self.started
        stats = self._stats()
        logger.info(summary_line(self._gallery(spider), stats, elapsed))
        logger.info("%s: %s", self._gallery(spider), QualityReport.from_stats(stats).line())
