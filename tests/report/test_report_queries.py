"""The report's SQL on a hand-made gallery (``content.py``): every count, KST day and order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import psycopg
import pytest

from dccrawl.db import reading
from dccrawl.kst import KST
from dccrawl.report import queries
from dccrawl.report.data import Bucket, ClassCount, DeletionDay, Gap, Report
from dccrawl.report.period import Period
from tests.report import content

GENERATED = datetime(2026, 11, 7, 12, 0, tzinfo=KST)


@pytest.fixture
def conn(shared: str) -> Iterator[psycopg.Connection]:
    with reading.snapshot(shared) as connection:
        yield connection


@pytest.fixture
def filled(database_url: str) -> str:
    """The gallery in a database of the test's own, to change."""
    content.fill(database_url)
    return database_url


def collect(conn: psycopg.Connection, period: Period | None = None, top: int = 20) -> Report:
    return queries.collect(
        conn, content.GALLERY, period or Period(), top=top, generated_at=GENERATED, database="db"
    )


def test_galleries_known_and_unknown(conn: psycopg.Connection) -> None:
    assert reading.holds_gallery(conn, "g")
    assert reading.holds_gallery(conn, "other")
    assert not reading.holds_gallery(conn, "nope")
    assert reading.held_galleries(conn) == ["g", "other"]


def test_activity_counts_per_kst_day_with_every_day_listed(conn: psycopg.Connection) -> None:
    activity = collect(conn).activity
    assert activity.unit == "day"
    assert (activity.first_day, activity.last_day) == (date(2026, 11, 2), date(2026, 11, 5))
    # 23:59 Monday and 00:00 Tuesday KST are one UTC day, two KST days; post 20 has no date.
    assert activity.buckets == (
        Bucket(date(2026, 11, 2), posts=2, comments=1),
        Bucket(date(2026, 11, 3), posts=1, comments=2),
        Bucket(date(2026, 11, 4), posts=1, comments=0),
        Bucket(date(2026, 11, 5), posts=1, comments=0),
    )


def test_heatmap_by_kst_weekday_and_hour(conn: psycopg.Connection) -> None:
    heatmap = collect(conn).heatmap
    posts = {(d, h): n for d, row in enumerate(heatmap.posts) for h, n in enumerate(row) if n}
    comments = {(d, h): n for d, row in enumerate(heatmap.comments) for h, n in enumerate(row) if n}
    # Monday is row 0.
    assert posts == {(0, 9): 1, (0, 23): 1, (1, 0): 1, (2, 10): 1, (3, 8): 1}
    assert comments == {(0, 10): 1, (1, 1): 1, (1, 2): 1}
    assert len(heatmap.posts) == 7 and all(len(row) == 24 for row in heatmap.posts)


def test_writer_classes_and_anonymous_share(conn: psycopg.Connection) -> None:
    writers = collect(conn).writers
    assert writers.classes == (
        ClassCount("floating", posts=2, comments=1),
        ClassCount("fixed", posts=1, comments=1),
        ClassCount("manager", posts=1, comments=0),
        ClassCount("operator", posts=1, comments=0),
        ClassCount(None, posts=0, comments=1),
    )
    assert (writers.posts, writers.comments) == (5, 3)
    assert (writers.anonymous_posts, writers.anonymous_comments) == (2, 1)
    assert writers.anonymous_post_share == pytest.approx(0.4)
    assert (writers.members, writers.ip_prefixes) == (2, 2)


def test_most_commented_and_most_recommended(conn: psycopg.Connection) -> None:
    report = collect(conn, top=3)
    # 11 and 12 both have 9 comments: the newer number first.
    assert [p.post_no for p in report.most_commented] == [12, 11, 10]
    assert [p.post_no for p in report.most_recommended] == [12, 21, 10]
    first = report.most_commented[0]
    assert first.url == content.url_of(12)
    assert first.title == "화요일 처음"
    assert first.created_at == datetime(2026, 11, 3, 0, 0, tzinfo=KST)
    assert first.created_at.utcoffset() == KST.utcoffset(None)  # read in KST
    assert (first.views, first.recommend, first.comment_count) == (112, 7, 9)
    assert report.most_recommended[1].is_notice is True


def test_deletions_by_the_crawl_that_found_them_and_by_writing_day(
    conn: psycopg.Connection,
) -> None:
    deletions = collect(conn).deletions
    assert deletions.found == (DeletionDay(date(2026, 11, 6), seen_alive=1, never_seen_alive=1),)
    assert deletions.written == (Bucket(date(2026, 11, 4), posts=1, comments=0),)
    assert (deletions.deleted, deletions.posts, deletions.undated) == (2, 6, 1)


