"""A Scrapy extension the benchmarks add to a crawl: it records what was fetched and when.

Two jobs, both cheap enough not to change what they measure (one JSON line per
request, written to a buffered file):

* every request that reaches the downloader (method, URL, headers, body) goes to
  ``BENCH_PROBE_REQUESTS`` when set, so the ceiling spider (``bench.ceiling``) can
  fetch exactly the same requests;
* at close, ``BENCH_PROBE_SUMMARY`` receives the seconds from ``spider_opened`` to
  ``spider_closed`` (pipelines have flushed by then: the database's last batch
  is inside the window), the CPU seconds the process used in that window (on a
  machine shared with other work, the steadier measure of cost), the peak RSS
  so far (``VmHWM``), and the crawl's final stats.
"""

from __future__ import annotations

import json
import resource
import time
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

# Headers that the downloader middlewares add again in any crawl; replaying them
# would only duplicate them.
_SKIPPED_HEADERS = {b"cookie", b"user-agent", b"accept-encoding"}


def _cpu_seconds() -> float:
    """User and system CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_kib() -> int | None:
    """This process's peak RSS (``VmHWM``: since its exec, unlike ``ru_maxrss``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _plain(value: object) -> object:
    """A stats value as JSON can hold it (datetimes become text)."""
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


class RequestProbe:
    """Records requests and the crawl's duration (see the module docstring)."""

    def __init__(self, crawler: Crawler, requests_path: str | None, summary_path: str) -> None:
        self.crawler = crawler
        self.summary_path = summary_path
        self._requests: IO[str] | None = None
        if requests_path:
            self._requests = open(requests_path, "w", encoding="utf-8")  # noqa: SIM115
            crawler.signals.connect(self.request_reached, signal=signals.request_reached_downloader)
        self.opened: float | None = None
        self.opened_cpu = 0.0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestProbe:
        summary = crawler.settings.get("BENCH_PROBE_SUMMARY")
        if not summary:
            raise NotConfigured("BENCH_PROBE_SUMMARY is not set")
        return cls(crawler, crawler.settings.get("BENCH_PROBE_REQUESTS"), summary)

    def spider_opened(self, spider: Spider) -> None:
        self.opened = time.monotonic()
        self.opened_cpu = _cpu_seconds()

    def request_reached(self, request: Request, spider: Spider) -> None:
        assert self._requests is not None
        headers = {
            key.decode("latin-1"): [v.decode("latin-1") for v in values]
            for key, values in request.headers.items()
            if key.lower() not in _SKIPPED_HEADERS
        }
        record = {
            "method": request.method,
            "url": request.url,
            "headers": headers,
            "body": request.body.decode("latin-1"),
        }
        self._requests.write(json.dumps(record, ensure_ascii=False) + "\n")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        closed = time.monotonic()
        cpu = _cpu_seconds() - self.opened_cpu
        if self._requests is not None:
            self._requests.close()
        assert self.crawler.stats is not None
        stats = {key: _plain(value) for key, value in self.crawler.stats.get_stats().items()}
        summary: dict[str, Any] = {
            "seconds": closed - (self.opened if self.opened is not None else closed),
            "cpu_seconds": cpu,
            "peak_rss_kib": _peak_rss_kib(),
            "reason": reason,
            "stats": stats,
        }
        with open(self.summary_path, "w", encoding="utf-8") as out:
            json.dump(summary, out)
