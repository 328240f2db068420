"""dccrawl.site.rendered on the rendered comment DOM of SITE.md §3.5 (and its variants).

The markup below is the captured structure (``li#comment_li_N > div.cmt_info[data-no]``,
``span.gall_writer[data-nick][data-uid][data-ip]``, ``p.usertxt``, ``span.date_time``,
``ul.reply_list > li > div.reply_info``) with the variants SITE.md names for dccon
(``div.comment_dccon``), deleted rows (``.del_reply``) and the 댓글돌이 ad (``.dory``).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader
from dccrawl.site.comments import RawComment, parse_comment_page
from dccrawl.site.errors import BrokenPage
from dccrawl.site.rendered import RenderedComments, parse_rendered_comments

ANON_WRITER = (
    '<span class="gall_writer ub-writer" data-nick="ㅇㅇ" data-uid="" data-ip="1.214">'
    '<span class="nickname"><em title="ㅇㅇ">ㅇㅇ</em><span class="ip">(1.214)</span></span></span>'
)
MEMBER_WRITER = (
    '<span class="gall_writer ub-writer" data-nick="코비" data-uid="kobi77" data-ip="">'
    '<span class="nickname in" title="코비"><em>코비</em></span></span>'
)
DCCON = '<img class="written_dccon" src="https://dcimg5.dcinside.com/dccon.php?no=abc123" alt="0">'


def info(kind: str, no: int, writer: str, content: str, date: str = "03.18 15:10:18") -> str:
    return (
        f'<div class="{kind} clear" data-no="{no}" data-rcnt="1" data-article-no="915289">'
        f'<div class="cmt_nickbox">{writer}</div>'
        f'<div class="clear cmt_txtbox btn_reply_write_all">{content}</div>'
        f'<div class="fr clear"><span class="date_time">{date}</span>'
        f'<div class="cmt_mdf_del" data-type="cmt" re_no="{no}" data-my="N"'
        f' data-article-no="915289" data-pwd-pop="Y" data-uid=""></div></div></div>'
    )


PAGE = (
    "<html><body><div class='view_comment'>"
    '<div class="comment_count">전체 댓글 <span id="comment_total_cnt">7</span>개</div>'
    '<div class="comment_box"><ul class="cmt_list">'
    # a reply whose parent is on the previous comment page
    '<li id="comment_li_6807000" class="ub-content reply_box"><div class="reply show">'
    '<ul class="reply_list" id="reply_list_6807000"><li id="reply_li_6807100" class="ub-content">'
    + info("reply_info", 6807100, ANON_WRITER, '<p class="usertxt ub-word">이어서</p>')
    + "</li></ul></div></li>"
    '<li id="comment_li_6807114" class="ub-content">'
    + info(
        "cmt_info",
        6807114,
        ANON_WRITER,
        '<p class="usertxt ub-word">a &amp; b &lt;c&gt;<br>둘째  줄</p>',
    )
    + "</li>"
    '<li id="comment_li_6807114" class="ub-content reply_box"><div class="reply show">'
    '<ul class="reply_list" id="reply_list_6807114"><li id="reply_li_6807115" class="ub-content">'
    + info("reply_info", 6807115, MEMBER_WRITER, '<p class="usertxt ub-word">답글</p>')
    + '</li><li id="reply_li_6807116" class="ub-content">'
    + info(
        "reply_info",
        6807116,
        ANON_WRITER,
        '<div class="comment_voice"><iframe src="https://m.dcinside.com/voice/player?vr=9f&amp;'
        'vr_open=1"></iframe></div>',
    )
    + "</li></ul></div></li>"
    '<li class="ub-content dory" id="comment_li_0"><div class="comment_dory">'
    + DCCON
    + "</div></li>"
    '<li id="comment_li_6807120" class="ub-content">'
    + info(
        "cmt_info",
        6807120,
        MEMBER_WRITER,
        f'<div class="comment_dccon clear"><div class="coment_dccon_img">{DCCON}</div></div>',
        "2025.01.01 12:00:00",
    )
    + "</li>"
    '<li id="comment_li_6807121" class="ub-content">'
    + info("cmt_info", 6807121, ANON_WRITER, '<p class="del_reply">삭제된 댓글입니다.</p>')
    + "</li>"
    '<li id="comment_li_6807122" class="ub-content">'
    + info(
        "cmt_info",
        6807122,
        ANON_WRITER,
        '<p class="del_reply">삭제된 댓글입니다.</p><p class="usertxt ub-word">남은 글</p>',
    )
    + "</li>"
    "</ul></div>"
    '<div class="bottom_paging_box"><div class="cmt_paging">'
    "<a href=\"javascript:viewComments(1,'D',true)\">1</a><em>2</em>"
    "<a href=\"javascript:viewComments(3,'D',true)\">3</a></div></div>"
    "</div></body></html>"
)


@pytest.fixture(scope="module")
def parsed() -> RenderedComments:
    return parse_rendered_comments(PAGE)


def by_number(parsed: RenderedComments) -> dict[int, RawComment]:
    return {c.comment_no: c for c in parsed.comments}


def test_every_comment_and_reply_in_page_order_without_the_ad(parsed: RenderedComments) -> None:
    assert [c.comment_no for c in parsed.comments] == [
        6807100,
        6807114,
        6807115,
        6807116,
        6807120,
        6807121,
        6807122,
    ]


def test_replies_name_their_parent_from_the_reply_list(parsed: RenderedComments) -> None:
    rows = by_number(parsed)
    assert rows[6807100].parent_no == 6807000  # parent on the previous comment page
    assert (rows[6807115].parent_no, rows[6807115].depth) == (6807114, 1)
    assert (rows[6807114].parent_no, rows[6807114].depth) == (None, 0)


def test_writer_attributes_are_the_json_fields(parsed: RenderedComments) -> None:
    rows = by_number(parsed)
    assert (rows[6807114].name, rows[6807114].user_id, rows[6807114].ip) == ("ㅇㅇ", "", "1.214")
    assert (rows[6807115].name, rows[6807115].user_id, rows[6807115].ip) == ("코비", "kobi77", "")


def test_post_number_and_date(parsed: RenderedComments) -> None:
    rows = by_number(parsed)
    assert rows[6807114].post_no == 915289
    assert rows[6807114].reg_date == "03.18 15:10:18"
    assert rows[6807120].reg_date == "2025.01.01 12:00:00"


def test_text_memo_keeps_its_markup_for_the_loader(parsed: RenderedComments) -> None:
    memo = by_number(parsed)[6807114].memo
    assert memo == "a &amp; b &lt;c&gt;<br>둘째  줄"


def test_dccon_memo_is_the_image(parsed: RenderedComments) -> None:
    memo = by_number(parsed)[6807120].memo or ""
    assert 'class="written_dccon"' in memo and "dccon.php?no=abc123" in memo


def test_voice_reply(parsed: RenderedComments) -> None:
    row = by_number(parsed)[6807116]
    assert row.has_voice and row.memo is None


def test_deleted_rows_never_take_the_notice_as_text(parsed: RenderedComments) -> None:
    rows = by_number(parsed)
    assert rows[6807121].is_deleted and rows[6807121].memo is None
    assert rows[6807122].is_deleted and rows[6807122].memo == "남은 글"
    assert not rows[6807114].is_deleted


def test_pager_and_total(parsed: RenderedComments) -> None:
    assert (parsed.page, parsed.last_page, parsed.total_count) == (2, 3, 7)


def test_the_loader_builds_the_same_items_as_from_the_json() -> None:
    """One comment through both paths: identical Comment items."""
    json_page = parse_comment_page(
        '{"total_cnt":1,"comments":[{"no":"6807114","parent":"915289","user_id":"",'
        '"name":"\\u3147\\u3147","ip":"1.214","reg_date":"03.18 15:10:18","nicktype":"00",'
        '"c_no":0,"depth":0,"del_yn":"N","is_delete":"0",'
        '"memo":"a &amp; b &lt;c&gt;<br>\\ub458\\uc9f8  \\uc904","vr_player":false}],'
        '"pagination":"<em>1</em>"}'
    )
    crawled = datetime(2026, 6, 1, 12, 0, tzinfo=KST)

    def item(raw: RawComment) -> dict[str, object]:
        loader = CommentLoader(crawled_at=crawled, base_url="https://gall.dcinside.com/")
        loader.add_value("gallery_id", "g")
        return dict(loader.add_comment(raw).load_item())

    from_dom = item(
        next(c for c in parse_rendered_comments(PAGE).comments if c.comment_no == 6807114)
    )
    from_json = item(json_page.comments[0])
    assert from_dom == from_json
    assert from_dom["body_text"] == "a & b <c>\n둘째 줄"
    assert from_dom["writer_ip"] == "1.214" and from_dom["writer_uid"] is None


def test_an_empty_list_is_no_error() -> None:
    empty = parse_rendered_comments('<html><body><ul class="cmt_list"></ul></body></html>')
    assert (empty.comments, empty.page, empty.last_page) == ([], None, None)


@pytest.mark.parametrize(
    "page",
    ["", "<html><body><p>해당 게시물은 삭제되었습니다.</p></body></html>", b"\x00\x01", 42],
)
def test_a_page_without_a_comment_list_is_broken(page: object) -> None:
    with pytest.raises(BrokenPage):
        parse_rendered_comments(page)


def test_rows_without_a_usable_number_are_skipped() -> None:
    page = (
        '<ul class="cmt_list"><li class="ub-content">'
        + info("cmt_info", 0, ANON_WRITER, '<p class="usertxt">광고</p>')
        + "</li><li>"
        + info("cmt_info", 5, ANON_WRITER, '<p class="usertxt">ok</p>').replace(
            'data-no="5"', 'data-no="abc"'
        )
        + "</li><li>"
        + info("cmt_info", 6, ANON_WRITER, '<p class="usertxt">six</p>')
        + "</li></ul>"
    )
    assert [c.comment_no for c in parse_rendered_comments(page).comments] == [6]
