"""Wires :mod:`dccrawl.jobdir` into a crawl run with ``-s JOBDIR=folder``.

Extensions are built after the spider and before the engine opens the scheduler,
so the JOBDIR is checked (another job's folder is refused), and an uncleanly
closed one emptied of Scrapy's untrustworthy queue, before the scheduler or the
dupefilter read a byte of it. The folder is marked closed in ``spider_closed``,
which Scrapy sends after the scheduler has persisted its queue; a run that dies
before that point leaves it marked running, and the next run starts over. So does
a run that lost something (the verdict's losses, items the database never got
included): the requests behind them are already in the seen-set.

Stats: ``dccrawl/jobdir/resumed`` (1 when this run continues a cleanly stopped
job) or ``dccrawl/jobdir/restarted`` (1 when it found a killed job's folder).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

from dccrawl import stats as S
from dccrawl.extensions.exitcode import losses
from dccrawl.jobdir import NEW, RESTARTED, RESUMED, close_jobdir, identity, open_jobdir

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def job_identity(crawler: Crawler) -> dict[str, Any]:
    """The identity of the crawler's job: its spider's arguments and the base URL."""
    spider = crawler.spider
    assert spider is not None
    arguments = getattr(spider, "raw_arguments", {})
    base_url = crawler.settings.get("DCCRAWL_BASE_URL") or ""
    return identity(spider.name, arguments, base_url)


class JobDirGuard:
    """Refuses another job's JOBDIR, starts a killed job over, marks clean closes."""

    def __init__(self, crawler: Crawler, jobdir: str) -> None:
        self.crawler = crawler
        self.jobdir = jobdir
        self.identity = job_identity(crawler)
        opened = open_jobdir(jobdir, self.identity)
        assert crawler.stats is not None
        if opened.outcome == RESUMED:
            crawler.stats.set_value(S.JOBDIR_RESUMED, 1)
            logger.info("Resuming the job kept in JOBDIR %s", jobdir)
        elif opened.outcome == RESTARTED:
            crawler.stats.set_value(S.JOBDIR_RESTARTED, 1)
            logger.warning(
                "JOBDIR %s: %s; starting the job over (stored rows make re-reading safe)",
                jobdir,
                opened.reason,
            )
        elif opened.outcome == NEW:
            logger.info("Keeping this job's state in JOBDIR %s (resumable)", jobdir)
        # After Scrapy's SpiderState extension (connected earlier) has pickled spider.state.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured
        return cls(crawler, jobdir)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        lost = losses(self.crawler.stats.get_stats())
        close_jobdir(self.jobdir, self.identity, "; ".join(lost))
        if lost:
            logger.warning(
                "JOBDIR %s: this run lost data (%s); the next run with it starts the job over",
                self.jobdir,
                "; ".join(lost),
            )
