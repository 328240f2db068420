"""dccrawl.site.views on the real view excerpts and a page in the shape of SITE.md §3."""

from __future__ import annotations

import statistics
import time

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from dccrawl import htmlclean, normalize
from dccrawl.site.errors import BrokenPage
from dccrawl.site.views import CommentContext, parse_view
from tests.paths import SAMPLES

RECOMMEND_BOX = (
    '<div class="btn_recommend_box clear"><div class="inner fl">'
    '<div class="up_num_box"><p class="up_num font_red">15</p>'
    '<p class="sup_num"><span class="smallnum">3</span></p></div>'
    '<div class="down_num_box"><p class="down_num">2</p></div></div></div>'
)
RECOMMEND_BOX_NO_DOWN = (
    '<div class="btn_recommend_box clear"><div class="inner fl">'
    '<div class="up_num_box"><p class="up_num font_red">7</p></div></div></div>'
)


def strip_source_note(html: str) -> str:
    """The samples start with a one-line ``<!-- Source: … -->`` note that is not site markup."""
    return html.split("-->", 1)[1] if html.lstrip().startswith("<!--") else html


# ---------------------------------------------------------------- 2026 header excerpt (REAL)

EXCERPT_URL = "https://gall.dcinside.com/board/view/?id=neostock&no=1"
EXCERPT = parse_view(
    "<html><body>"
    + strip_source_note((SAMPLES / "view-header-excerpt-2026.html").read_text())
    + RECOMMEND_BOX
    + "</body></html>",
    url=EXCERPT_URL,
)


def test_excerpt_title() -> None:
    assert EXCERPT.title == "주식 갤러리 용어 길라잡이"


def test_excerpt_head_absent() -> None:
    assert EXCERPT.head is None


def test_excerpt_writer_text() -> None:
    assert EXCERPT.writer_text == "우주방어(IP차단)"


def test_excerpt_writer_nick_normalised_without_ip_block_mark() -> None:
    writer = normalize.resolve_writer(
        EXCERPT.writer_nick, EXCERPT.writer_uid, EXCERPT.writer_ip, EXCERPT.writer_text
    )
    assert writer.nick == "우주방어"


def test_excerpt_date_title() -> None:
    assert EXCERPT.date_title == "2008-11-06 18:20:03"


def test_excerpt_date_text() -> None:
    assert EXCERPT.date_text == "08.11.06"


def test_excerpt_views() -> None:
    assert EXCERPT.views == "조회 172067"


def test_excerpt_recommend() -> None:
    assert EXCERPT.recommend == "추천 15"


def test_excerpt_body() -> None:
    assert EXCERPT.body_html == "<p>본문 내용</p>"


def test_excerpt_context_from_url() -> None:
    assert (EXCERPT.context.gallery_id, EXCERPT.context.post_no, EXCERPT.context.gall_type) == (
        "neostock",
        1,
        "G",
    )


# ---------------------------------------------------------------- 2019 writing box (REAL)

BOX_URL = "https://gall.dcinside.com/board/view/?id=d_fighter_new1&no=8961416"
BOX_HTML = strip_source_note((SAMPLES / "view-writing-box-2019-d_fighter_new1.html").read_text())
BOX = parse_view(
    f'<html><body><div class="writing_view_box">{BOX_HTML}</div>{RECOMMEND_BOX}</body></html>'
)
BOX_CLEAN = htmlclean.clean_body(BOX.body_html or "", BOX_URL)


def test_box_falls_back_to_writing_view_box() -> None:
    assert BOX.body_source == "writing_view_box"


def test_box_body_text() -> None:
    assert (
        BOX_CLEAN.text == "까마귀\n버서커\n소마\n배메\n이런 애들 다 시너지화 시키면 시너지난 해결"
    )


def test_box_image_url() -> None:
    assert BOX_CLEAN.image_urls == (
        "https://dcimg6.dcinside.co.kr/viewimage.php?id=2982d62fe2da2ca37c80d8b00180&no=24b0d769e1"
        "d32ca73fee83fa11d02831be17f6b16442b2da382c1b3eac2ce2b3a4defcfead7286a8095b26b00fff29398d1a"
        "2996118bbf42fa83fd8d447d34b036d5248788",
    )


def test_box_ad_div_removed() -> None:
    assert "zzbang" not in BOX_CLEAN.html


def test_box_title_absent_is_none() -> None:
    assert BOX.title is None


# ---------------------------------------------------------------- a whole page (SITE.md §3 shape)

