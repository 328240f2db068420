"""Reports a sharded job to the shard ledger: running, counts while it runs, the outcome.

Only jobs started with ``-a shard=ID -a crawl=ID`` (what ``python -m dccrawl
schedule`` dispatches to scrapyd) report; every other crawl is left alone. The ledger
is the ``crawl_shards`` table in the crawl's own database (``DATABASE_URL``).

* At open the job is bound to its crawl: it runs only when its database holds shard
  ID *of crawl ID*, not yet ``done``; the shard then becomes ``running``. Otherwise
  (a job sent to another database than its crawl's, where shard ID may be another
  crawl's row; a stray duplicate of a finished shard; a ledger it cannot reach) it
  refuses before its first request: one ERROR line, close reason ``shard_refused``,
  exit 1, and no ledger row touched.
* Every ``DCCRAWL_SHARD_REPORT_INTERVAL`` seconds the post and comment rows the
  pipeline has stored so far are written: the live counts of ``watch`` and a
  heartbeat.
* At close the shard becomes ``done`` only when the close reason is
  ``finished`` **and** the exit-code verdict (``dccrawl.extensions.exitcode``)
  is 0: every page fetched and every item written. Anything else (pages given
  up on, a cancel from scrapyd, a lost database) is ``failed``, with the reason,
  for ``resume`` to run again. The pipelines have closed by then, so the counts
  are final.

Database calls run in a thread: the crawl never waits on the ledger. A ledger
that cannot be reached later is logged and does not stop the crawl; a shard that
cannot report its outcome stays ``running`` in the ledger, and ``resume`` sees
its finished job and runs it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import psycopg
from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task, threads

from dccrawl import stats as S
from dccrawl.cluster import ledger
from dccrawl.db.connect import resolve_database
from dccrawl.db.redact import redact
from dccrawl.extensions.exitcode import EXIT_OK, verdict
from dccrawl.runreport import QualityReport
from dccrawl.stats import COMMENTS_WRITTEN, POSTS_WRITTEN

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

SHARD_FAILED_REASON = "shard"
REFUSED_REASON = "shard_refused"  # the close reason of a job that was not this database's


@dataclass(frozen=True)
class Outcome:
    """How a sharded job ended, as the ledger records it."""

    reason: str  # Scrapy's close reason
    exit_code: int  # the verdict of dccrawl.extensions.exitcode
    explanation: str
    posts: int  # post rows the pipeline stored
    comments: int
    quality: dict[str, Any] | None = None  # QualityReport.as_json() (dccrawl/runreport.py)

    @property
    def done(self) -> bool:
        """Finished on its own and complete: the only outcome that makes a shard done."""
        return self.reason == "finished" and self.exit_code == EXIT_OK


def shard_of(spider: Spider) -> str | None:
    """The ``shard`` spider argument, as the gallery spider parsed it."""
    arguments = getattr(spider, "args", None)
    shard = getattr(arguments, "shard", None)
    return str(shard) if shard else None


def crawl_of(spider: Spider) -> str | None:
    """The ``crawl`` spider argument: the crawl the shard belongs to."""
    crawl = getattr(getattr(spider, "args", None), "crawl", None)
    return str(crawl) if crawl else None


class ShardReporter:
    """Keeps a sharded job's ledger row up to date (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("DCCRAWL_SHARD_REPORT_INTERVAL", 10.0)
        self.shard_id: int | None = None
        self.crawl_id: str | None = None
        self.job_id: str | None = None  # scrapyd's job id (its _job argument), if any
        self.url: str | None = None
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShardReporter:
        return cls(crawler)

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def _counts(self) -> tuple[int, int]:
        stats = self._stats()
        return int(stats.get(POSTS_WRITTEN, 0) or 0), int(stats.get(COMMENTS_WRITTEN, 0) or 0)

    def _fail(self, message: str) -> None:
        assert self.crawler.stats is not None
        logger.error("%s", message)
        self.crawler.stats.set_value(S.FAILED_REASON, f"{SHARD_FAILED_REASON}: {message}")

    # --- open -----------------------------------------------------------------------

    async def spider_opened(self, spider: Spider) -> None:
        shard = shard_of(spider)
        if shard is None:
            return
        if not shard.isdigit():
            self._refuse(f"shard={shard!r} is not a shard id (a whole number from the ledger)")
        self.shard_id = int(shard)
        self.crawl_id = crawl_of(spider)
        job = getattr(spider, "job_id", None)
        self.job_id = str(job) if job else None
        if self.crawl_id is None:  # (the spider's arguments require it: never here)
            self._refuse(f"shard {shard} was given without its crawl id (-a crawl=ID)")
        before, problem = await maybe_deferred_to_future(
            threads.deferToThread(self._open_in_thread)
        )
        self._opened(before, problem)

    def _open_in_thread(self) -> tuple[str | None, str | None]:
        """(state before, None) once marked running; (None, why) if the ledger is unreachable."""
        assert self.shard_id is not None and self.crawl_id is not None
        try:
            self.url = resolve_database(self.crawler.settings).url
            with ledger.connect(self.url) as conn:
                return ledger.mark_running(conn, self.shard_id, self.crawl_id, self.job_id), None
        except psycopg.Error as error:
            return None, redact(str(error))

    def _opened(self, before: str | None, unreachable: str | None) -> None:
        """Run the shard, or refuse the job: it must never write as another crawl's shard,
        nor crawl again a shard that is done."""
        where = redact(self.url or "the database")
        if unreachable is not None:
            self._refuse(
                f"Shard {self.shard_id} of crawl {self.crawl_id}: the ledger in {where} is "
                f"unreachable ({unreachable}); not crawling (resume runs it again)"
            )
        if before is None:
            self._refuse(
                f"Shard {self.shard_id} of crawl {self.crawl_id} is not in the crawl_shards "
                f"ledger of {where}: this job was sent to another database than its crawl's; "
                "refusing to crawl"
            )
        if before == "done":
            self._refuse(
                f"Shard {self.shard_id} of crawl {self.crawl_id} is already done (an earlier "
                "attempt finished it); not crawling it again"
            )
        if before == ledger.SUPERSEDED:
            self._refuse(
                f"Shard {self.shard_id} of crawl {self.crawl_id} was sent again since this job "
                f"({self.job_id}) was: an older attempt; not crawling"
            )
        if before == "cancelled":
            self._refuse(
                f"Shard {self.shard_id} of crawl {self.crawl_id} was cancelled "
                "(python -m dccrawl cancel); not crawling it"
            )
        logger.info("Shard %s of crawl %s: running (was %s)", self.shard_id, self.crawl_id, before)
        if self.interval > 0:
            self._start_loop()

    def _refuse(self, message: str) -> NoReturn:
        """End the job before its first request: exit 1 with this one line; the ledger row
        (if any) is left as it was."""
        self._fail(message)
        self.shard_id = None  # nothing to report at close
        raise CloseSpider(REFUSED_REASON)

    def _start_loop(self) -> None:
        self.loop = task.LoopingCall(self._report_progress)
        self.loop.start(self.interval, now=False).addErrback(
            lambda failure: logger.warning("Shard progress reports stopped: %s", failure.value)
        )

    # --- while running ------------------------------------------------------------------

    def _report_progress(self) -> Deferred[None]:
        posts, comments = self._counts()
        return threads.deferToThread(self._progress_in_thread, posts, comments)

    def _progress_in_thread(self, posts: int, comments: int) -> None:
        assert self.shard_id is not None
        try:
            url = self.url or resolve_database(self.crawler.settings).url
            with ledger.connect(url) as conn:
                ledger.report_progress(conn, self.shard_id, posts, comments, self.job_id)
        except psycopg.Error as error:
            logger.warning(
                "Shard %d: progress not recorded (%s)", self.shard_id, redact(str(error))
            )

    # --- close -------------------------------------------------------------------------

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.shard_id is None:
            return
        stats = self._stats()
        code, explanation = verdict(reason, stats)
        posts, comments = self._counts()
        quality = QualityReport.from_stats(stats).as_json()
        outcome = Outcome(reason, code, explanation, posts, comments, quality)
        await maybe_deferred_to_future(threads.deferToThread(self._close_in_thread, outcome))

    def _close_in_thread(self, outcome: Outcome) -> None:
        assert self.shard_id is not None
        try:
            url = self.url or resolve_database(self.crawler.settings).url
            with ledger.connect(url) as conn:
                changed = ledger.report_closed(
                    conn,
                    self.shard_id,
                    done=outcome.done,
                    reason=outcome.reason,
                    exit_code=outcome.exit_code,
                    posts=outcome.posts,
                    comments=outcome.comments,
                    error=f"crawl {outcome.explanation} (close reason {outcome.reason})",
                    job_id=self.job_id,
                    quality=outcome.quality,
                )
        except psycopg.Error as error:
            logger.error(
                "Shard %d: the outcome could not be recorded (%s); `resume` will run it again",
                self.shard_id,
                redact(str(error)),
            )
            return
        if outcome.done:
            logger.info(
                "Shard %d: done (%d posts, %d comments)",
                self.shard_id,
                outcome.posts,
                outcome.comments,
            )
        elif changed:
            logger.error(
                "Shard %d: failed (%s, close reason %s)",
                self.shard_id,
                outcome.explanation,
                outcome.reason,
            )
        else:
            logger.warning(
                "Shard %d: this attempt failed; its outcome is not recorded, the shard being "
                "done (another attempt finished it) or cancelled",
                self.shard_id,
            )
