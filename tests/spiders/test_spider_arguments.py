"""The gallery spider's arguments: every one parsed, every mistake refused with a clear message."""

from __future__ import annotations

from datetime import datetime

import pytest

from dccrawl.arguments import ArgumentError, NumberRange, parse_arguments
from dccrawl.kst import KST


def test_gallery_only_gives_the_defaults() -> None:
    args = parse_arguments({"gallery": "programming"})
    assert (args.gallery, args.kind, args.mode, args.list_num, args.comments) == (
        "programming",
        None,
        "list",
        100,
        True,
    )


def test_pages_range() -> None:
    assert parse_arguments({"gallery": "g", "pages": "3-7"}).pages == NumberRange(3, 7)


def test_pages_open_end() -> None:
    assert parse_arguments({"gallery": "g", "pages": "5-"}).pages == NumberRange(5, None)


def test_single_page() -> None:
    assert parse_arguments({"gallery": "g", "pages": "4"}).pages == NumberRange(4, 4)


def test_posts_switches_to_backfill_mode() -> None:
    args = parse_arguments({"gallery": "g", "posts": "100-200"})
    assert (args.mode, args.posts) == ("posts", NumberRange(100, 200))


def test_search_type_is_the_site_name() -> None:
    args = parse_arguments({"gallery": "g", "search": "파이썬", "search_type": "subject"})
    assert (args.search, args.search_type) == ("파이썬", "search_subject")


def test_since_is_a_kst_midnight() -> None:
    since = parse_arguments({"gallery": "g", "since": "2025-05-22"}).since
    assert since == datetime(2025, 5, 22, tzinfo=KST)


def test_flags_and_numbers() -> None:
    args = parse_arguments(
        {"gallery": "g", "recommend": "1", "comments": "0", "head": "120", "since_no": "9",
         "list_num": "50", "kind": "minor"}
    )  # fmt: skip
    assert (args.recommend, args.comments, args.head, args.since_no, args.list_num, args.kind) == (
        True,
        False,
        120,
        9,
        50,
        "minor",
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "gallery argument is required"),
        ({"gallery": "bad id!"}, "letters, digits and _"),
        ({"gallery": "g", "kind": "huge"}, "expected one of major, minor, mini, person"),
        ({"gallery": "g", "pages": "5-1"}, "backwards"),
        ({"gallery": "g", "pages": "a-b"}, "expected A-B"),
        ({"gallery": "g", "pages": "0-3"}, "start at 1"),
        ({"gallery": "g", "posts": "10-"}, "give both ends"),
        ({"gallery": "g", "posts": "1-9", "pages": "1-2"}, "cannot be combined with pages"),
        ({"gallery": "g", "list_num": "70"}, "expected 30, 50 or 100"),
        ({"gallery": "g", "since": "yesterday"}, "expected a date"),
        ({"gallery": "g", "since_no": "-4"}, "positive whole number"),
        ({"gallery": "g", "posts": "1-99999999999999999999"}, "numbers end at 9223372036854775807"),
        ({"gallery": "g", "pages": "99999999999999999999-"}, "numbers end at"),
        ({"gallery": "g", "until_no": "9223372036854775808"}, "at most 9223372036854775807"),
        ({"gallery": "g", "head": "²"}, "positive whole number"),
        ({"gallery": "g", "list_num": "١٠٠"}, "expected 30, 50 or 100"),
        ({"gallery": "g", "search_type": "name"}, "needs search=WORD"),
        ({"gallery": "g", "search": "x", "search_type": "title"}, "expected one of subject"),
        ({"gallery": "g", "comments": "maybe"}, "expected 1 or 0"),
        ({"gallery": "g", "colour": "red"}, "unknown argument(s): colour"),
    ],
)
def test_mistakes_are_refused_with_the_reason(raw: dict[str, str], message: str) -> None:
    with pytest.raises(ArgumentError) as error:
        parse_arguments(raw)
    assert message in str(error.value)
