"""dccrawl.site.lists on the real list samples, wrapped in the minimal page a parser needs."""

from __future__ import annotations

import re

import pytest
from parsel import Selector

from dccrawl.site.errors import BrokenPage
from dccrawl.site.lists import HeadTab, ListPage, classify_row, parse_list_page
from tests.paths import SAMPLES

PAGING = (
    '<div class="bottom_paging_wrap"><div class="bottom_paging_box iconpaging">'
    '<a href="/board/lists/?id=granblue&amp;page=1" class="sp_pagingicon page_first">처음</a>'
    "<em>3</em>"
    '<a href="/board/lists/?id=granblue&amp;page=4">4</a>'
    '<a href="/board/lists/?id=granblue&amp;page=16" class="sp_pagingicon page_next">다음</a>'
    '<a href="/board/lists/?id=granblue&amp;page=83920" class="sp_pagingicon page_end">끝</a>'
    "</div></div>"
)
KAKAO = (
    '<div id="kakao_search"><div class="bottom_paging_box">'
    '<a href="javascript:ajax_list_search(16)" class="page_next">다음</a>'
    '<a href="javascript:ajax_list_search(99)" class="page_end">끝</a></div></div>'
)


def list_page(
    rows: str, paging: str = PAGING, table_class: str = "gall_list", extra: str = ""
) -> str:
    """The excerpt inside the containers the real page has (SITE.md §2.1, §2.3)."""
    return (
        "<html><head><title>그랑블루 판타지 갤러리</title></head><body>"
        '<input type="hidden" id="e_s_n_o" value="3eabc219ebdd65f438">'
        f'{extra}<div class="gall_listwrap list"><table class="{table_class}">'
        f'<tbody class="listwrap2">{rows}</tbody></table></div>{paging}{KAKAO}</body></html>'
    )


# ---------------------------------------------------------------- granblue (REAL, 2024)

GRANBLUE = parse_list_page(list_page((SAMPLES / "list-rows-granblue-2024.html").read_text()))
POST = GRANBLUE.rows[0]


def test_granblue_row_kinds() -> None:
    assert GRANBLUE.row_kinds == ["notice", "post"]


def test_granblue_only_the_post_row_is_returned() -> None:
    assert len(GRANBLUE.rows) == 1


def test_post_no() -> None:
    assert POST.post_no == 4782971


def test_title_without_icon() -> None:
    assert POST.title == "레페 추가될 수영복은 누굴까"


def test_href() -> None:
    assert POST.href == "/board/view/?id=granblue&no=4782971&page=1"


def test_head_absent() -> None:
    assert POST.head is None


def test_writer_nick() -> None:
    assert POST.writer_nick == "KOSMOS"


def test_writer_uid() -> None:
    assert POST.writer_uid == "301rs3xp0cfs"


def test_writer_ip_empty_attribute() -> None:
    assert POST.writer_ip == ""


def test_writer_text_has_no_gallog_noise() -> None:
    assert POST.writer_text == "KOSMOS"


def test_date_title() -> None:
    assert POST.date_title == "2024-07-19 15:59:28"


def test_date_text() -> None:
    assert POST.date_text == "15:59"


def test_views() -> None:
    assert POST.views == "33"


def test_recommend() -> None:
    assert POST.recommend == "0"


def test_no_reply_box_is_zero_comments() -> None:
    assert (POST.reply, POST.comment_count, POST.voice_count) == (None, 0, 0)


def test_data_type() -> None:
    assert POST.data_type == "icon_pic"


def test_current_page() -> None:
    assert GRANBLUE.current_page == 3


def test_last_page_from_page_end_not_kakao() -> None:
    assert GRANBLUE.last_page == 83920


def test_not_empty() -> None:
    assert GRANBLUE.is_empty is False


def test_no_search_links() -> None:
    assert (GRANBLUE.search_prev, GRANBLUE.search_next) == (None, None)


def test_e_s_n_o() -> None:
    assert GRANBLUE.e_s_n_o == "3eabc219ebdd65f438"


def test_accepts_a_selector() -> None:
    page = list_page((SAMPLES / "list-rows-granblue-2024.html").read_text())
    assert parse_list_page(Selector(text=page)) == GRANBLUE


# ---------------------------------------------------------------- search snippets (REAL, 2026)

SEARCH_MD = (SAMPLES / "search-list-observed-2026-07.md").read_text()
SEARCH_TABLE = re.search(r'<div class="gall_listwrap list">.*?</table>\s*</div>', SEARCH_MD, re.S)
MINOR_ROW = re.search(r'<tr class="ub-content us-post" data-no="718525".*?</tr>', SEARCH_MD, re.S)
SEARCH_LINKS = re.findall(r'<a href="[^"]*" class="search_(?:next|prev)">[^<]*</a>', SEARCH_MD)


def search_page(links: list[str]) -> ListPage:
    assert SEARCH_TABLE is not None and MINOR_ROW is not None
    table = SEARCH_TABLE.group().replace("</tbody>", MINOR_ROW.group() + "</tbody>")
    paging = (
        '<div class="bottom_paging_wrap re"><div class="bottom_paging_box"><em>1</em>'
        f"{''.join(links)}</div></div>"
    )
    return parse_list_page(f"<html><body>{table}{paging}{KAKAO}</body></html>")


SEARCH = search_page(SEARCH_LINKS[1:])  # the programming gallery's prev/next pair
MINOR = SEARCH.rows[1]


def test_search_rows_are_posts() -> None:
    assert [row.post_no for row in SEARCH.rows] == [2932353, 718525]


def test_search_writer_member() -> None:
    assert (SEARCH.rows[0].writer_nick, SEARCH.rows[0].writer_uid) == ("guiyom.org", "concerto7106")