def test_coverage_numbers_gaps_and_crawl_times(conn: psycopg.Connection) -> None:
    coverage = collect(conn).coverage
    assert coverage.first is not None and coverage.last is not None
    assert (coverage.first.post_no, coverage.last.post_no) == (10, 21)
    assert coverage.first.url == content.url_of(10)
    assert coverage.posts == 6
    assert coverage.missing == 12 - 6
    assert coverage.gap_runs == 2
    assert coverage.largest == (
        Gap(15, 20, datetime(2026, 11, 4, 10, 0, tzinfo=KST), None),
        Gap(12, 15, datetime(2026, 11, 3, 0, 0, tzinfo=KST), datetime(2026, 11, 4, 10, tzinfo=KST)),
    )
    assert [gap.missing for gap in coverage.largest] == [4, 2]
    assert (coverage.notices, coverage.deleted, coverage.deleted_undated) == (1, 2, 1)
    assert coverage.crawled_from == content.CRAWLED
    assert coverage.crawled_to == content.READ_DELETED


def test_failures_of_the_gallery_only(conn: psycopg.Connection) -> None:
    failures = collect(conn).failures
    assert failures.available
    assert [(k.page_kind, k.pages, k.attempts) for k in failures.kinds] == [
        ("list", 1, 2),
        ("view", 1, 1),
    ]
    assert failures.pages == 2
    assert [row.path for row in failures.rows] == [  # the latest first
        "/board/view/?id=g&no=30",
        "/board/lists/?id=g&page=3",
    ]


def test_no_failure_ledger_table(filled: str) -> None:
    with psycopg.connect(filled, autocommit=True) as admin:
        admin.execute("DROP TABLE crawl_failures")
    with reading.snapshot(filled) as conn:
        assert not collect(conn).failures.available


def test_a_period_of_one_kst_day(conn: psycopg.Connection) -> None:
    report = collect(conn, Period(date(2026, 11, 3), date(2026, 11, 4)))  # Tuesday
    assert report.activity.buckets == (Bucket(date(2026, 11, 3), posts=1, comments=2),)
    assert [p.post_no for p in report.most_commented] == [12]
    assert (report.writers.posts, report.writers.comments) == (1, 2)
    # Deletions and coverage go by the numbers of the period's posts: 12 only.
    assert (report.coverage.posts, report.coverage.missing) == (1, 0)
    assert report.deletions.found == ()


def test_a_period_from_a_day_on_counts_deleted_posts_by_number(conn: psycopg.Connection) -> None:
    report = collect(conn, Period(since=date(2026, 11, 4)))
    # Posts 15 and 21 are written from then on: numbers 15..21, with the undated 20.
    first, last = report.coverage.first, report.coverage.last
    assert first is not None and last is not None
    assert (first.post_no, last.post_no) == (15, 21)
    assert report.deletions.deleted == 2
    assert report.deletions.found == (DeletionDay(date(2026, 11, 6), 1, 1),)


def test_an_empty_period(conn: psycopg.Connection) -> None:
    report = collect(conn, Period(since=date(2030, 1, 1)))
    assert report.activity.buckets == ()
    assert report.activity.first_day is None
    assert report.most_commented == ()
    assert report.coverage.first is None and report.coverage.posts == 0
    assert report.deletions.found == ()


def test_long_spans_are_bucketed_per_week_and_per_month(filled: str) -> None:
    with psycopg.connect(filled) as conn:
        conn.execute(
            "UPDATE posts SET created_at = created_at - interval '200 days' WHERE post_no = 10"
        )
    with reading.snapshot(filled) as conn:
        weekly = collect(conn).activity
    assert weekly.unit == "week"
    assert all(bucket.start.isoweekday() == 1 for bucket in weekly.buckets)  # Mondays
    assert sum(bucket.posts for bucket in weekly.buckets) == 5
    with psycopg.connect(filled) as conn:
        conn.execute(
            "UPDATE posts SET created_at = created_at - interval '3 years' WHERE post_no = 10"
        )
    with reading.snapshot(filled) as conn:
        monthly = collect(conn).activity
    assert monthly.unit == "month"
    assert all(bucket.start.day == 1 for bucket in monthly.buckets)
    assert len(monthly.buckets) == 44  # 2023-04 .. 2026-11: every month, empty ones too
    assert sum(bucket.comments for bucket in monthly.buckets) == 3


def test_the_report_reads_without_writing(conn: psycopg.Connection) -> None:
    collect(conn)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("DELETE FROM posts")
