"""A log formatter that does not build the per-page and per-item lines the log level drops.

Scrapy logs "Crawled (200) <GET …>" for every response and "Scraped from …" for
every item at DEBUG. Its log handler filters them out at ``LOG_LEVEL = INFO``,
but only after each record has been created and passed through ``logging``:
with a dozen comments per post that is a measurable share of a crawl's CPU
(``bench/RESULTS.md``). This formatter returns ``None`` for those lines when
``LOG_LEVEL`` is above their level, which Scrapy documents as "log nothing";
with ``-L DEBUG`` every line is logged as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


def _level(value: object) -> int:
    """A ``LOG_LEVEL`` setting (name or number) as a number; unknown names mean DEBUG."""
    if isinstance(value, int):
        return value
    number = logging.getLevelName(str(value).upper())
    return number if isinstance(number, int) else logging.DEBUG


class LevelAwareLogFormatter(LogFormatter):
    """Scrapy's formatter, minus the crawled/scraped/dropped lines below ``LOG_LEVEL``."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__()
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        enabled = settings.getbool("LOG_ENABLED", True)
        return cls(_level(settings.get("LOG_LEVEL", "DEBUG")) if enabled else logging.CRITICAL + 1)

    def _kept(self, result: LogFormatterResult) -> LogFormatterResult | None:
        return result if result["level"] >= self.level else None

    def crawled(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider
    ) -> LogFormatterResult | None:
        return self._kept(super().crawled(request, response, spider))

    def scraped(  # type: ignore[override]
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        return self._kept(super().scraped(item, response, spider))

    def dropped(  # type: ignore[override]
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult | None:
        return self._kept(super().dropped(item, exception, response, spider))
