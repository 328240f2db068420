"""A process that outlives its closed crawl is ended with the crawl's exit code."""

from __future__ import annotations

import threading

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from dccrawl.extensions.exitcode import EXIT_CODE_STAT
from dccrawl.extensions.exitwatch import ExitWatch


def test_a_process_still_there_after_the_grace_exits_with_the_verdict() -> None:
    crawler = get_crawler(settings_dict={"DCCRAWL_EXIT_GRACE_SECONDS": 0.05})
    assert crawler.stats is not None
    crawler.stats.set_value(EXIT_CODE_STAT, 3)
    exited: list[int] = []
    done = threading.Event()

    def record(code: int) -> None:
        exited.append(code)
        done.set()

    watch = ExitWatch(crawler, 0.05, record)
    watch.spider_closed(None, "finished")  # type: ignore[arg-type]
    assert done.wait(10)
    assert exited == [3]
    assert watch.thread is not None and watch.thread.daemon


def test_zero_turns_it_off() -> None:
    crawler = get_crawler(settings_dict={"DCCRAWL_EXIT_GRACE_SECONDS": 0})
    with pytest.raises(NotConfigured):
        ExitWatch.from_crawler(crawler)
