"""dccrawl.site.comments on the five saved comment API responses (REAL 2018/2021, shapes 2026)."""

from __future__ import annotations

import json

import pytest

from dccrawl.site.comments import (
    CommentPage,
    RawComment,
    comment_form,
    comment_headers,
    comment_pager_pages,
    comment_request,
    last_comment_page,
    parse_comment_page,
)
from dccrawl.site.errors import BrokenPage, PageError, RefusedPage
from dccrawl.site.views import CommentContext
from tests.paths import SAMPLES


def load(name: str) -> CommentPage:
    return parse_comment_page((SAMPLES / name).read_text(encoding="utf-8"))


Y2018 = load("comment-api-2018-ps-1132.json")
Y2021 = load("comment-api-2021-hit-16457-excerpt.json")
GENERAL = load("comment-api-shape-2026-general-trimmed.json")
MINOR = load("comment-api-shape-2026-minor-deleted-trimmed.json")
AFTER = load("comment-api-shape-2026-after-last-page.json")


# ---------------------------------------------------------------- 2018 (REAL): string total_cnt


def test_2018_total_count_from_string() -> None:
    assert Y2018.total_count == 4


def test_2018_comment_numbers() -> None:
    assert [c.comment_no for c in Y2018.comments] == [3996, 3997, 3998, 3999]


def test_2018_last_page() -> None:
    assert Y2018.last_page == 1


def test_2018_member_row() -> None:
    first = Y2018.comments[0]
    assert (first.name, first.user_id, first.ip) == ("에르씨", "lchbest10", "")


def test_2018_masked_ip_kept_raw() -> None:
    assert Y2018.comments[1].ip == "220.127.*.*"


def test_2018_reg_date() -> None:
    assert Y2018.comments[0].reg_date == "18.09.16 20:08:28"


def test_2018_post_no_from_parent() -> None:
    assert Y2018.comments[0].post_no == 1132


def test_2018_top_level_has_no_parent() -> None:
    assert [c.parent_no for c in Y2018.comments] == [None, None, None, None]


def test_2018_memo_raw() -> None:
    assert Y2018.comments[1].memo == "k&r"


# ---------------------------------------------------------------- 2021 (REAL): replies


def test_2021_total_count_int() -> None:
    assert Y2021.total_count == 318


def test_2021_replies_point_at_their_thread() -> None:
    assert [c.parent_no for c in Y2021.comments] == [None, 4878040, 4878040, 4878040]


def test_2021_depths() -> None:
    assert [c.depth for c in Y2021.comments] == [0, 1, 1, 1]


def test_2021_without_pagination_last_page_unknown() -> None:
    assert Y2021.last_page is None


def test_2021_not_deleted() -> None:
    assert not any(c.is_deleted for c in Y2021.comments)


def test_2021_fixed_nick() -> None:
    assert (Y2021.comments[3].name, Y2021.comments[3].user_id) == ("망가", "dcin123456")


# ---------------------------------------------------------------- 2026 general (shape)


def test_general_drops_comment_boy() -> None:
    assert [c.comment_no for c in GENERAL.comments] == [1005, 1006, 1010]


def test_general_counts_raw_rows_with_the_ad() -> None:
    assert GENERAL.raw_rows == 4


def test_general_reply_parent() -> None:
    assert GENERAL.comments[1].parent_no == 1005


def test_general_dccon_memo_kept_raw() -> None:
    assert 'class="written_dccon"' in (GENERAL.comments[2].memo or "")


def test_general_nicktype() -> None:
    assert GENERAL.comments[0].nicktype == "20"


def test_general_no_voice() -> None:
    assert not any(c.has_voice for c in GENERAL.comments)


# ---------------------------------------------------------------- 2026 minor (shape): deleted


def test_minor_deleted_row_kept_and_marked() -> None:
    assert [c.is_deleted for c in MINOR.comments] == [False, True, False]


def test_minor_reply_to_deleted_comment() -> None:
    assert MINOR.comments[2].parent_no == 1015


def test_minor_previous_year_reg_date() -> None:
    assert MINOR.comments[0].reg_date == "2025.01.01 12:00:00"


# ---------------------------------------------------------------- 2026 after the last page


def test_after_last_page_is_past_end() -> None:
    assert AFTER.is_past_end is True