def test_minor_head_from_gall_subject() -> None:
    assert MINOR.head == "질문"


def test_minor_title() -> None:
    assert MINOR.title == "자반 축양장"


def test_minor_comment_count() -> None:
    assert MINOR.comment_count == 18


def test_search_prev_window() -> None:
    assert SEARCH.search_prev is not None and SEARCH.search_prev.search_pos == -2870402


def test_search_next_window() -> None:
    assert SEARCH.search_next is not None and SEARCH.search_next.search_pos == -2850402


def test_search_next_href_kept() -> None:
    assert SEARCH.search_next is not None and SEARCH.search_next.href.startswith(
        "/board/lists/?id=programming&page=1&search_pos=-2850402"
    )


def test_minor_search_next_window() -> None:
    assert search_page(SEARCH_LINKS[:1]).search_next.search_pos == -702643  # type: ignore[union-attr]


def test_search_single_page_last_is_current() -> None:
    assert (SEARCH.current_page, SEARCH.last_page) == (1, 1)


def test_zero_result_table() -> None:
    page = parse_list_page(list_page("", paging="", table_class="gall_list empty"))
    assert (page.is_empty, page.rows) == (True, [])


# ---------------------------------------------------------------- row kinds


def row(
    num: str,
    *,
    cls: str = "ub-content us-post",
    no: str = "",
    dtype: str = "icon_txt",
    subject: str | None = None,
) -> str:
    subject_td = f'<td class="gall_subject">{subject}</td>' if subject is not None else ""
    return (
        f'<tr class="{cls}" data-no="{no}" data-type="{dtype}"><td class="gall_num">{num}</td>'
        f'{subject_td}<td class="gall_tit ub-word">'
        f'<a href="/board/view/?id=x&amp;no={no}">t</a></td>'
        '<td class="gall_writer ub-writer" data-nick="ㅇㅇ" data-uid="" data-ip="1.2"></td>'
        '<td class="gall_date" title="2026-07-07 03:02:24">26.07.07</td>'
        '<td class="gall_count">1</td><td class="gall_recommend">0</td></tr>'
    )


@pytest.mark.parametrize(
    ("markup", "kind"),
    [
        (row("공지", cls="ub-content", no="1", dtype="icon_notice"), "notice"),
        (row("5", no="5", dtype="icon_notice"), "notice"),  # minor notice with us-post
        (row("5", no="5", subject="<b>공지</b>"), "notice"),
        (row("-", cls="ub-content ", no="", dtype="", subject="설문"), "survey"),
        (row("설문", cls="ub-content", no="", dtype=""), "survey"),
        (row("AD", cls="ub-content empty_list power_lk"), "ad"),
        (row("뉴스", cls="ub-content", no=""), "news"),
        (row("123", no="123"), "post"),
        (row("123", no="123", dtype="icon_issue"), "post"),
        (row("?", no="abc"), "unknown"),
    ],
)
def test_classify_row(markup: str, kind: str) -> None:
    tr = Selector(text=f"<table>{markup}</table>").xpath("//tr")[0].root
    assert classify_row(tr) == kind


def test_subject_inner_full_label_preferred() -> None:
    markup = row(
        "7", no="7", subject='☕작업<p class="subject_inner" style="display:none">☕작업잡담</p>'
    )
    assert parse_list_page(list_page(markup)).rows[0].head == "☕작업잡담"


def test_voice_reply_count() -> None:
    markup = row("8", no="8").replace(
        "</a></td>",
        '</a><a class="reply_numbox" href="#"><span class="reply_num">[3/1]</span></a></td>',
    )
    parsed = parse_list_page(list_page(markup)).rows[0]
    assert (parsed.comment_count, parsed.voice_count) == (3, 1)


def test_last_page_without_page_end_is_highest_link() -> None:
    paging = (
        '<div class="bottom_paging_box"><em>1</em><a href="/board/lists/?id=x&amp;page=2">2</a>'
        '<a href="/board/lists/?id=x&amp;page=3">3</a></div>'
    )
    assert parse_list_page(list_page(row("1", no="1"), paging=paging)).last_page == 3


def test_head_tabs() -> None:
    tabs = (
        '<div class="list_array_option"><ul>'
        '<li class="on"><a href="javascript:listSearchHead(0)">전체</a></li>'
        '<li><a href="/mgallery/board/lists/?id=x&amp;search_head=120">질문</a></li></ul></div>'
    )
    page = parse_list_page(list_page(row("1", no="1"), extra=tabs))
    assert page.head_tabs == [HeadTab(0, "전체", True), HeadTab(120, "질문", False)]


# ---------------------------------------------------------------- broken and hostile pages


@pytest.mark.parametrize(
    "page",
    [
        "",
        "garbage \x00 <<<",
        "<html><body><p>no list</p></body></html>",
        list_page(row("1", no="1"), paging="")[:-200],  # cut before the pagination
        list_page(row("1", no="1"))[:120],
        b"\xff\xfe not utf-8",
        "<table class='gall_list'>" + "<tr class='ub-content'>" * 5000,
    ],
)
def test_broken_pages_raise_broken_page(page: str | bytes) -> None:
    with pytest.raises(BrokenPage):
        parse_list_page(page)


def test_hostile_rows_do_not_raise() -> None:
    rows = (
        '<tr class="ub-content" data-no="99999999999999999999999999">'
        '<td class="gall_num">1</td></tr>'
        '<tr class="ub-content us-post" data-no="12"></tr>'
        '<tr class="ub-content us-post" data-no="13"><td class="gall_tit"><a>\ud800</a></td></tr>'
    )
    page = parse_list_page(list_page(rows))
    assert [r.post_no for r in page.rows] == [12, 13]
