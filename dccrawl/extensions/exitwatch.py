"""A crawl that has closed ends its process, even when a component does not shut down.

Seen once in a CI run of the blocks test: the spider closed ("Spider closed (finished)",
exit verdict 0, every item written), scrapy-playwright logged "Closing download handler"
for both its handlers, and the process then sat in the reactor for good, never reaching
the exit. A scrapyd node would keep such a job (and its slot) forever, and a test waits on
it. So when the spider has closed, a daemon thread waits ``DCCRAWL_EXIT_GRACE_SECONDS``
(60): a process that normally exits in a second or two is gone by then, taking the thread
with it; one still there logs why and exits with the crawl's own verdict
(``dccrawl/extensions/exitcode.py``). By then the pipelines have closed (everything
written), the stats are dumped and a JOBDIR's state is saved. 0 turns it off.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from dccrawl.extensions.exitcode import EXIT_CODE_STAT, EXIT_FAILED

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ExitWatch:
    """Exits a process that outlives its closed crawl by the grace period."""

    def __init__(
        self, crawler: Crawler, grace: float, exit_process: Callable[[int], None] = os._exit
    ) -> None:
        self.crawler = crawler
        self.grace = grace
        self.exit_process = exit_process
        self.thread: threading.Thread | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExitWatch:
        grace = crawler.settings.getfloat("DCCRAWL_EXIT_GRACE_SECONDS", 60.0)
        if grace <= 0:
            raise NotConfigured("DCCRAWL_EXIT_GRACE_SECONDS is 0")
        return cls(crawler, grace)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.thread = threading.Thread(target=self._watch, name="dccrawl-exit-watch", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        threading.Event().wait(self.grace)
        stats = self.crawler.stats
        code = stats.get_value(EXIT_CODE_STAT) if stats is not None else None
        code = int(code) if isinstance(code, int) else EXIT_FAILED
        logger.warning(
            "The crawl closed %.0f s ago but the process has not ended (a component did not "
            "shut down); exiting with the crawl's exit code %d",
            self.grace,
            code,
        )
        for handler in logging.getLogger().handlers:
            handler.flush()
        self.exit_process(code)
