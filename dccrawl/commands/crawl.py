"""``scrapy crawl`` with honest exit codes and argument checks before start.

Scrapy's own ``crawl`` exits 0 even when every request failed, which makes
failures invisible to shell scripts, CI and scrapyd's job states. This command
reads the verdict that :class:`dccrawl.extensions.exitcode.HonestExitCode`
leaves in the crawler's stats and exits with it:

* 0 — the crawl finished and got everything it was asked for;
* 1 — the crawl failed (unknown gallery, database unreachable, nothing fetched,
  killed, or an error that stopped the spider);
* 2 — wrong arguments (one line saying which, nothing crawled or written);
* 3 — the crawl finished but lost something: pages that could not be fetched or
  parsed after all retries, callbacks that raised, items the database refused or
  a pipeline dropped (each one is logged; the summary gives the counts).

A forced shutdown (a second Ctrl-C or SIGTERM, as a doubled scrapyd cancel sends)
stops the reactor before the spider closes: no extension gets to decide. This
command notices the missing verdict, logs the summary from the stats as they
were and exits 1.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.utils.job import job_dir

from dccrawl import stats as S
from dccrawl.arguments import ArgumentError, parse_arguments, parse_media
from dccrawl.extensions.exitcode import EXIT_CODE_STAT, EXIT_FAILED
from dccrawl.jobdir import JobDirRefused, check_jobdir, identity
from dccrawl.setting_checks import SettingError, check_settings
from dccrawl.summaries import summary_line

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _refuse(error: Exception) -> None:
    print(f"dccrawl: error: {error}", file=sys.stderr)
    raise SystemExit(2) from None


class Command(ScrapyCrawlCommand):
    """Run a spider and exit with the crawl's verdict."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            check_settings(self.settings)
        except SettingError as error:
            _refuse(error)
        if args and args[0] == "gallery":
            # Checked before Scrapy starts (and logs its banner), so a typo gets
            # exactly one line and exit code 2, and nothing is crawled or written.
            try:
                parse_arguments(opts.spargs)
                # The setting behind -a media is held to the same standard.
                parse_media(self.settings.get("DCCRAWL_MEDIA"), "DCCRAWL_MEDIA")
                jobdir = job_dir(self.settings)
                if jobdir:
                    arguments = {k: v for k, v in opts.spargs.items() if k != "_job"}
                    base_url = self.settings.get("DCCRAWL_BASE_URL") or ""
                    check_jobdir(jobdir, identity(args[0], arguments, base_url))
            except (ArgumentError, JobDirRefused) as error:
                _refuse(error)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        crawlers: list[Crawler] = []
        create = self._create_crawler

        def create_and_remember(spidercls: type[Spider] | str) -> Crawler:
            crawler = create(spidercls)
            crawlers.append(crawler)
            return crawler

        self._create_crawler = create_and_remember  # type: ignore[method-assign]
        super().run(args, opts)
        if self.exitcode:
            return
        for crawler in crawlers:
            code = crawler.stats.get_value(EXIT_CODE_STAT) if crawler.stats else None
            closed = crawler.stats is not None and crawler.stats.get_value("finish_reason")
            if code is None and crawler.spider is not None and not closed:
                code = _forced_shutdown(crawler)
            if code:
                self.exitcode = int(code)


def _forced_shutdown(crawler: Crawler) -> int:
    """The crawl never closed (the reactor was stopped under it): say so, exit 1.

    Runs after the reactor has stopped, in plain code (not a signal handler), so it
    may log."""
    assert crawler.stats is not None and crawler.spider is not None
    stats = crawler.stats.get_stats()
    stats[S.FORCED_SHUTDOWN] = 1
    started = stats.get("start_time")
    elapsed = (
        (datetime.now(UTC) - started).total_seconds() if isinstance(started, datetime) else 0.0
    )
    gallery = str(getattr(crawler.spider, "gallery", crawler.spider.name))
    logger.info(summary_line(gallery, stats, elapsed))
    logger.error(
        "Crawl killed: forced shutdown before the spider could close; items still buffered "
        "for the database were not written and the JOBDIR queue (if any) was not saved: run "
        "again to fetch them (exit code %d)",
        EXIT_FAILED,
    )
    return EXIT_FAILED
