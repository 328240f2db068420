"""A crawl's progress and outcome as text, from its stats alone: pure functions.

``format_duration``, the periodic progress line, the closing summary. Used by the
progress extension (``dccrawl/extensions/progress.py``), by the crawl command when
a forced shutdown leaves no extension to write the summary, and by the cluster's
progress table (``dccrawl/cluster/report.py``); a leaf, so none of them reaches
into another's module for a formatter.
"""

from __future__ import annotations

import time

from dccrawl import stats as S


def format_duration(seconds: float) -> str:
    """``3725`` → ``1:02:05``: short enough for a log line."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def estimate_remaining(stats: dict[str, object], list_num: int) -> int | None:
    """Posts still to visit, where the total is known; None where it is not.

    Backfill (``posts=A-B``) knows its numbers. A list crawl knows the view pages it
    asked for and not yet read, plus a full list page of posts for every list page
    not yet read (re-reads of pages already read, ``dccrawl/list_rechecks``, are not
    progress and do not count)."""
    done = S.count(stats, S.POSTS) + S.count(stats, S.POSTS_MISSING)
    expected = S.count(stats, S.POSTS_EXPECTED)
    if expected:
        return max(0, expected - done)
    known_pages = S.count(stats, S.LIST_PAGES_KNOWN)
    if known_pages:
        remaining_pages = max(0, known_pages - S.count(stats, S.LIST_PAGES))
        waiting_views = max(0, S.count(stats, S.VIEWS_REQUESTED) - done)
        return remaining_pages * list_num + waiting_views
    return None


# Counts that only matter when they happen: shown (in this order) when not zero.
_WHEN_ANY = (
    (S.BROWSER_FALLBACKS, "posts with comments read in the browser"),
    (S.BACKOFFS, "backoffs"),
    (S.BLOCKS, "blocks"),
    (S.BLOCK_PUT_BACK, "requests put back after a block"),
    (S.MEDIA_DOWNLOADED, "files downloaded"),
    (S.MEDIA_FAILED, "files failed"),
    (S.CALLBACK_ERRORS, "pages the spider failed on"),
    (S.COMMENTS_SHORT, "posts with comments missing"),
    (S.DB_REJECTED, "items refused by the database"),
)


def _when_any(stats: dict[str, object]) -> str:
    """``", posts with comments read in the browser 3, files downloaded 40"``, or ``""``."""
    return "".join(
        f", {label} {S.count(stats, key)}" for key, label in _WHEN_ANY if S.count(stats, key)
    )


def progress_line(gallery: str, stats: dict[str, object], elapsed: float, list_num: int) -> str:
    """One progress line, e.g. ``programming: list pages 3/40, posts 150 …, ETA 0:04:10``."""
    posts = S.count(stats, S.POSTS)
    rate = posts / elapsed if elapsed > 0 else 0.0
    parts = [f"{gallery}:"]
    known = S.count(stats, S.LIST_PAGES_KNOWN)
    if known or S.count(stats, S.LIST_PAGES):
        read = S.count(stats, S.LIST_PAGES)
        parts.append(f"list pages {min(read, known) if known else read}/{known or '?'},")
    parts.append(
        f"posts {posts} (deleted {S.count(stats, S.POSTS_DELETED)}, "
        f"missing {S.count(stats, S.POSTS_MISSING)}), comments {S.count(stats, S.COMMENTS)}"
        f"{_when_any(stats)},"
    )
    parts.append(f"{rate:.1f} posts/s")
    if since := stats.get(S.BLOCKED_SINCE):
        parts[-1] += ","
        probe_at = stats.get(S.BLOCK_NEXT_PROBE)
        wait = max(0, round(probe_at - time.time())) if isinstance(probe_at, float) else "?"
        parts.append(f"blocked since {since}, next probe in {wait} s")
        return " ".join(parts)
    remaining = estimate_remaining(stats, list_num)
    if remaining is not None and rate > 0:
        parts[-1] += ","
        parts.append(f"ETA {format_duration(remaining / rate)}")
    return " ".join(parts)


def summary_line(gallery: str, stats: dict[str, object], elapsed: float) -> str:
    """The closing summary: what was stored, skipped and lost."""
    skipped = sum(
        int(value)
        for key, value in stats.items()
        if key.startswith(S.ROWS_SKIPPED + "/") and isinstance(value, int)
    )
    return (
        f"{gallery}: done in {format_duration(elapsed)}: posts {S.count(stats, S.POSTS)}, "
        f"comments {S.count(stats, S.COMMENTS)}, deleted {S.count(stats, S.POSTS_DELETED)}, "
        f"missing {S.count(stats, S.POSTS_MISSING)}, non-post rows skipped {skipped}, "
        f"pages retried as broken {S.count(stats, S.BROKEN_RETRIES)}, "
        f"pages failed {S.count(stats, S.PAGES_FAILED)}, "
        f"errors logged {S.count(stats, 'log_count/ERROR')}{_when_any(stats)}"
        f"{_blocked_time(stats)}"
    )


def _blocked_time(stats: dict[str, object]) -> str:
    """``", blocked for 0:12:30 in all"`` when the site blocked the crawl, else ``""``."""
    seconds = stats.get(S.BLOCK_SECONDS)
    if not isinstance(seconds, (int, float)) or not seconds:
        return ""
    return f", blocked for {format_duration(seconds)} in all"
