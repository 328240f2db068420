"""Reports a follow cycle's crawl into its ``follow_cycles`` row: counts, verdict, outcome.

Only crawls started with ``-a cycle=ID`` (what ``python -m dccrawl follow`` runs, here
or as a scrapyd job) report; every other crawl is left alone. The crawl itself writes
its row, rather than ``follow`` reading its output, so a job on a scrapyd node (whose
exit code and stats scrapyd does not hand back) reports exactly as a local crawl does:
``follow`` reads the row once the job has ended.

* At open the row is looked up: a cycle id this database does not know fails the crawl
  (exit 1), as a wrong shard id does; an unreachable database is logged and the crawl
  goes on (``follow`` then records the cycle from the exit code alone).
* At close the refresh counts (``dccrawl/stats.py``: new, changed, deleted, deletion
  checks, comment pages, requests saved), Scrapy's request count, the exit-code verdict
  (``dccrawl.extensions.exitcode.verdict``) and the outcome are written, with the
  duration from the row's start. The outcome is ``ok`` for verdict 0, ``stopped`` for a
  crawl shut down by a signal (``follow`` stopping it, or a scrapyd cancel), else
  ``failed``. The pipelines have closed by then, so the counts are final.

Database calls run in a thread: the crawl never waits on the database's answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import psycopg
from scrapy import signals
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

from dccrawl import stats as S
from dccrawl.db import cycles
from dccrawl.db.connect import resolve_database
from dccrawl.db.redact import redact
from dccrawl.extensions.exitcode import EXIT_OK, verdict

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

CYCLE_FAILED_REASON = "cycle"
REQUESTS = "downloader/request_count"
# follow_cycles column → the stat it holds.
COUNTS = {
    "new_posts": S.REFRESH_NEW,
    "changed_posts": S.REFRESH_CHANGED,
    "deleted_posts": S.REFRESH_DELETED,
    "deletion_checks": S.REFRESH_CHECKS,
    "comment_pages": S.REFRESH_COMMENT_PAGES,
    "requests": REQUESTS,
    "requests_saved": S.REFRESH_SAVED,
}
SHUTDOWN = "shutdown"  # Scrapy's close reason after SIGINT/SIGTERM


def cycle_of(spider: Spider) -> int | None:
    """The ``cycle`` spider argument, as the gallery spider parsed it."""
    arguments = getattr(spider, "args", None)
    cycle = getattr(arguments, "cycle", None)
    return int(cycle) if cycle else None


def crawl_outcome(reason: str, exit_code: int) -> str:
    """``ok``, ``stopped`` or ``failed``: the row's outcome for a crawl that closed so."""
    if exit_code == EXIT_OK:
        return "ok"
    return "stopped" if reason == SHUTDOWN else "failed"


def crawl_report(reason: str, stats: dict[str, Any]) -> cycles.CrawlReport:
    """What a crawl that closed with ``reason`` and these stats writes into its row."""
    code, explanation = verdict(reason, stats)
    outcome = crawl_outcome(reason, code)
    why = f"crawl {explanation}"
    if f"close reason: {reason}" not in explanation:
        why += f" (close reason: {reason})"
    return cycles.CrawlReport(
        outcome=outcome,
        exit_code=code,
        close_reason=reason,
        reason=None if outcome == "ok" else why,
        counts={column: S.count(stats, stat) for column, stat in COUNTS.items()},
    )


class CycleReporter:
    """Writes a follow cycle's crawl into its row (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cycle_id: int | None = None
        self.url: str | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CycleReporter:
        return cls(crawler)

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    # --- open -----------------------------------------------------------------------

    async def spider_opened(self, spider: Spider) -> None:
        self.cycle_id = cycle_of(spider)
        if self.cycle_id is None:
            return
        found, unreachable = await maybe_deferred_to_future(
            threads.deferToThread(self._open_in_thread)
        )
        if unreachable is not None:
            logger.warning(
                "Follow cycle %d: the database is unreachable (%s); crawling anyway",
                self.cycle_id,
                unreachable,
            )
        elif found is None:
            message = f"cycle {self.cycle_id} is not in the follow_cycles table of this database"
            logger.error("%s", message)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(S.FAILED_REASON, f"{CYCLE_FAILED_REASON}: {message}")
        else:
            logger.info(
                "Follow cycle %d: %s #%d (%s)",
                self.cycle_id,
                found.gallery_id,
                found.cycle_no,
                found.outcome,
            )

    def _open_in_thread(self) -> tuple[cycles.Cycle | None, str | None]:
        """(the row, None); (None, why) when the database cannot be reached."""
        assert self.cycle_id is not None
        try:
            self.url = resolve_database(self.crawler.settings).url
            with cycles.connect(self.url, "dccrawl-crawl") as conn:
                return cycles.get_cycle(conn, self.cycle_id), None
        except psycopg.Error as error:
            return None, redact(str(error))

    # --- close -------------------------------------------------------------------------

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.cycle_id is None:
            return
        report = crawl_report(reason, self._stats())
        await maybe_deferred_to_future(threads.deferToThread(self._close_in_thread, report))

    def _close_in_thread(self, report: cycles.CrawlReport) -> None:
        assert self.cycle_id is not None
        try:
            url = self.url or resolve_database(self.crawler.settings).url
            with cycles.connect(url, "dccrawl-crawl") as conn:
                written = cycles.record_crawl(conn, self.cycle_id, report)
        except psycopg.Error as error:
            # Logged at WARNING: the verdict is decided, and follow records the cycle
            # from the exit code when the crawl could not.
            logger.warning(
                "Follow cycle %d: the outcome could not be recorded (%s)",
                self.cycle_id,
                redact(str(error)),
            )
            return
        if written:
            logger.info(
                "Follow cycle %d: %s (exit code %d)",
                self.cycle_id,
                report.outcome,
                report.exit_code,
            )
        else:
            logger.warning(
                "Follow cycle %d: not recorded (no such row, or a crawl reported already)",
                self.cycle_id,
            )
