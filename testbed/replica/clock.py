"""The replica's clock and the site's date formats (SITE.md §7).

All times are KST (UTC+9, no DST). Visible dates depend on "now", so ``serve`` and
``truth`` take the same ``--now``; without it both use the ``DCCRAWL_REPLICA_NOW``
environment variable when set (the test suite sets it once per session, so a serve and a
truth run on either side of midnight KST still agree), else today's KST date at 00:05,
which two processes started the same day agree on.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


NOW_VARIABLE = "DCCRAWL_REPLICA_NOW"


def default_now() -> datetime:
    """``DCCRAWL_REPLICA_NOW`` if set, else today (KST) at 00:05:00: the newest generated
    posts fall between 00:00 and 00:05."""
    fixed = os.environ.get(NOW_VARIABLE)
    if fixed:
        return parse_now(fixed)
    today = datetime.now(KST).date()
    return datetime(today.year, today.month, today.day, 0, 5, 0, tzinfo=KST)


def parse_now(text: str) -> datetime:
    """An ISO datetime; naive values are taken as KST, aware ones converted to KST."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=KST)
    return value.astimezone(KST)


def iso(value: datetime) -> str:
    """ISO 8601 with seconds precision and the +09:00 offset (the truth format)."""
    return value.astimezone(KST).replace(microsecond=0).isoformat()


# f-strings instead of strftime: these run for every row and comment served.
def title_attr(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS``: the ``title`` attribute of list and view dates."""
    v = value
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}"


def list_text(value: datetime, now: datetime) -> str:
    """The list cell's visible date: ``HH:MM`` today, ``MM.DD`` this year, else ``YY.MM.DD``."""
    v = value
    if v.year == now.year:
        if v.month == now.month and v.day == now.day:
            return f"{v.hour:02d}:{v.minute:02d}"
        return f"{v.month:02d}.{v.day:02d}"
    return f"{v.year % 100:02d}.{v.month:02d}.{v.day:02d}"


def survey_text(value: datetime) -> str:
    """Survey rows always show ``YY/MM/DD``."""
    return value.strftime("%y/%m/%d")


def view_text(value: datetime) -> str:
    """The view header's visible date, ``YYYY.MM.DD HH:MM:SS`` as in the seed capture."""
    return value.strftime("%Y.%m.%d %H:%M:%S")


def comment_reg_date(value: datetime, now: datetime) -> str:
    """``reg_date`` of the comment JSON: ``MM.DD HH:MM:SS`` this year, else with ``YYYY.``."""
    v = value
    clock = f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    if v.year == now.year:
        return f"{v.month:02d}.{v.day:02d} {clock}"
    return f"{v.year:04d}.{v.month:02d}.{v.day:02d} {clock}"
