"""What a report shows, as frozen dataclasses: the queries fill them, charts and page read them.

Nothing here knows SQL or matplotlib, so the page and the charts can be tested on
hand-made values, and the queries on what they return. Times are ``datetime`` in KST
(the queries ask PostgreSQL for them so), days are KST ``date``s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dccrawl.report.period import Period

# The writer classes of migration 0005 in the order the report lists them, with the words
# it shows for them (English: chart text has no Hangul); None: the page showed no class.
WRITER_CLASSES: dict[str | None, str] = {
    "floating": "floating (IP shown)",
    "semi_fixed": "semi-fixed nick",
    "fixed": "fixed nick (member)",
    "manager": "manager",
    "sub_manager": "sub-manager",
    "operator": "operator (site staff)",
    None: "not shown",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # ISO order: 1 = Monday


@dataclass(frozen=True)
class Bucket:
    """Posts and comments written in one day, week (from its Monday) or month (from its 1st)."""

    start: date
    posts: int
    comments: int


@dataclass(frozen=True)
class Activity:
    """Posts and comments over time. ``unit`` is ``day``, ``week`` or ``month``: days for up to
    about three months, weeks for up to two years, months beyond, so the chart stays legible
    whatever the span. Every bucket of the span is listed, empty ones with zeros."""

    unit: str
    buckets: tuple[Bucket, ...]
    first_day: date | None  # the earliest and latest KST day of a post or comment counted
    last_day: date | None


@dataclass(frozen=True)
class Heatmap:
    """Counts by weekday (rows, Monday first) and hour of the day (columns), KST."""

    posts: tuple[tuple[int, ...], ...]
    comments: tuple[tuple[int, ...], ...]

    @staticmethod
    def empty_grid() -> list[list[int]]:
        """7 weekdays × 24 hours of zeros, to place the counts in."""
        return [[0] * 24 for _ in WEEKDAYS]


@dataclass(frozen=True)
class ClassCount:
    """Posts and comments written under one writer class (``None``: the page showed none)."""

    writer_class: str | None
    posts: int
    comments: int


@dataclass(frozen=True)
class Writers:
    """Who writes: the writer classes, and the anonymous writers (an IP prefix shown)."""

    classes: tuple[ClassCount, ...]
    posts: int
    comments: int
    anonymous_posts: int  # writer_ip not null
    anonymous_comments: int
    members: int  # distinct login ids among the posts' writers
    ip_prefixes: int  # distinct IP prefixes among the posts' anonymous writers

    @property
    def anonymous_post_share(self) -> float | None:
        return self.anonymous_posts / self.posts if self.posts else None

    @property
    def anonymous_comment_share(self) -> float | None:
        return self.anonymous_comments / self.comments if self.comments else None


@dataclass(frozen=True)
class TopPost:
    """One row of the most-commented and most-recommended tables."""

    post_no: int
    title: str | None
    writer_nick: str | None
    writer_ip: str | None
    writer_class: str | None
    created_at: datetime | None
    views: int | None
    recommend: int | None
    comment_count: int | None
    url: str | None
    is_deleted: bool
    is_notice: bool | None


@dataclass(frozen=True)
class DeletionDay:
    """Deleted posts a crawl found on one day (or week, month): those it had stored alive
    before, and those it never saw alive (read by number after their deletion)."""

    start: date
    seen_alive: int
    never_seen_alive: int


@dataclass(frozen=True)
class Deletions:
    """Deleted posts over time. The site says nothing about when a post was deleted: a
    crawl finds it deleted (``is_deleted``) and that crawl's time becomes the row's
    ``updated_at``, so ``found`` dates each deletion by when it was noticed, the latest it
    can have happened. ``written`` dates the same posts by when they were written, where
    known (a post never seen alive has no stored date)."""

    found_unit: str
    found: tuple[DeletionDay, ...]
    written_unit: str
    written: tuple[Bucket, ...]  # posts = deleted posts written then; comments unused (0)
    deleted: int
    posts: int  # stored posts of the same numbers, deleted or not
    undated: int  # deleted posts with no known writing time


@dataclass(frozen=True)
class PostMark:
    """A post that marks an end of the stored numbers."""

    post_no: int
    created_at: datetime | None
    title: str | None
    url: str | None
    is_deleted: bool


@dataclass(frozen=True)
class Gap:
    """Post numbers between two stored posts that the database does not hold."""

    after: int
    before: int
    after_at: datetime | None
    before_at: datetime | None

    @property
    def missing(self) -> int:
        return self.before - self.after - 1


@dataclass(frozen=True)
class Coverage:
    """How much of the gallery's numbers the database holds, and when it was crawled."""

    posts: int  # stored posts between first and last (deleted included)
    first: PostMark | None
    last: PostMark | None
    missing: int  # numbers between first and last not stored
    gap_runs: int  # stretches of consecutive missing numbers
    largest: tuple[Gap, ...]
    notices: int
    deleted: int
    deleted_undated: int  # deleted posts with no stored writing time (never seen alive)
    crawled_from: datetime | None  # galleries.first_seen_at: the first crawl that saw it
    crawled_to: datetime | None  # galleries.last_seen_at


@dataclass(frozen=True)
class FailureKind:
    """The ledger's pages of one kind (list, view, comments, posts)."""

    page_kind: str
    pages: int
    attempts: int
    last_seen_at: datetime


@dataclass(frozen=True)
class FailureRow:
    """One page the ledger holds."""

    page_kind: str
    path: str
    post_no: int | None
    reason: str
    attempts: int
    last_seen_at: datetime


@dataclass(frozen=True)
class Failures:
    """The gallery's rows of ``crawl_failures``; ``available`` is false when the database
    has no such table (a schema older than migration 0004)."""

    available: bool
    kinds: tuple[FailureKind, ...] = ()
    rows: tuple[FailureRow, ...] = ()

    @property
    def pages(self) -> int:
        return sum(kind.pages for kind in self.kinds)


@dataclass(frozen=True)
class Report:
    """Everything one report shows."""

    gallery: str
    period: Period
    generated_at: datetime
    database: str  # the URL, password hidden
    activity: Activity
    heatmap: Heatmap
    writers: Writers
    most_commented: tuple[TopPost, ...]
    most_recommended: tuple[TopPost, ...]
    deletions: Deletions
    coverage: Coverage
    failures: Failures