def test_after_last_page_has_no_comments() -> None:
    assert AFTER.comments == []


def test_after_last_page_pagination_still_counts() -> None:
    assert AFTER.last_page == 1


def test_after_last_page_total() -> None:
    assert AFTER.total_count == 10


# ---------------------------------------------------------------- pagination


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<em>1</em>", 1),
        ("<a href=\"javascript:viewComments(1,'D',true)\">1</a>", 1),
        (
            "<em>1</em><a href=\"javascript:viewComments(2,'D',true)\">2</a>"
            "<a href=\"javascript:viewComments(66,'D',true)\" class='page_end'>끝</a>",
            66,
        ),
        ("", None),
        (None, None),
        (17, None),
    ],
)
def test_last_comment_page(html: object, expected: int | None) -> None:
    assert last_comment_page(html) == expected


def _link(page: int, text: str | None = None, cls: str = "") -> str:
    attr = f' class="sp_pagingicon {cls}"' if cls else ""
    return f"<a href=\"javascript:viewComments({page},'D',true)\"{attr}>{text or page}</a>"


# The site's pager on page 1 of a 66-page thread (jackpot: a dcbest post of 6454 comments):
# a window of 15 pages, 다음 to the next window's first page, 끝 to the last.
WINDOW_1 = "<em>1</em>" + "".join(_link(k) for k in range(2, 16)) + _link(16, "다음", "page_next")
# Page 20 of it: 처음/이전 before the second window, 다음/끝 after it.
WINDOW_2 = (
    _link(1, "처음", "page_first")
    + _link(15, "이전", "page_prev")
    + "".join("<em>20</em>" if k == 20 else _link(k) for k in range(16, 31))
    + _link(31, "다음", "page_next")
    + _link(66, "끝", "page_end")
)


@pytest.mark.parametrize(
    ("name", "pages"),
    [
        ("comment-api-2018-ps-1132.json", {1}),
        ("comment-api-2021-hit-16457-excerpt.json", set()),  # the excerpt has no pager
        ("comment-api-shape-2026-general-trimmed.json", {1}),
        ("comment-api-shape-2026-minor-deleted-trimmed.json", {1}),
        ("comment-api-shape-2026-after-last-page.json", {1}),
    ],
)
def test_pager_pages_of_the_samples(name: str, pages: set[int]) -> None:
    page = load(name)
    assert page.pager_pages == pages
    assert page.last_page == (max(pages) if pages else None)


def test_pager_pages_of_a_first_window_with_its_end_link() -> None:
    """From page 1 of 66 the pager names pages 1–16 (16 through 다음) and 66 (끝)."""
    html = WINDOW_1 + _link(66, "끝", "page_end")
    assert comment_pager_pages(html) == frozenset({*range(1, 17), 66})
    assert last_comment_page(html) == 66


def test_pager_pages_without_an_end_link_still_name_the_next_window() -> None:
    """A pager hiding 끝 still leads on: 다음 names page 16, the next window's first."""
    assert comment_pager_pages(WINDOW_1) == frozenset(range(1, 17))


def test_pager_pages_of_a_later_window() -> None:
    assert comment_pager_pages(WINDOW_2) == frozenset({1, *range(15, 32), 66})


def test_parsed_page_exposes_the_pager_pages() -> None:
    page = parse_comment_page({"total_cnt": 6454, "comments": [], "pagination": WINDOW_2})
    assert page.pager_pages == frozenset({1, *range(15, 32), 66}) and page.last_page == 66


# ---------------------------------------------------------------- rows of odd shape


def test_reply_without_c_no_takes_last_top_level() -> None:
    data = {
        "comments": [
            {"no": "10", "depth": 0, "c_no": 0},
            {"no": "11", "depth": 1, "c_no": ""},
        ]
    }
    assert [c.parent_no for c in parse_comment_page(data).comments] == [None, 10]


def test_voice_reply_detected() -> None:
    data = {"comments": [{"no": "5", "memo": "", "vr_player": "<iframe src='/voice?vr=abc'>"}]}
    assert parse_comment_page(data).comments[0].has_voice is True


def test_is_delete_flag_alone_marks_deleted() -> None:
    data = {"comments": [{"no": "5", "del_yn": "N", "is_delete": "5"}]}
    assert parse_comment_page(data).comments[0].is_deleted is True


