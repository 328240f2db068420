"""Fewer, cheaper garbage-collector passes during a crawl.

Why: a crawl allocates a few hundred container objects per post (items, requests,
deferreds, parse results) and frees nearly all of them by reference counting.
Python's cyclic collector still runs a pass every 700 net allocations and, now
and then, a full pass over every object the process holds — Scrapy, Twisted,
lxml and Playwright's modules included. Measured on a 2,364-post replica crawl,
that was 1.3 s of 17 s of CPU (1,281 passes); with this extension, 0.06 s
(``bench/RESULTS.md``).

At engine start, once everything is imported and built, one collection runs and
the surviving objects are frozen (``gc.freeze``: never scanned again), then the
first-generation threshold is raised so passes are rare. That is safe for memory
only because the crawl's pages form no reference cycles (freed by reference
counting the moment the spider is done with them; ``tests/spiders/test_spider_memory.py``
checks each callback): a page caught in a cycle would wait for the next pass. One
did — a list page read through ``response.selector`` — and with these thresholds
the 50,000-post benchmark crawl peaked at 455 MB instead of ~150 MB
(``python -m bench`` measures peak RSS and its growth).

Settings: ``DCCRAWL_GC_THRESHOLDS`` (three integers, as ``gc.set_threshold``
takes them; empty or ``DCCRAWL_GC_TUNING = False`` leaves the collector as Python
configures it). The previous thresholds are restored when the engine stops.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class GarbageCollectorTuning:
    """Freezes the startup heap and raises the collector's thresholds for the crawl."""

    def __init__(self, thresholds: tuple[int, int, int]) -> None:
        self.thresholds = thresholds
        self.saved: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("DCCRAWL_GC_TUNING", True):
            raise NotConfigured("DCCRAWL_GC_TUNING is off")
        raw = settings.getlist("DCCRAWL_GC_THRESHOLDS")
        if not raw:
            raise NotConfigured("DCCRAWL_GC_THRESHOLDS is empty")
        try:
            values = tuple(int(value) for value in raw)
        except (TypeError, ValueError):
            values = ()
        if len(values) != 3 or min(values) < 1:
            raise ValueError(f"DCCRAWL_GC_THRESHOLDS must be three positive integers, got {raw!r}")
        extension = cls((values[0], values[1], values[2]))
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        gc.collect()
        gc.freeze()
        self.saved = gc.get_threshold()
        gc.set_threshold(*self.thresholds)
        logger.debug(
            "Garbage collector: %d startup objects frozen, thresholds %s (were %s)",
            gc.get_freeze_count(),
            self.thresholds,
            self.saved,
        )

    def engine_stopped(self) -> None:
        if self.saved is not None:
            gc.set_threshold(*self.saved)
            gc.unfreeze()
            self.saved = None
