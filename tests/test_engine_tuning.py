"""The Scrapy components dccrawl swaps in for speed behave like Scrapy's own, minus the waste."""

from __future__ import annotations

import inspect
import logging

from scrapy.exceptions import DropItem
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from dccrawl.logformatter import LevelAwareLogFormatter
from dccrawl.statscollector import PlainStatsCollector
from tests.pipeline_harness import make_post


def _formatter(level: str) -> LevelAwareLogFormatter:
    return LevelAwareLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": level}))


def test_lines_below_the_log_level_are_not_built() -> None:
    formatter = _formatter("INFO")
    request = Request("https://example/")
    response = Response("https://example/", request=request)
    spider = get_crawler().spider
    assert formatter.crawled(request, response, spider) is None  # type: ignore[arg-type]
    assert formatter.scraped(make_post(1), response, spider) is None  # type: ignore[arg-type]
    quiet = DropItem("duplicate", log_level="DEBUG")
    assert formatter.dropped(make_post(1), quiet, response, spider) is None  # type: ignore[arg-type]


def test_lines_at_or_above_the_level_are_kept() -> None:
    request = Request("https://example/")
    response = Response("https://example/", request=request)
    spider = get_crawler().spider
    loud = DropItem("bad", log_level="WARNING")
    kept = _formatter("INFO").dropped(make_post(1), loud, response, spider)  # type: ignore[arg-type]
    assert kept is not None and kept["level"] == logging.WARNING
    debug = _formatter("DEBUG")
    crawled = debug.crawled(request, response, spider)  # type: ignore[arg-type]
    assert crawled is not None and crawled["level"] == logging.DEBUG
    assert debug.scraped(make_post(1), response, spider) is not None  # type: ignore[arg-type]


def test_plain_stats_collector_counts_like_scrapys() -> None:
    stats = PlainStatsCollector(get_crawler())
    stats.inc_value("a")
    stats.inc_value("a", 2)
    stats.max_value("m", 3)
    stats.max_value("m", 1)
    stats.min_value("n", 3)
    stats.min_value("n", 1)
    stats.set_value("s", "x")
    assert stats.get_stats() == {"a": 3, "m": 3, "n": 1, "s": "x"}
    assert stats.get_value("missing", 0) == 0


def test_plain_stats_collector_methods_are_not_wrapped_per_access() -> None:
    stats = PlainStatsCollector(get_crawler())
    # Scrapy's own collector hands out a deprecation-checking wrapper on each access.
    assert inspect.ismethod(stats.inc_value)
    assert stats.inc_value.__func__ is StatsCollector.inc_value