def test_null_comments() -> None:
    page = parse_comment_page('{"total_cnt": 0, "comments": null, "pagination": ""}')
    assert (page.comments, page.is_past_end, page.total_count) == ([], True, 0)


def test_wrong_types_in_rows_are_skipped_or_none() -> None:
    data = {
        "total_cnt": "many",
        "comments": [
            "not a row",
            None,
            {"no": "abc"},
            {"no": -4},
            {"no": 7, "name": ["x"], "memo": {"a": 1}, "depth": "deep", "reg_date": 12},
        ],
    }
    page = parse_comment_page(data)
    assert page.comments == [
        RawComment(
            comment_no=7,
            parent_no=None,
            post_no=None,
            depth=0,
            name=None,
            user_id=None,
            ip=None,
            reg_date="12",
            memo=None,
            nicktype=None,
            is_deleted=False,
            has_voice=False,
        )
    ]


def test_total_count_unreadable_is_none() -> None:
    assert parse_comment_page({"total_cnt": "many", "comments": []}).total_count is None


# ---------------------------------------------------------------- broken and refused answers


@pytest.mark.parametrize("body", ["", "   ", '{"total_cnt":4,"comments":[{"no":"1"', "[", b""])
def test_broken_bodies(body: str | bytes) -> None:
    with pytest.raises(BrokenPage):
        parse_comment_page(body)


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>error</body></html>",
        "Too Many Requests",
        '{"result":"fail","msg":"잘못된 접근입니다."}',
        "[1, 2, 3]",
        '"comments"',
        '{"comments": "none"}',
        "null",
    ],
)
def test_refused_bodies(body: str) -> None:
    with pytest.raises(RefusedPage):
        parse_comment_page(body)


@pytest.mark.parametrize(
    "body", ["[" * 100_000 + "]" * 100_000, "{" + '"a":{' * 50_000, "[" * 100_000]
)
def test_nesting_too_deep_for_json_is_a_page_error(body: str) -> None:
    with pytest.raises(PageError):  # not RecursionError
        parse_comment_page(body)


# ---------------------------------------------------------------- the request


CONTEXT = CommentContext(
    gallery_id="hit",
    post_no=16457,
    e_s_n_o="3eabc219ebdd65f438",
    gall_type="G",
    board_type="",
    secret_article_key="",
    cmt_id="hit",
    cmt_no=16457,
    comment_cnt=318,
)


def test_comment_form() -> None:
    assert comment_form(CONTEXT, 2) == {
        "id": "hit",
        "no": "16457",
        "cmt_id": "hit",
        "cmt_no": "16457",
        "focus_cno": "",
        "focus_pno": "",
        "e_s_n_o": "3eabc219ebdd65f438",
        "comment_page": "2",
        "sort": "D",
        "prevCnt": "",
        "board_type": "",
        "_GALLTYPE_": "G",
        "secret_article_key": "",
    }


def test_comment_form_issue_zoom_thread() -> None:
    context = CommentContext("tree", 5, "x", "M", None, None, "issuezoom", 77, None)
    form = comment_form(context)
    assert (form["id"], form["no"], form["cmt_id"], form["cmt_no"]) == (
        "tree",
        "5",
        "issuezoom",
        "77",
    )


def test_comment_form_values_are_strings() -> None:
    context = CommentContext(None, None, None, None, None, None, None, None, None)
    assert all(isinstance(v, str) for v in comment_form(context).values())


def test_comment_headers() -> None:
    view = "https://gall.dcinside.com/board/view/?id=hit&no=16457"
    assert comment_headers(view) == {
        "X-Requested-With": "XMLHttpRequest",
        "Referer": view,
        "Accept": "application/json, text/javascript, */*; q=0.01",
        "Origin": "https://gall.dcinside.com",
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    }


def test_comment_request_against_a_replica() -> None:
    view = "http://127.0.0.1:8765/board/view/?id=hit&no=16457"
    url, form, headers = comment_request(CONTEXT, view, 3, base_url="http://127.0.0.1:8765/")
    assert (url, form["comment_page"], headers["Origin"]) == (
        "http://127.0.0.1:8765/board/comment/",
        "3",
        "http://127.0.0.1:8765",
    )


def test_samples_are_valid_json() -> None:
    for path in SAMPLES.glob("comment-api-*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
