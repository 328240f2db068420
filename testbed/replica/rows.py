"""List rows (``tr.ub-content``) of every kind: posts, notices, survey, AD, news.

Markup follows the captured granblue rows and SITE.md §2.1-2.2: ``us-post`` on posts,
major-gallery notices without it, minor/mini notices with it and ``icon_notice``,
every post icon of §2.1 (``icon_txt``, ``icon_pic``, ``icon_movie``, the 개념글 variants,
``icon_issue`` for the pinned issue rows, which are posts like any other),
``td.gall_subject`` only in galleries with 말머리, ``[N]`` / ``[N/M]`` reply boxes.
"""

from __future__ import annotations

from datetime import datetime

from . import clock
from .drift import SITE_DESIGN, Design
from .hashing import rng
from .markup import SITE, esc, qs, view_path, writer_data_attrs, writer_inner
from .model import GalleryConfig, Post
from .writers import OPERATOR


def data_type(post: Post) -> str:
    """The row's ``data-type`` and icon class (SITE.md §2.1): notice, pinned issue, then
    개념글 (video, image or text) and the others (video, image or text). A video outranks
    an image, as the site's icon shows the richest medium."""
    if post.notice:
        return "icon_notice"
    if post.issue:
        return "icon_issue"
    if post.recommended:
        if post.has_video:
            return "icon_recomovie"
        return "icon_recomimg" if post.has_image else "icon_recomtxt"
    if post.has_video:
        return "icon_movie"
    return "icon_pic" if post.has_image else "icon_txt"


def reply_box(config: GalleryConfig, post: Post, link_params: list[tuple[str, str]]) -> str:
    if post.comment_count <= 0:
        return ""
    text = post.comment_count - post.voice_count
    label = f"[{text}/{post.voice_count}]" if post.voice_count else f"[{text}]"
    href = (
        SITE
        + view_path(config.kind)
        + "?"
        + qs([("id", config.id), ("no", str(post.no)), ("t", "cv"), *link_params])
    )
    return f' <a class="reply_numbox" href="{esc(href)}"><span class="reply_num">{label}</span></a>'


def subject_cell(config: GalleryConfig, post: Post) -> str:
    if not config.heads:
        return ""
    if post.notice:
        return '\n <td class="gall_subject"><b>공지</b></td>'
    head = config.head(post.head_id)
    if head is None:
        return '\n <td class="gall_subject"></td>'
    if head.short:
        return (
            f'\n <td class="gall_subject">{esc(head.short)}<p class="subject_inner" '
            f'style="display:none">{esc(head.label)}</p></td>'
        )
    return f'\n <td class="gall_subject">{esc(head.label)}</td>'


def post_row(
    config: GalleryConfig,
    post: Post,
    link_params: list[tuple[str, str]],
    now: datetime,
    design: Design = SITE_DESIGN,
) -> str:
    """A post or notice row; ``link_params`` are the listing's params ending with page;
    ``design``: the classes and date attribute of a drifted site (drift.py)."""
    href = (
        view_path(config.kind) + "?" + qs([("id", config.id), ("no", str(post.no)), *link_params])
    )
    kind = data_type(post)
    classes = "ub-content us-post"
    number = str(post.no)
    title = esc(post.title)
    if post.notice:
        number = "공지"
        title = f"<b><b>{title}</b></b>"
        if config.kind in ("major", "person"):
            classes = "ub-content"
    date_text = post.list_date_text or clock.list_text(post.created, now)
    return (
        f'<tr class="{design.row_class(classes)}" data-no="{post.no}" data-type="{kind}">\n'
        f' <td class="gall_num">{number}</td>{subject_cell(config, post)}\n'
        f' <td class="gall_tit ub-word"><a href="{esc(href)}" view-msg=""> '
        f'<em class="icon_img {kind}"></em>{title}</a>{reply_box(config, post, link_params)}</td>\n'
        f' <td class="{design.writer_class} ub-writer" {writer_data_attrs(post.writer, "list")}>'
        f"{writer_inner(post.writer, design.nick_class)}</td>\n"
        f' <td class="gall_date" {design.date_attr}="{clock.title_attr(post.created)}">'
        f"{date_text}</td>\n"
        f' <td class="gall_count">{post.views}</td>\n'
        f' <td class="gall_recommend">{post.recommend}</td>\n'
        "</tr>\n"
    )


def survey_row(
    config: GalleryConfig, title: str, at: datetime, text: str, design: Design = SITE_DESIGN
) -> str:
    number = '-</td>\n <td class="gall_subject">설문' if config.heads else "설문"
    return (
        f'<tr class="{design.row_class("ub-content ")}" data-no="" data-type="">\n'
        f' <td class="gall_num">{number}</td>\n'
        ' <td class="gall_tit ub-word"><a href="javascript:;" class="font_blue3a7" '
        f'onclick="open_survey_popup(\'{config.id}\')"><em class="icon_img icon_survey"></em>'
        f"{esc(title)}</a></td>\n"
        f' <td class="{design.writer_class} ub-writer" {writer_data_attrs(OPERATOR, "list")}>'
        "<b>운영자</b></td>\n"
        f' <td class="gall_date" {design.date_attr}="{clock.title_attr(at)}">{text}</td>\n'
        ' <td class="gall_count">-</td>\n <td class="gall_recommend">-</td>\n</tr>\n'
    )


def ad_row(config: GalleryConfig, page: int, design: Design = SITE_DESIGN) -> str:
    r = rng("ad-row", config.id, page)
    subject = '\n <td class="gall_subject"></td>' if config.heads else ""
    words = ("최저가 보장", "무료 체험", "오늘만 특가", "신규 가입 혜택", "1+1 이벤트")
    return (
        f'<tr class="{design.row_class("ub-content empty_list power_lk")}" data-no=""'
        ' data-type="">\n'
        f' <td class="gall_num">AD</td>{subject}\n'
        f' <td class="gall_tit ub-word"><a href="https://adcr.naver.com/adcr?x={r.getrandbits(48):x}"'
        f' target="_blank" rel="nofollow noopener">{r.choice(words)} - '
        f"shop{r.randint(1, 99)}.co.kr</a></td>\n"
        f' <td class="{design.writer_class}">파워링크</td>\n'
        ' <td class="gall_date"></td>\n <td class="gall_count"></td>\n'
        ' <td class="gall_recommend"></td>\n</tr>\n'
    )


def news_row(
    config: GalleryConfig, title: str, at: datetime, text: str, design: Design = SITE_DESIGN
) -> str:
    subject = '\n <td class="gall_subject">뉴스</td>' if config.heads else ""
    number = "-" if config.heads else "뉴스"
    return (
        f'<tr class="{design.row_class("ub-content dctrend_ad")}" data-no="" data-type="">\n'
        f' <td class="gall_num">{number}</td>{subject}\n'
        ' <td class="gall_tit ub-word"><a href="https://dctrend.rankify.best/news" '
        'target="_blank" rel="noopener"><em class="icon_img icon_news"></em>'
        f"{esc(title)}</a></td>\n"
        f' <td class="{design.writer_class} ub-writer" data-nick="디시트렌드" data-uid=""'
        ' data-ip="" data-loc="list"><b>디시트렌드</b></td>\n'
        f' <td class="gall_date" {design.date_attr}="{clock.title_attr(at)}">{text}</td>\n'
        ' <td class="gall_count"></td>\n <td class="gall_recommend"></td>\n</tr>\n'
    )
