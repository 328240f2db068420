"""Settings checked before a crawl starts: a typo gets one line and exit 2, not a traceback.

``-s DCCRAWL_DB_BATCH_SIZE=abc`` used to surface as a ``ValueError`` traceback from
whichever component read the setting first, minutes into a crawl for some of them.
The crawl command (``dccrawl/commands/crawl.py``) calls :func:`check_settings`
before Scrapy starts; each rule here names the setting, what it must be and why
in its message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dccrawl.quality import parse_thresholds
from dccrawl.validation import parse_tolerance


class SettingError(ValueError):
    """A setting has a value dccrawl cannot use; the message says which and why."""


class SettingsLike(Protocol):
    """What is read: Scrapy's ``Settings``."""

    def get(self, name: str, default: Any = None) -> Any: ...

    def getbool(self, name: str, default: bool = False) -> bool: ...


@dataclass(frozen=True)
class NumberRule:
    """A numeric setting: its type and the smallest value that makes sense."""

    name: str
    kind: Callable[[Any], float]
    minimum: float
    inclusive: bool = True

    def check(self, value: Any) -> None:
        if value is None:
            return
        what = "a whole number" if self.kind is int else "a number"
        bound = f"{'at least' if self.inclusive else 'above'} {self.minimum:g}"
        try:
            number = self.kind(value)
        except (TypeError, ValueError):
            raise SettingError(f"{self.name}={value!r}: expected {what} {bound}") from None
        too_small = number < self.minimum if self.inclusive else number <= self.minimum
        if too_small or math.isnan(number):
            raise SettingError(f"{self.name}={value!r}: expected {what} {bound}")


NUMBERS = (
    NumberRule("DCCRAWL_DB_BATCH_SIZE", int, 1),
    NumberRule("DCCRAWL_DB_BATCH_SECONDS", float, 0, inclusive=False),
    NumberRule("DCCRAWL_DB_RETRY_SECONDS", float, 0),
    NumberRule("DCCRAWL_DB_MAX_BUFFER", int, 1),
    NumberRule("DCCRAWL_PROGRESS_INTERVAL", float, 0),
    NumberRule("DCCRAWL_SHARD_REPORT_INTERVAL", float, 0),
    NumberRule("DCCRAWL_RENDER_TIMEOUT", float, 0, inclusive=False),
    NumberRule("DCCRAWL_BACKOFF_MAX_SECONDS", float, 0),
    NumberRule("DCCRAWL_BLOCK_REFUSALS", int, 1),
    NumberRule("DCCRAWL_BLOCK_PROBE_SECONDS", float, 0, inclusive=False),
    NumberRule("DCCRAWL_BLOCK_PROBE_MAX_SECONDS", float, 0, inclusive=False),
    NumberRule("DCCRAWL_BLOCK_GIVE_UP_SECONDS", float, 0, inclusive=False),
    NumberRule("DCCRAWL_BLOCK_SLOWDOWN", float, 1),
    NumberRule("DCCRAWL_BLOCK_SLOWDOWN_SECONDS", float, 0),
    NumberRule("DCCRAWL_BLOCK_MIN_DELAY", float, 0),
    NumberRule("DOWNLOAD_DELAY", float, 0),
    NumberRule("DOWNLOAD_TIMEOUT", float, 0, inclusive=False),
    NumberRule("CONCURRENT_REQUESTS", int, 1),
    NumberRule("CONCURRENT_REQUESTS_PER_DOMAIN", int, 1),
    NumberRule("CONCURRENT_ITEMS", int, 1),
    NumberRule("RETRY_TIMES", int, 0),
    NumberRule("DCCRAWL_INVALID_LOG_LIMIT", int, 0),
)
FLAGS = (
    "DCCRAWL_LIST_RECHECK",
    "DCCRAWL_COMMENT_BATCHES",
    "DCCRAWL_GC_TUNING",
    "DCCRAWL_VALIDATION",
    "AUTOTHROTTLE_ENABLED",
    "RETRY_ENABLED",
)


def _check_thresholds(value: Any) -> None:
    """``DCCRAWL_GC_THRESHOLDS``: three whole numbers, as ``gc.set_threshold`` takes
    (empty: Python's own)."""
    if value is None or value in ("", [], ()):
        return
    parts = value.split(",") if isinstance(value, str) else value
    try:
        numbers = [int(part) for part in parts]
    except (TypeError, ValueError):
        numbers = []
    if len(numbers) != 3 or min(numbers) < 0:
        raise SettingError(
            f"DCCRAWL_GC_THRESHOLDS={value!r}: expected three whole numbers, e.g. 50000,20,10"
        )


def check_settings(settings: SettingsLike) -> None:
    """Raise :class:`SettingError` for the first setting dccrawl cannot use."""
    for rule in NUMBERS:
        rule.check(settings.get(rule.name))
    for name in FLAGS:
        try:
            settings.getbool(name)
        except ValueError:
            raise SettingError(
                f"{name}={settings.get(name)!r}: expected True/False (or 1/0)"
            ) from None
    _check_thresholds(settings.get("DCCRAWL_GC_THRESHOLDS"))
    try:
        parse_tolerance(settings.get("DCCRAWL_FUTURE_TOLERANCE"))
        parse_thresholds(settings.get("DCCRAWL_COVERAGE"))
    except ValueError as error:
        raise SettingError(str(error)) from None
