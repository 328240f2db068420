"""View pages (``{prefix}/view/``): header, body, recommend box, empty comment area.

The comment list is left empty, as the real page leaves it for its comment XHR (§4) to
fill; the gallery list follows the post, as on the real site. The page is assembled from
cached parts: the post part per post, the list block per list page, chrome per gallery.
"""

from __future__ import annotations

from datetime import datetime

from . import body_html, chrome, clock
from .drift import SITE_DESIGN, Design, ago_text
from .gallery import GalleryState
from .markup import SITE, esc, view_path, writer_data_attrs, writer_inner
from .model import Body, GalleryConfig, Post


def head_text(config: GalleryConfig, post: Post) -> str | None:
    """The 말머리 shown as ``[..]``: the head label, 공지 for notices, None without heads."""
    if not config.heads:
        return None
    if post.notice:
        return "공지"
    head = config.head(post.head_id)
    return head.label if head else None


def header(
    config: GalleryConfig,
    post: Post,
    *,
    comment_count: bool = True,
    design: Design = SITE_DESIGN,
    now: datetime | None = None,
) -> str:
    """The post's header; ``comment_count=False`` leaves the 댓글 N counter out
    (``--view-no-comment-count``: a page whose counters did not render). ``design``: a
    drifted site's writer class and date (a relative date counts back from ``now``)."""
    head = head_text(config, post)
    created = design.view_time(post.no, post.created)
    date_text = clock.view_text(created)
    if design.relative_view_date:
        date_text = ago_text(created, now or created)
    count = (
        f'<span class="gall_comment"><a href="#focus_cmt">댓글 {post.comment_count}</a></span>\n'
        if comment_count
        else ""
    )
    headtext = f'<span class="title_headtext">[{esc(head)}]</span> ' if head else ""
    return (
        '<div class="view_content_wrap">\n<header>\n<div class="gallview_head clear ub-content">\n'
        f'<h3 class="title ub-word">{headtext}<span class="title_subject">{esc(post.title)}</span>'
        '<span class="title_device"></span></h3>\n'
        f'<div class="{design.writer_class} ub-writer" {writer_data_attrs(post.writer, "view")}>\n'
        f'<div class="fl">\n{writer_inner(post.writer, design.nick_class)}\n'
        f'<span class="gall_date" {design.date_attr}="{clock.title_attr(created)}">'
        f"{date_text}</span>\n</div>\n"
        '<div class="fr">\n<span class="gall_scrap">'
        '<button type="button" class="sp_scrap viewscrap"'
        ' onclick="scrapPost()">스크랩</button></span>\n'
        f'<span class="gall_count">조회 {post.views}</span>\n'
        f'<span class="gall_reply_num">추천 {post.recommend}</span>\n'
        f"{count}</div>\n</div>\n</div>\n</header>\n"
    )


def recommend_box(config: GalleryConfig, post: Post) -> str:
    no = post.no
    down = ""
    if post.downvotes is not None:
        down = (
            '<div class="down_num_box">'
            f'<p class="down_num" id="recommend_view_down_{no}">{post.downvotes}</p>'
            '<button type="button" class="btn_recom_down" onclick="recommendDown()">'
            '<span class="blind">비추천</span><em class="sp_img icon_recom_down"></em>'
            "</button></div>"
        )
    title = "추천 비추천" if post.downvotes is not None else "추천"
    return (
        f'<div class="btn_recommend_box clear"><h3 class="blind">{title}</h3>'
        '<div class="inner fl"><div class="up_num_box">'
        '<button type="button" class="btn_recom_up" onclick="recommendUp()">'
        '<span class="blind">개념 추천</span><em class="sp_img icon_recom_up"></em></button>'
        f'<p class="up_num font_red" id="recommend_view_up_{no}">{post.recommend}</p>'
        f'<p class="sup_num">고정닉 <span class="smallnum" id="recommend_view_up_fix_{no}">'
        f"{post.fixed_recommend}</span></p></div>{down}</div></div>\n"
    )