LIST_BELOW = (
    '<div class="gall_listwrap list"><table class="gall_list"><tbody>'
    '<tr class="ub-content us-post" data-no="999" data-type="icon_txt">'
    '<td class="gall_num">999</td>'
    '<td class="gall_tit"><a href="/board/view/?id=tree&amp;no=999">다른 글</a></td>'
    '<td class="gall_writer ub-writer" data-nick="다른사람" data-uid="other" data-ip=""'
    ' data-loc="list">'
    '<span class="nickname"><em>다른사람</em></span></td>'
    '<td class="gall_date" title="2026-01-01 00:00:00">26.01.01</td>'
    '<td class="gall_count">9</td><td class="gall_recommend">9</td></tr></tbody></table></div>'
)


def full_page(recommend_box: str = RECOMMEND_BOX, body: str | None = None) -> str:
    body = (
        body
        if body is not None
        else (
            '<div class="write_div" style="overflow:hidden;width:900px;">'
            "<p>첫 문단</p><p><br></p><p>둘째 문단</p>"
            '<p><img src="https://nstatic.dcinside.com/dc/m/img/gallview_loading_ori.gif"'
            ' data-original="https://dcimg1.dcinside.com/viewimage.php?id=3dafdf&amp;no=24b0d7"'
            ' onclick="imgPop(this)"></p></div>'
        )
    )
    return (
        "<!DOCTYPE html><html><head><script>var x = 1;</script></head><body>"
        '<form id="_view_form_">'
        '<input type="hidden" id="e_s_n_o" name="e_s_n_o" value="3eabc219ebdd65f53b">'
        '<input type="hidden" id="gallery_id" value="tree">'
        '<input type="hidden" id="no" value="1019123">'
        '<input type="hidden" id="_GALLTYPE_" value="M">'
        '<input type="hidden" id="board_type" value="">'
        '<input type="hidden" id="secret_article_key" value="">'
        '<input type="hidden" id="comment_cnt" value="11"></form>'
        '<div class="view_content_wrap"><header><div class="gallview_head clear ub-content">'
        '<h3 class="title ub-word"><span class="title_headtext">[일반]</span>'
        '<span class="title_subject">  제목\n  입니다 </span>'
        '<span class="title_device"></span></h3>'
        '<div class="gall_writer ub-writer" data-nick="ㅇㅇ" data-uid="" data-ip="58.122"'
        ' data-loc="view">'
        '<div class="fl"><span class="nickname"><em>ㅇㅇ</em></span>'
        '<span class="ip">(58.122)</span>'
        '<span class="gall_date" title="2026-09-30 12:00:00">2026.09.30 12:00:00</span></div>'
        '<div class="fr"><span class="gall_scrap"><button>스크랩</button></span>'
        '<span class="gall_count">조회 1,234</span><span class="gall_reply_num">추천 15</span>'
        '<span class="gall_comment"><a href="#focus_cmt">댓글 11</a></span></div></div>'
        "</div></header>"
        '<div class="gallview_contents"><div class="inner clear"><div class="writing_view_box">'
        f'<div id="zzbang_div"></div>{body}</div></div></div>'
        f"{recommend_box}"
        '<div class="appending_file_box"><ul class="appending_file">'
        '<li><a href="https://image.dcinside.com/download.php?id=3dafdf&amp;no=24b0">원본.jpg</a></li>'
        '<li><a href="javascript:;">x</a></li></ul></div></div>'
        "<script>$(document).data('comment_id', 'issuezoom');"
        " $(document).data('comment_no', '77');</script>"
        f"{LIST_BELOW}"
        '<div class="bottom_paging_box"><em>1</em></div></body></html>'
    )


FULL_URL = "https://gall.dcinside.com/mgallery/board/view/?id=tree&no=1019123&page=1"
FULL = parse_view(full_page(), url=FULL_URL)


def test_full_title() -> None:
    assert FULL.title == "제목 입니다"


def test_full_head() -> None:
    assert FULL.head == "[일반]"


def test_full_writer_nick_is_the_posts_not_the_lists() -> None:
    assert FULL.writer_nick == "ㅇㅇ"


def test_full_writer_uid() -> None:
    assert FULL.writer_uid == ""


def test_full_writer_ip() -> None:
    assert FULL.writer_ip == "58.122"


def test_full_writer_text() -> None:
    assert FULL.writer_text == "ㅇㅇ (58.122)"


def test_full_date_title() -> None:
    assert FULL.date_title == "2026-09-30 12:00:00"


def test_full_date_text() -> None:
    assert FULL.date_text == "2026.09.30 12:00:00"


