"""Scrapy's in-memory stats collector without its per-access deprecation hook.

Scrapy 2.19's ``StatsCollector.__getattribute__`` runs Python code on *every*
attribute access of the stats object (``self._stats`` inside ``inc_value``
included) to wrap its methods in a check that warns about the deprecated
``spider`` argument. A crawl updates stats a dozen times per page and once per
item, so the hook alone was about 2 % of a crawl's CPU (``bench/RESULTS.md``).
This collector keeps Scrapy's methods and their results unchanged; only the
deprecation warning for callers that still pass ``spider=`` is gone (the
argument is accepted and ignored, as before).
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class PlainStatsCollector(MemoryStatsCollector):
    """``MemoryStatsCollector`` with plain attribute access."""

    __getattribute__ = object.__getattribute__  # type: ignore[assignment]