def comment_area(post: Post) -> str:
    return (
        '<div class="view_comment" id="focus_cmt">\n<div class="comment_wrap show" '
        f'id="comment_wrap_{post.no}"><h3 class="blind">댓글 영역</h3>\n'
        '<div class="comment_count"><div class="fl num_box">전체 댓글 '
        f'<em class="font_red"><span id="comment_total_cnt">{post.comment_count}</span></em>개'
        '</div><div class="fr"><ul class="comment_sort"><li class="comment_sort on" data-sort="D">'
        '등록순</li><li class="comment_sort" data-sort="N">최신순</li><li class="comment_sort" '
        'data-sort="R">답글순</li></ul></div></div>\n'
        f'<div class="comment_box"><ul class="cmt_list" id="cmt_list_{post.no}"></ul></div>\n'
        '<div class="bottom_paging_box"><div class="cmt_paging" id="cmt_paging"></div></div>\n'
        '<div class="comment_write_box"><form id="focus_cmt_form" name="comment_write">'
        '<input type="hidden" name="service_code" value="">'
        '<textarea id="memo" name="memo" maxlength="400" title="댓글 내용 입력"></textarea>'
        '<button type="button" class="btn_blue small repley_add">등록</button></form></div>\n'
        '</div>\n<a href="#top" class="btn_view_top">본문 보기</a>\n</div>\n'
    )


def post_part(
    state: GalleryState,
    post: Post,
    body: Body,
    media_base: str | None = None,
    *,
    comment_count: bool = True,
    design: Design = SITE_DESIGN,
) -> str:
    """Everything specific to one post (cached per post by the server); image and
    attachment URLs on the replica's own host ``media_base`` when given (``--media``);
    no comment count in the header with ``comment_count=False``; the header in a drifted
    site's ``design`` (drift.py)."""
    config = state.config
    return (
        "<article>\n"
        + header(config, post, comment_count=comment_count, design=design, now=state.now)
        + '<div class="gallview_contents">\n<div class="inner clear">\n'
        + '<div class="writing_view_box">'
        + body_html.write_div(body, media_base)
        + "</div>\n</div>\n"
        + recommend_box(config, post)
        + body_html.attachments(config.image_id, body, media_base)
        + "</div>\n</div>\n"
        + comment_area(post)
        + '</article>\n<div class="view_bottom_btnbox clear"><button type="button" '
        'class="btn_grey list_go" onclick="listGo()">전체글</button><button type="button" '
        'class="btn_blue write" onclick="writeCheck()">글쓰기</button></div>\n'
        '<div class="gall_listwrap_title"><h2 class="blind">하단 갤러리 리스트 영역</h2></div>\n'
    )


def page_head(state: GalleryState, post: Post, body: Body) -> str:
    """The page-specific part of ``<head>``; the shared rest and the top come from chrome."""
    config = state.config
    canonical = f"{SITE}{view_path(config.kind)}?id={config.id}&no={post.no}"
    first = body.text.split("\n", 1)[0][:120]
    title = f"{post.title} - {chrome.gallery_label(config)}"
    return chrome.head_meta(title, first, canonical)


def hidden_inputs(
    state: GalleryState,
    post: Post,
    token: str,
    *,
    comment_count: bool = True,
    design: Design = SITE_DESIGN,
) -> str:
    """The inputs and script the comment XHR reads; ``comment_count=False`` leaves
    ``#comment_cnt`` out too, so that no input a crawler reads holds the count either;
    ``#e_s_n_o`` is left out where the ``design`` has none (``--drift no-esno``)."""
    config = state.config
    count = (
        f'<input type="hidden" id="comment_cnt" name="comment_cnt" value="{post.comment_count}">\n'
        if comment_count
        else ""
    )
    esno = (
        f'<input type="hidden" id="e_s_n_o" name="e_s_n_o" value="{token}">\n'
        if design.esno_input
        else ""
    )
    rest = (
        f'<input type="hidden" id="_GALLTYPE_" name="_GALLTYPE_" value="{config.galltype}">\n'
        '<input type="hidden" id="board_type" name="board_type" value="">\n'
        '<input type="hidden" id="secret_article_key" name="secret_article_key" value="">\n'
        f'<input type="hidden" id="gallery_id" name="gallery_id" value="{config.id}">\n'
        f'<input type="hidden" id="id" name="id" value="{config.id}">\n'
        f'<input type="hidden" id="no" name="no" value="{post.no}">\n'
        f"{count}"
        f'<input type="hidden" name="v_cur_t" value="{int(post.created.timestamp())}">\n'
        '<input type="hidden" name="code_recommend" value="">\n'
        '<script type="text/javascript">'
        f"$(document).data('comment_id', '{config.id}'); "
        f"$(document).data('comment_no', '{post.no}');</script>\n"
    )
    return esno + rest
