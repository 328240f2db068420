"""The Scrapy components dccrawl swaps in for speed behave like Scrapy's own, minus the waste."""

from __future__ import annotations

import gc
import inspect
import logging

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from dccrawl.extensions.gctuning import GarbageCollectorTuning
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


def _collector_tuning(settings: dict[str, object]) -> GarbageCollectorTuning:
    return GarbageCollectorTuning.from_crawler(get_crawler(settings_dict=settings))


def test_the_collector_is_tuned_for_the_crawl_and_restored_after() -> None:
    before = gc.get_threshold()
    tuning = _collector_tuning({"DCCRAWL_GC_THRESHOLDS": [40_000, 15, 5]})
    try:
        tuning.engine_started()
        assert gc.get_threshold() == (40_000, 15, 5)
        assert gc.get_freeze_count() > 0  # the startup heap is out of the collector's way
    finally:
        tuning.engine_stopped()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_project_settings_turn_the_tuning_on() -> None:
    settings = get_project_settings()
    assert "dccrawl.extensions.gctuning.GarbageCollectorTuning" in settings.getdict("EXTENSIONS")
    assert settings.getbool("DCCRAWL_GC_TUNING")
    project = {"DCCRAWL_GC_THRESHOLDS": settings.getlist("DCCRAWL_GC_THRESHOLDS")}
    assert _collector_tuning(project).thresholds == (50_000, 20, 10)


def test_the_tuning_can_be_turned_off() -> None:
    with pytest.raises(NotConfigured):
        _collector_tuning({"DCCRAWL_GC_TUNING": False})
    with pytest.raises(NotConfigured):
        _collector_tuning({"DCCRAWL_GC_THRESHOLDS": []})


@pytest.mark.parametrize("thresholds", [[1, 2], ["many", 1, 1], [0, 10, 10]])
def test_bad_thresholds_are_a_clear_error(thresholds: list[object]) -> None:
    with pytest.raises(ValueError, match="DCCRAWL_GC_THRESHOLDS"):
        _collector_tuning({"DCCRAWL_GC_THRESHOLDS": thresholds})
