"""What a refresh does about each list row (``dccrawl/refresh.py``), rule by rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dccrawl.arguments import ArgumentError, Horizon, parse_arguments, parse_horizon
from dccrawl.kst import KST
from dccrawl.refresh import (
    Decision,
    RowState,
    StoredPost,
    decide,
    first_comment_page,
    in_horizon,
    page_reaches_horizon,
)
from dccrawl.site.lists import ListRow

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=KST)


def row(**changes: object) -> RowState:
    values: dict[str, object] = {
        "post_no": 10,
        "title": "제목",
        "views": 100,
        "recommend": 3,
        "comments": 12,
        "is_recommended": False,
        "is_notice": False,
    }
    values.update(changes)
    return RowState(**values)  # type: ignore[arg-type]


def stored(**changes: object) -> StoredPost:
    values: dict[str, object] = {
        "post_no": 10,
        "title": "제목",
        "views": 100,
        "recommend": 3,
        "comment_count": 12,
        "is_recommended": False,
        "is_notice": False,
        "is_deleted": False,
        "comment_rows": 12,
    }
    values.update(changes)
    return StoredPost(**values)  # type: ignore[arg-type]


def test_a_post_not_stored_is_new() -> None:
    assert decide(row(), None) is Decision.NEW


def test_a_post_stored_as_deleted_that_is_listed_again_is_fetched_whole() -> None:
    assert decide(row(), stored(is_deleted=True)) is Decision.NEW


def test_an_unchanged_row_costs_nothing() -> None:
    assert decide(row(), stored()) is Decision.SAME


@pytest.mark.parametrize(
    "change",
    [{"views": 101}, {"recommend": 4}, {"title": "제목 (수정)"}, {"is_recommended": True}],
)
def test_a_row_that_changed_otherwise_is_stored_from_the_row(change: dict[str, object]) -> None:
    assert decide(row(**change), stored()) is Decision.ROW


def test_more_comments_fetch_comment_pages() -> None:
    assert decide(row(comments=13, views=120), stored()) is Decision.COMMENTS


def test_fewer_comments_are_stored_from_the_row_without_a_request() -> None:
    assert decide(row(comments=11), stored()) is Decision.ROW


def test_a_value_the_row_does_not_show_says_nothing() -> None:
    assert decide(row(views=None, comments=None), stored()) is Decision.SAME


def test_comments_are_compared_with_the_rows_stored_not_the_stored_count() -> None:
    # A crawl stopped between a post's view and its comment pages stored the count only.
    assert decide(row(comments=12), stored(comment_rows=0)) is Decision.COMMENTS
    assert decide(row(comments=12), stored(comment_count=None)) is Decision.ROW  # count known


def test_the_row_state_counts_voice_replies_as_comments() -> None:
    listed = ListRow(
        post_no=5, title=" 제목 ", href=None, head=None, writer_nick=None, writer_uid=None,
        writer_ip=None, writer_text=None, date_title=None, date_text=None, views="1,204",
        recommend="7", reply="[3/2]", comment_count=3, voice_count=2, data_type="icon_recomimg",
    )  # fmt: skip
    state = RowState.of(listed)
    assert (state.title, state.views, state.recommend, state.comments) == ("제목", 1204, 7, 5)
    assert state.is_recommended


@pytest.mark.parametrize(("rows", "page"), [(0, 1), (99, 1), (100, 2), (101, 2), (250, 3)])
def test_new_comments_start_on_the_page_after_the_stored_rows(rows: int, page: int) -> None:
    assert first_comment_page(rows) == page


def test_an_age_horizon_holds_posts_written_since_its_cutoff() -> None:
    horizon = parse_horizon("48h")
    assert in_horizon(horizon, 1, NOW - timedelta(hours=47), NOW)
    assert not in_horizon(horizon, 1, NOW - timedelta(hours=49), NOW)
    assert in_horizon(horizon, 1, None, NOW)  # unknown time: inside, to be safe


def test_a_number_horizon_holds_that_post_and_newer() -> None:
    horizon = parse_horizon("1200")
    assert in_horizon(horizon, 1200, None, NOW)
    assert not in_horizon(horizon, 1199, NOW, NOW)


def test_a_page_with_a_row_past_the_horizon_is_the_last_one() -> None:
    horizon = Horizon(age=timedelta(days=1))
    assert not page_reaches_horizon(horizon, [(9, NOW), (8, NOW - timedelta(hours=20))], NOW)
    assert page_reaches_horizon(horizon, [(9, NOW), (8, NOW - timedelta(days=2))], NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", Horizon(age=timedelta(days=7))),
        ("48h", Horizon(age=timedelta(hours=48))),
        ("90M", Horizon(age=timedelta(minutes=90))),
        ("1200000", Horizon(post_no=1200000)),
    ],
)
def test_horizons_are_ages_or_post_numbers(text: str, expected: Horizon) -> None:
    assert parse_horizon(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d7", "7w", "0d", "-3h", "1.5d"])
def test_other_horizons_are_refused_with_the_forms_that_work(text: str) -> None:
    if text == "7":  # a bare number is a post number
        assert parse_horizon(text) == Horizon(post_no=7)
        return
    with pytest.raises(ArgumentError, match=r"refresh=.*(7d|between)"):
        parse_horizon(text)


def test_a_horizon_describes_itself() -> None:
    assert str(parse_horizon("72h")) == "the last 3d"
    assert str(parse_horizon("90m")) == "the last 90m"
    assert str(parse_horizon("5")) == "post 5 and newer"


@pytest.mark.parametrize(
    "other", ["pages=1-3", "posts=1-9", "since_no=5", "search=x", "recommend=1", "comments=0"]
)
def test_refresh_refuses_what_would_make_it_miss_changes(other: str) -> None:
    name, value = other.split("=")
    with pytest.raises(ArgumentError, match=r"refresh .* cannot be combined with"):
        parse_arguments({"gallery": "g", "refresh": "3d", name: value})


def test_refresh_and_cycle_are_parsed() -> None:
    args = parse_arguments({"gallery": "g", "refresh": "3d", "cycle": "12"})
    assert (args.mode, args.refresh, args.cycle) == ("refresh", parse_horizon("3d"), 12)
