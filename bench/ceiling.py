"""The ceiling: a bare Scrapy spider that fetches exactly the crawler's requests and discards them.

    python -m bench.ceiling REQUESTS.jsonl SUMMARY.json [-s NAME=VALUE ...]

``REQUESTS.jsonl`` is what :mod:`bench.probe` recorded during a real crawl (every
list, view and comment request, retries included, in the order they reached the
downloader). This spider sends the same method, URL, headers and body for each,
with Scrapy's default settings and components (only the transport settings given
with ``-s`` — concurrency, delay — are the crawl's), and its callback does
nothing. What it takes is Scrapy's own cost of fetching those pages: the rate no
crawler built on Scrapy can beat on this machine. The probe (without recording)
writes the same summary as for the crawl, so both are timed alike.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.http import Response
from scrapy.settings import Settings

PROBE = "bench.probe.RequestProbe"


class CeilingSpider(scrapy.Spider):
    """Fetches the recorded requests; keeps nothing."""

    name = "ceiling"

    def __init__(self, recorded: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.recorded = recorded

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for record in self.recorded:
            yield scrapy.Request(
                record["url"],
                method=record["method"],
                headers=record["headers"],
                body=record["body"].encode("latin-1"),
                callback=self.discard,
                dont_filter=True,
            )

    def discard(self, response: Response) -> None:
        """The page is fetched; dropping it is the point."""


def load_requests(path: str) -> list[dict[str, Any]]:
    """The recorded requests, in order."""
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def settings_for(summary_path: str, overrides: dict[str, str]) -> Settings:
    """Scrapy's defaults, the probe, and the transport settings the crawl used."""
    settings = Settings()
    settings.set("EXTENSIONS", {PROBE: 900})
    settings.set("BENCH_PROBE_SUMMARY", summary_path)
    settings.set("TELNETCONSOLE_ENABLED", False)
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requests", help="JSON lines recorded by bench.probe")
    parser.add_argument("summary", help="where the probe writes the run's time and stats")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    overrides: dict[str, str] = {}
    for pair in args.settings:
        name, sep, value = pair.partition("=")
        if not sep:
            parser.error(f"-s {pair!r}: expected NAME=VALUE")
        overrides[name] = value
    recorded = load_requests(args.requests)
    if not recorded:
        parser.error(f"{args.requests}: no requests recorded")
    process = AsyncCrawlerProcess(settings_for(args.summary, overrides))
    process.crawl(CeilingSpider, recorded=recorded)
    process.start()


if __name__ == "__main__":
    main()
