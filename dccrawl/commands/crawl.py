"""``scrapy crawl`` with honest exit codes and argument checks before start.

Scrapy's own ``crawl`` exits 0 even when every request failed, which makes
failures invisible to shell scripts, CI and scrapyd's job states. This command
reads the verdict that :class:`dccrawl.extensions.exitcode.HonestExitCode`
leaves in the crawler's stats and exits with it:

* 0 — the crawl finished and got everything it was asked for;
* 1 — the crawl failed (unknown gallery, database unreachable, nothing fetched,
  killed, or an error that stopped the spider);
* 2 — wrong arguments (one line saying which, nothing crawled or written);
* 3 — the crawl finished but some pages could not be fetched or parsed after
  all retries (each one is logged with its URL; the summary gives the count).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from dccrawl.extensions.exitcode import EXIT_CODE_STAT
from spiders.arguments import ArgumentError, parse_arguments, parse_media

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler


class Command(ScrapyCrawlCommand):
    """Run a spider and exit with the crawl's verdict."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if args and args[0] == "gallery":
            # Checked before Scrapy starts (and logs its banner), so a typo gets
            # exactly one line and exit code 2, and nothing is crawled or written.
            try:
                parse_arguments(opts.spargs)
                # The setting behind -a media is held to the same standard.
                parse_media(self.settings.get("DCCRAWL_MEDIA"), "DCCRAWL_MEDIA")
            except ArgumentError as error:
                print(f"dccrawl: error: {error}", file=sys.stderr)
                raise SystemExit(2) from None

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
            if code:
                self.exitcode = int(code)
