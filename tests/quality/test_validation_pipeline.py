"""``pipelines/validation.py``: invalid items are kept out, counted per field and rule, logged
with their page; the verdict counts them as losses; the run report shows them."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from scrapy.utils.test import get_crawler

from dccrawl import stats as S
from dccrawl.extensions.exitcode import EXIT_INCOMPLETE, EXIT_OK, verdict
from dccrawl.items import CommentBatch, ListedPost, PageDone
from dccrawl.runreport import QualityReport
from dccrawl.setting_checks import SettingError, check_settings
from pipelines.validation import InvalidItem, ItemValidationPipeline
from tests.pipeline_harness import CRAWLED_AT, make_comment, make_post

FUTURE = CRAWLED_AT + timedelta(days=400)


def pipeline(**settings: object) -> ItemValidationPipeline:
    crawler = get_crawler(settings_dict=settings)
    crawler._apply_settings()
    return ItemValidationPipeline.from_crawler(crawler)


def test_a_valid_post_passes_unchanged() -> None:
    post = make_post(1)
    assert pipeline().process_item(post) is post


def test_an_invalid_post_is_dropped_counted_and_logged_with_its_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    validation = pipeline()
    with caplog.at_level(logging.ERROR), pytest.raises(InvalidItem):
        validation.process_item(make_post(7, views=-1, created_at=FUTURE))
    stats = validation.stats.get_stats()
    assert stats[f"{S.INVALID}/post"] == 1
    assert stats[f"{S.INVALID_RULES}/post.views/minimum"] == 1
    assert stats[f"{S.INVALID_RULES}/post.created_at/future"] == 1
    (line,) = caplog.messages
    assert "Invalid post kept out of the database: " in line
    assert "https://gall.dcinside.com/board/view/?id=programming&no=7" in line
    assert "views: -1 is less than the minimum of 0" in line


def test_a_batch_keeps_its_valid_comments_and_loses_only_the_bad_one() -> None:
    validation = pipeline()
    good, bad = make_comment(1, 10), make_comment(1, 11, parent_no=0)
    batch = validation.process_item(CommentBatch(comments=[good, bad, make_comment(1, 12)]))
    assert [c["comment_no"] for c in batch["comments"]] == [10, 12]
    assert validation.stats.get_value(f"{S.INVALID}/comment") == 1
    assert validation.stats.get_value(f"{S.INVALID_RULES}/comment.parent_no/minimum") == 1


def test_a_batch_of_bad_comments_only_is_dropped() -> None:
    with pytest.raises(InvalidItem):
        pipeline().process_item(CommentBatch(comments=[make_comment(1, 5, created_at=FUTURE)]))


def test_listed_posts_are_checked_and_ledger_items_pass() -> None:
    validation = pipeline()
    listed = ListedPost(gallery_id="g", post_no=3, views=-5, listed_at=CRAWLED_AT)
    with pytest.raises(InvalidItem):
        validation.process_item(listed)
    done = PageDone(gallery_id="g", page_kind="list", path="/x", seen_at=CRAWLED_AT)
    assert validation.process_item(done) is done


def test_the_log_stops_at_the_limit_but_the_count_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    validation = pipeline(DCCRAWL_INVALID_LOG_LIMIT=2)
    with caplog.at_level(logging.ERROR):
        for no in range(1, 6):
            with pytest.raises(InvalidItem):
                validation.process_item(make_post(no, views=-1))
    assert len(caplog.messages) == 2
    assert "no more lines for post.views/minimum; still counted" in caplog.messages[1]
    assert validation.stats.get_value(f"{S.INVALID}/post") == 5


def test_the_tolerance_setting_moves_the_future_line() -> None:
    validation = pipeline(DCCRAWL_FUTURE_TOLERANCE="1000d")
    assert validation.process_item(make_post(2, created_at=FUTURE))["post_no"] == 2


def test_validation_can_be_turned_off() -> None:
    from scrapy.exceptions import NotConfigured  # noqa: PLC0415

    with pytest.raises(NotConfigured):
        pipeline(DCCRAWL_VALIDATION=False)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DCCRAWL_FUTURE_TOLERANCE", "tomorrow"), ("DCCRAWL_INVALID_LOG_LIMIT", "-1"),
     ("DCCRAWL_VALIDATION", "maybe"), ("DCCRAWL_COVERAGE", "[1]")],
)  # fmt: skip
def test_wrong_settings_are_refused_before_the_crawl(name: str, value: str) -> None:
    crawler = get_crawler(settings_dict={name: value})
    with pytest.raises(SettingError, match=name):
        check_settings(crawler.settings)


def test_invalid_items_make_the_crawl_incomplete_once() -> None:
    stats = {
        "response_received_count": 3,
        f"{S.INVALID}/post": 2,
        f"{S.INVALID}/comment": 1,
        f"{S.INVALID_RULES}/post.views/minimum": 2,
        "item_dropped_reasons_count/InvalidItem": 2,
    }
    code, line = verdict("finished", stats)
    assert code == EXIT_INCOMPLETE
    assert line == "incomplete: 3 invalid item(s) kept out of the database"
    assert verdict("finished", {"response_received_count": 3})[0] == EXIT_OK


def test_the_run_report_names_short_fields_invalid_rules_and_drift() -> None:
    stats = {
        f"{S.CHECKED}/post": 200,
        f"{S.CHECKED}/comment": 3000,
        f"{S.COVERAGE}/post.title": 1.0,
        f"{S.COVERAGE}/post.views": 0.985,
        f"{S.INVALID}/post": 2,
        f"{S.INVALID_RULES}/post.created_at/future": 2,
        S.DRIFT: "post.views",
        S.BLOCKS: 1,
        S.PAGES_FAILED: 4,
    }
    assert QualityReport.from_stats(stats).line() == (
        "quality: 200 posts and 3000 comments checked, fields short of 100%: post.views 98.5%; "
        "invalid items kept out 2 (post.created_at/future 2); drift: post.views; blocks 1; "
        "pages failed 4"
    )


def test_a_clean_run_report() -> None:
    stats = {f"{S.CHECKED}/post": 10, f"{S.COVERAGE}/post.title": 1.0}
    assert QualityReport.from_stats(stats).line() == (
        "quality: 10 posts checked, every field covered; invalid items kept out 0; no drift; "
        "blocks 0; pages failed 0"
    )


def test_shard_reports_merge_weighted_by_the_items_each_checked() -> None:
    one = QualityReport(checked={"post": 300}, coverage={"post.views": 1.0}, blocks=1)
    two = QualityReport(
        checked={"post": 100},
        coverage={"post.views": 0.5},
        invalid={"post": 1},
        rules={"post.views/minimum": 1},
        drift="post.views",
    )
    merged = QualityReport.merge([QualityReport.from_json(r.as_json()) for r in (one, two)])
    assert merged.checked == {"post": 400}
    assert merged.coverage == {"post.views": 0.875}
    assert (merged.invalid, merged.rules) == ({"post": 1}, {"post.views/minimum": 1})
    assert (merged.drift, merged.blocks) == ("post.views", 1)
