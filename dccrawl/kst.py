"""Korea Standard Time, the zone of every time the site shows.

Korea has no daylight saving time, so a fixed offset is exact. A leaf module: the
field rules (``dccrawl/normalize.py``), the argument parser and the row builder
(``dccrawl/db/rows.py``) all need it and nothing else of each other.
"""

from datetime import timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")
