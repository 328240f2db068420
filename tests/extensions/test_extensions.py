"""The exit-code verdict and the progress lines, from stats alone."""

from __future__ import annotations

from dccrawl import stats as S
from dccrawl.extensions.exitcode import verdict
from dccrawl.summaries import format_duration, progress_line, summary_line


def test_a_finished_crawl_that_fetched_pages_is_complete() -> None:
    assert verdict("finished", {"response_received_count": 10}) == (0, "complete")


def test_a_crawl_that_fetched_nothing_failed() -> None:
    assert verdict("finished", {})[0] == 1


def test_a_recorded_failure_wins() -> None:
    code, why = verdict("finished", {"response_received_count": 3, S.FAILED_REASON: "database"})
    assert (code, why) == (1, "failed: database")


def test_a_killed_crawl_failed() -> None:
    assert verdict("shutdown", {"response_received_count": 3})[0] == 1


def test_lost_pages_make_the_crawl_incomplete() -> None:
    assert verdict("finished", {"response_received_count": 3, S.PAGES_FAILED: 2})[0] == 3


def test_an_item_limit_is_a_success() -> None:
    assert verdict("closespider_itemcount", {"response_received_count": 3})[0] == 0


def test_an_exception_in_the_spider_makes_the_crawl_incomplete() -> None:
    stats = {"response_received_count": 3, "spider_exceptions/count": 1}
    assert verdict("finished", stats) == (3, "incomplete: 1 exception(s) in the spider")


def test_items_refused_by_the_database_make_the_crawl_incomplete() -> None:
    stats = {"response_received_count": 3, S.DB_REJECTED: 2}
    assert verdict("finished", stats) == (3, "incomplete: 2 item(s) refused by the database")


def test_items_dropped_for_a_reason_other_than_duplication_are_a_loss() -> None:
    stats = {"response_received_count": 3, "item_dropped_reasons_count/DropItem": 1}
    assert verdict("finished", stats) == (3, "incomplete: 1 item(s) dropped")


def test_duplicates_dropped_lose_nothing() -> None:
    stats = {"response_received_count": 3, "item_dropped_reasons_count/DuplicateItem": 9}
    assert verdict("finished", stats) == (0, "complete")


def test_failure_ledger_items_leaving_the_pipelines_lose_nothing() -> None:
    stats = {"response_received_count": 3, "item_dropped_reasons_count/LedgerItem": 4}
    assert verdict("finished", stats) == (0, "complete")


def test_an_error_logged_that_no_count_explains_still_makes_the_crawl_incomplete() -> None:
    stats = {"response_received_count": 3, "log_count/ERROR": 1}
    assert verdict("finished", stats) == (3, "incomplete: 1 error(s) logged (see the log)")


def test_every_loss_is_named_in_the_verdict() -> None:
    stats = {"response_received_count": 3, S.PAGES_FAILED: 2, S.DB_REJECTED: 1}
    assert verdict("finished", stats)[1] == (
        "incomplete: 2 page(s) could not be fetched or parsed; 1 item(s) refused by the database"
    )


def test_a_resumed_job_with_nothing_left_is_complete() -> None:
    assert verdict("finished", {S.JOBDIR_RESUMED: 1}) == (
        0,
        "complete (the resumed job had nothing left to do)",
    )


def test_list_rechecks_do_not_count_as_list_pages_read() -> None:
    stats = {S.LIST_PAGES: 15, S.LIST_RECHECKS: 14, S.LIST_PAGES_KNOWN: 15, S.POSTS: 1}
    assert "list pages 15/15," in progress_line("g", stats, elapsed=10.0, list_num=100)


def test_eta_counts_the_view_pages_still_waiting_after_the_last_list_page() -> None:
    stats = {S.LIST_PAGES: 15, S.LIST_PAGES_KNOWN: 15, S.VIEWS_REQUESTED: 1500, S.POSTS: 1200}
    # 300 views left at 120 posts/s: 2.5 s, not "ETA 0:00:00".
    assert progress_line("g", stats, elapsed=10.0, list_num=100).endswith("ETA 0:00:02")


def test_duration_format() -> None:
    assert format_duration(3725) == "1:02:05"


def test_progress_line_has_pages_posts_rate_and_eta() -> None:
    stats = {S.LIST_PAGES: 2, S.LIST_PAGES_KNOWN: 10, S.POSTS: 200, S.COMMENTS: 900}
    line = progress_line("prog", stats, elapsed=100.0, list_num=100)
    assert line == (
        "prog: list pages 2/10, posts 200 (deleted 0, missing 0), comments 900, "
        "2.0 posts/s, ETA 0:06:40"
    )


def test_progress_line_in_backfill_mode_uses_the_expected_count() -> None:
    stats = {S.POSTS_EXPECTED: 1000, S.POSTS: 90, S.POSTS_MISSING: 10}
    assert progress_line("g", stats, elapsed=10.0, list_num=100).endswith("ETA 0:01:40")


def test_summary_counts_skipped_rows_of_every_kind() -> None:
    stats = {S.POSTS: 5, f"{S.ROWS_SKIPPED}/notice": 2, f"{S.ROWS_SKIPPED}/survey": 1}
    assert "non-post rows skipped 3" in summary_line("g", stats, 1.0)


def test_fallbacks_backoffs_and_files_show_only_when_they_happened() -> None:
    quiet = {S.POSTS: 10, S.COMMENTS: 40}
    busy = {**quiet, S.BROWSER_FALLBACKS: 3, S.BACKOFFS: 2, S.MEDIA_DOWNLOADED: 40}
    assert "browser" not in progress_line("g", quiet, 1.0, 100)
    assert "files" not in summary_line("g", quiet, 1.0)
    line = progress_line("g", busy, 10.0, 100)
    assert "comments 40, posts with comments read in the browser 3, backoffs 2, " in line
    assert "files downloaded 40, 1.0 posts/s" in line
    assert summary_line("g", busy, 1.0).endswith(
        "posts with comments read in the browser 3, backoffs 2, files downloaded 40"
    )