def test_full_views() -> None:
    assert FULL.views == "조회 1,234"


def test_full_recommend() -> None:
    assert FULL.recommend == "추천 15"


def test_full_recommend_fixed() -> None:
    assert FULL.recommend_fixed == "3"


def test_full_downvotes() -> None:
    assert FULL.downvotes == "2"


def test_full_comment_count() -> None:
    assert FULL.comment_count == "댓글 11"


def test_full_body_is_write_div_only() -> None:
    assert FULL.body_html is not None and FULL.body_html.startswith("<p>첫 문단</p>")


def test_full_body_source() -> None:
    assert FULL.body_source == "write_div"


def test_full_attachments_skip_javascript() -> None:
    assert FULL.attachments == [
        ("https://image.dcinside.com/download.php?id=3dafdf&no=24b0", "원본.jpg")
    ]


def test_full_hidden_inputs() -> None:
    assert FULL.hidden == {
        "e_s_n_o": "3eabc219ebdd65f53b",
        "_GALLTYPE_": "M",
        "board_type": "",
        "secret_article_key": "",
        "gallery_id": "tree",
        "no": "1019123",
        "comment_cnt": "11",
    }


def test_full_comment_context_issue_zoom() -> None:
    assert FULL.context == CommentContext(
        gallery_id="tree",
        post_no=1019123,
        e_s_n_o="3eabc219ebdd65f53b",
        gall_type="M",
        board_type="",
        secret_article_key="",
        cmt_id="issuezoom",
        cmt_no=77,
        comment_cnt=11,
    )


def test_without_down_box_downvotes_is_none() -> None:
    assert parse_view(full_page(RECOMMEND_BOX_NO_DOWN)).downvotes is None


def test_recommend_box_used_when_header_lacks_it() -> None:
    page = full_page().replace('<span class="gall_reply_num">추천 15</span>', "")
    assert parse_view(page).recommend == "15"


def test_accepts_a_selector() -> None:
    assert parse_view(Selector(text=full_page()), url=FULL_URL) == FULL


def test_accepts_a_scrapy_response() -> None:
    response = HtmlResponse(FULL_URL, body=full_page().encode(), encoding="utf-8")
    assert parse_view(response, url=response.url) == FULL


@pytest.mark.parametrize("page", [None, 42, object(), ["<html>"]])
def test_non_pages_are_broken(page: object) -> None:
    with pytest.raises(BrokenPage):
        parse_view(page)


# ---------------------------------------------------------------- broken and hostile pages


@pytest.mark.parametrize(
    "page",
    [
        "",
        "\x00",
        b"\xff\xfe\x00",
        "<html><body><p>nothing</p></body></html>",
        full_page()[: full_page().index("둘째 문단")],  # cut inside the body
        full_page(recommend_box=""),  # no recommend box at all
        full_page()
        .replace('class="write_div"', 'class="other"')
        .replace('class="writing_view_box"', 'class="other2"'),
        "<div class='write_div'>" * 3000,
    ],
)
def test_broken_pages_raise_broken_page(page: str | bytes) -> None:
    with pytest.raises(BrokenPage):
        parse_view(page)


def test_recommend_box_before_body_is_not_enough() -> None:
    page = full_page(recommend_box="").replace("<header>", RECOMMEND_BOX + "<header>")
    cut = page[: page.index("둘째 문단")]
    with pytest.raises(BrokenPage):
        parse_view(cut)


def test_odd_unicode_does_not_raise() -> None:
    page = full_page().replace("제목", "제\ud800목\u202e\u200b")
    assert parse_view(page).title is not None


def test_garbage_hidden_values_give_none_context_fields() -> None:
    page = full_page().replace('value="1019123"', 'value="12x"').replace('value="11"', 'value=""')
    context = parse_view(page).context
    assert (context.post_no, context.comment_cnt) == (None, None)


# ---------------------------------------------------------------- speed


def test_parse_speed_on_an_80kb_page() -> None:
    """≤ 3 ms median is the target on a quiet machine; the bound here leaves room for CI noise."""
    paragraph = "<p>본문 문단입니다 &nbsp; <b>굵게</b> 그리고 텍스트<br>둘째 줄</p><p><br></p>"
    body = '<div class="write_div">' + paragraph * 360 + "</div>"
    rows = LIST_BELOW * 90
    page = full_page(body=body).replace(LIST_BELOW, rows)
    page = page.replace(
        "<head>", "<head>" + "<script>function f(){location.href='/x';}</script>" * 40
    )
    assert 70_000 < len(page.encode()) < 110_000
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        parse_view(page)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.015
