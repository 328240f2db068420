"""dccrawl.site.urls: the URL forms of SITE.md §1 for each gallery kind, from any base URL."""

from __future__ import annotations

import pytest

from dccrawl.site.urls import (
    comment_url,
    galltype,
    kind_from_galltype,
    kind_from_url,
    list_url,
    origin,
    parse_view_url,
    query_value,
    view_url,
)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("major", "https://gall.dcinside.com/board/lists/?id=x&page=2"),
        ("minor", "https://gall.dcinside.com/mgallery/board/lists/?id=x&page=2"),
        ("mini", "https://gall.dcinside.com/mini/board/lists/?id=x&page=2"),
        ("person", "https://gall.dcinside.com/person/board/lists/?id=x&page=2"),
    ],
)
def test_list_url_per_kind(kind: str, expected: str) -> None:
    assert list_url("x", kind, page=2) == expected  # type: ignore[arg-type]


def test_list_url_with_every_filter() -> None:
    url = list_url(
        "programming",
        "major",
        page=1,
        list_num=100,
        recommend=True,
        search_head=120,
        s_type="search_subject_memo",
        s_keyword="자반 축양장",
        search_pos=-2860402,
    )
    assert url == (
        "https://gall.dcinside.com/board/lists/?id=programming&page=1&list_num=100"
        "&exception_mode=recommend&search_head=120&search_pos=-2860402"
        "&s_type=search_subject_memo&s_keyword=%EC%9E%90%EB%B0%98%20%EC%B6%95%EC%96%91%EC%9E%A5"
    )


def test_list_url_from_replica_base() -> None:
    assert list_url("seed", base_url="http://127.0.0.1:8765/") == (
        "http://127.0.0.1:8765/board/lists/?id=seed&page=1"
    )


def test_view_url_is_canonical() -> None:
    assert view_url("tree", 1019123, "minor") == (
        "https://gall.dcinside.com/mgallery/board/view/?id=tree&no=1019123"
    )


def test_view_url_with_prefixed_base() -> None:
    assert (
        view_url("a", 1, "mini", base_url="http://h:1/dc")
        == "http://h:1/dc/mini/board/view/?id=a&no=1"
    )


def test_comment_url() -> None:
    assert comment_url() == "https://gall.dcinside.com/board/comment/"


def test_origin() -> None:
    assert origin("http://127.0.0.1:8765/dc/") == "http://127.0.0.1:8765"


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown gallery kind"):
        list_url("x", "galaxy")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "code"), [("major", "G"), ("minor", "M"), ("mini", "MI"), ("person", "PR")]
)
def test_galltype_round_trip(kind: str, code: str) -> None:
    assert (galltype(kind), kind_from_galltype(code)) == (code, kind)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://gall.dcinside.com/board/lists/?id=x", "major"),
        ("https://gall.dcinside.com/mgallery/board/view/?id=x&no=1", "minor"),
        ("https://gall.dcinside.com/mgallery/mechanicalkeyboard/2227600", "minor"),
        ("https://gall.dcinside.com/mini/board/view/?id=x&no=1", "mini"),
        ("https://gall.dcinside.com/n/compliment/33", "mini"),
        ("https://gall.dcinside.com/person/samrorong/1157", "person"),
        ("/mgallery/board/lists/?id=x", "minor"),
        ("https://gall.dcinside.com/mechanicalkeyboard/2227600", None),
        ("https://gall.dcinside.com/derror/deleted/x/minor", None),
        ("", None),
        ("http://[::1", None),
    ],
)
def test_kind_from_url(url: str, kind: str | None) -> None:
    assert kind_from_url(url) == kind


def test_kind_from_url_under_a_prefixed_base() -> None:
    assert kind_from_url("http://h/dc/mgallery/board/lists/?id=x", "http://h/dc") == "minor"


def test_parse_view_url_with_list_context() -> None:
    url = "https://gall.dcinside.com/mgallery/board/view/?id=tree&no=5&exception_mode=recommend&page=1"
    assert parse_view_url(url) == ("minor", "tree", 5)


def test_parse_view_url_rejects_list_urls() -> None:
    assert parse_view_url("https://gall.dcinside.com/board/lists/?id=x&no=5") is None


def test_query_value() -> None:
    assert query_value("/board/lists/?id=x&page=1&search_pos=-702643", "search_pos") == "-702643"
