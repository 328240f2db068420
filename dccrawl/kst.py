"""Korea Standard Time, the zone of every time the site shows.

Korea has no daylight saving time, so a fixed offset is exact. A leaf module: the
field rules (``dccrawl/normalize.py``), the argument parser and the row builder
(``dccrawl/db/rows.py``) all need it and nothing else of each other.
"""

from datetime import date, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def midnight(day: date) -> datetime:
    """The first instant of ``day`` in KST: where a day given as ``YYYY-MM-DD`` starts."""
    return datetime(day.year, day.month, day.day, tzinfo=KST)
