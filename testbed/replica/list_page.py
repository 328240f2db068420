"""List pages (``{prefix}/lists/``): the gallery table, paging, 말머리 tabs, search.

The same table and paging are also rendered below a post on view pages, as the real site
does, so a parser must tell the post header (``data-loc="view"``) from list cells.
"""

from __future__ import annotations

from . import chrome, rows
from .drift import SITE_DESIGN, Design
from .gallery import GalleryState
from .markup import SITE, esc, list_path, qs
from .query import Listing, ListQuery, resolve

BLOCK = 15


def _href(config_kind: str, gid: str, params: list[tuple[str, str]]) -> str:
    return esc(list_path(config_kind) + "?" + qs([("id", gid), *params]))


def paging(state: GalleryState, query: ListQuery, listing: Listing) -> str:
    """``div.bottom_paging_wrap > div.bottom_paging_box.iconpaging`` with 15-page blocks."""
    config = state.config
    base = query.base_params(listing.window_top)

    def link(page: int, text: str, cls: str = "") -> str:
        if query.is_search:
            params = [*_without_pos(base), ("page", str(page)), *_pos_only(base)]
        else:
            params = [("page", str(page)), *base]
        href = _href(config.kind, config.id, params)
        attr = f' class="{cls}"' if cls else ""
        return f'<a href="{href}"{attr}>{text}</a>'

    last = max(listing.last_page, 1)
    current = min(listing.page, last)
    start = (current - 1) // BLOCK * BLOCK + 1
    end = min(start + BLOCK - 1, last)
    parts: list[str] = []
    if query.is_search and listing.has_prev_window and listing.window_top is not None:
        parts.append(
            _window_link(
                state, query, listing.window_top + state.search_window, "search_prev", "이전 검색"
            )
        )
    if start > 1:
        parts.append(link(1, "처음", "sp_pagingicon page_first"))
        parts.append(link(start - 1, "이전", "sp_pagingicon page_prev"))
    for page in range(start, end + 1):
        parts.append(f"<em>{page}</em>" if page == listing.page else link(page, str(page)))
    if end < last:
        parts.append(link(end + 1, "다음", "sp_pagingicon page_next"))
        parts.append(link(last, "끝", "sp_pagingicon page_end"))
    if query.is_search and listing.has_next_window and listing.window_top is not None:
        parts.append(
            _window_link(
                state, query, listing.window_top - state.search_window, "search_next", "다음 검색"
            )
        )
    wrap = "bottom_paging_wrap re" if query.is_search else "bottom_paging_wrap"
    return (
        f'<div class="{wrap}">\n<div class="bottom_paging_box iconpaging">'
        + "".join(parts)
        + "</div>\n</div>\n"
    )


def _without_pos(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [p for p in params if p[0] not in ("search_pos", "s_type", "s_keyword")]


def _pos_only(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [p for p in params if p[0] in ("search_pos", "s_type", "s_keyword")]


def _window_link(state: GalleryState, query: ListQuery, top: int, cls: str, text: str) -> str:
    params = [
        *_without_pos(query.base_params()),
        ("page", "1"),
        ("search_pos", f"-{top}"),
        ("s_type", query.s_type or ""),
        ("s_keyword", query.keyword or ""),
    ]
    return f'<a href="{_href(state.config.kind, state.config.id, params)}" class="{cls}">{text}</a>'


def link_params(query: ListQuery, listing: Listing) -> list[tuple[str, str]]:
    """Params that row links carry: the listing context then ``page``."""
    if query.is_search:
        return [
            *_without_pos(query.base_params()),
            ("s_type", query.s_type or ""),
            ("s_keyword", query.keyword or ""),
            ("page", str(listing.page)),
        ]
    return [*query.base_params(), ("page", str(listing.page))]


def table(
    state: GalleryState, query: ListQuery, listing: Listing, design: Design = SITE_DESIGN
) -> str:
    """The list table; ``design``: a drifted site's row, writer and date markup (drift.py)."""
    config = state.config
    params = link_params(query, listing)
    body: list[str] = []
    first = listing.page == 1 and not query.is_search
    source = state.source
    if first and config.survey:
        survey = source.survey_row()
        if survey:
            body.append(rows.survey_row(config, *survey, design=design))
    if not query.is_search:  # notices are pinned at the top of every page of a listing
        for no in state.notices():
            body.append(rows.post_row(config, state.post(no), params, state.now, design))
    if config.ad_rows:
        body.append(rows.ad_row(config, listing.page, design))
    for no in listing.numbers:
        body.append(rows.post_row(config, state.post(no), params, state.now, design))
    if first and config.news_row:
        news = source.news_row()
        if news:
            body.append(rows.news_row(config, *news, design=design))
    empty = " empty" if not listing.numbers and query.is_search else ""
    subject_col = '<col style="width:7%">' if config.heads else ""
    subject_th = '<th scope="col" class="gall_subject">말머리</th>' if config.heads else ""
    opening, closing = "", ""
    if design.list_container:
        opening, closing = f'<div class="{design.list_container}">\n', "</div>\n"
    return (
        '<div class="gall_listwrap list">\n'
        f"{opening}"
        f'<table class="gall_list{empty}">\n<caption>{esc(config.name)} 갤러리 리스트</caption>\n'
        f'<colgroup><col style="width:7%">{subject_col}<col><col style="width:18%">'
        '<col style="width:6%"><col style="width:6%"><col style="width:6%"></colgroup>\n'
        '<thead><tr><th scope="col" class="gall_num">번호</th>'
        f'{subject_th}<th scope="col" class="gall_tit">제목</th>'
        f'<th scope="col" class="{design.writer_class}">글쓴이</th>'
        '<th scope="col" class="gall_date">작성일'
        '</th><th scope="col" class="gall_count">조회</th>'
        '<th scope="col" class="gall_recommend">추천</th></tr></thead>\n'
        f'<tbody class="listwrap2">\n{"".join(body)}</tbody>\n</table>\n{closing}</div>\n'
    )


def head_tabs(state: GalleryState, query: ListQuery) -> str:
    """개념글 tab and the 말머리 list: ``javascript:listSearchHead(<id>)``, 0 = 전체."""
    config = state.config
    recommend_cls = "on" if query.recommend else ""
    all_cls = "" if query.recommend else "on"
    tabs = (
        '<div class="array_tab left_box">'
        f'<button type="button" class="{all_cls}" onclick="listArrayTab(\'all\')">전체글</button>'
        f'<button type="button" class="{recommend_cls}" onclick="listArrayTab(\'recommend\')">'
        '개념글</button><button type="button" onclick="listArrayTab(\'notice\')">공지</button>'
        "</div>"
    )
    heads = ""
    if config.heads:
        all_on = ' class="on"' if query.head_id is None else ""
        items = [f'<li><a href="javascript:listSearchHead(0)"{all_on}>전체</a></li>']
        for head in config.heads:
            on = ' class="on"' if query.head_id == head.id else ""
            items.append(
                f'<li><a href="javascript:listSearchHead({head.id})"{on}>{esc(head.label)}</a></li>'
            )
        heads = f'<div class="center_box"><ul class="clear">{"".join(items)}</ul></div>'
    return f'<div class="list_array_option clear">{tabs}{heads}</div>\n'


_S_LABELS = (
    ("search_subject_memo", "제목+내용"),
    ("search_subject", "제목"),
    ("search_memo", "내용"),
    ("search_name", "글쓴이"),
    ("search_comment", "댓글"),
)


def search_box(state: GalleryState, query: ListQuery) -> str:
    selected = query.s_type or "search_subject_memo"
    options = "".join(
        f'<option value="{v}"{" selected" if v == selected else ""}>{label}</option>'
        for v, label in _S_LABELS
    )
    return (
        '<div class="bottom_search clear"><h3 class="blind">갤러리 내부 검색</h3>'
        f'<form id="frm_search" method="get" action="{list_path(state.config.kind)}">'
        f'<input type="hidden" name="id" value="{state.config.id}">'
        f'<div class="select_box bottom_array"><select id="search_type" name="s_type">{options}'
        '</select></div><div class="bottom_search_input"><input type="text" name="s_keyword" '
        f'class="in_keyword" value="{esc(query.keyword or "")}" title="검색어 입력"></div>'
        '<button type="submit" class="sp_img bnt_search"><span class="blind">검색</span></button>'
        '</form><div class="select_box array_latest"><span class="blind">게시물 정렬 옵션</span>'
        "</div></div>\n"
    )


KAKAO_TRAP = (
    '<div id="kakao_search" class="kakao_search" style="display:none"><div class="search_result">'
    '<ul class="kakao_list"></ul></div><div class="bottom_paging_box">'
    '<a href="javascript:ajax_list_search(1)">1</a><a href="javascript:ajax_list_search(2)">2</a>'
    '<a href="javascript:ajax_list_search(16)" class="sp_pagingicon page_next">다음</a>'
    "</div></div>\n"
)


def hidden_inputs(
    state: GalleryState,
    query: ListQuery,
    listing: Listing,
    token: str,
    design: Design = SITE_DESIGN,
) -> str:
    """The page's hidden inputs (``#e_s_n_o`` left out where the design has none)."""
    config = state.config
    current = "&" + qs(link_params(query, listing))
    esno = (
        f'<input type="hidden" name="e_s_n_o" id="e_s_n_o" value="{token}">\n'
        if design.esno_input
        else ""
    )
    rest = (
        f'<input type="hidden" id="gallery_id" name="gallery_id" value="{config.id}">\n'
        f'<input type="hidden" id="list_url" value="{SITE}{list_path(config.kind)}">\n'
        f'<input type="hidden" id="gallery_name" value="{esc(config.name)}">\n'
        f'<input type="hidden" id="s_type" value="{esc(query.s_type or "")}">\n'
        f'<input type="hidden" id="s_keyword" value="{esc(query.keyword or "")}">\n'
        f'<input type="hidden" id="current_params" value="{esc(current)}">\n'
        f'<input type="hidden" id="_GALLTYPE_" value="{config.galltype}">\n'
        f'<input type="hidden" id="list_num" value="{query.list_num}">\n'
        f'<input type="hidden" id="search_head" value="{query.head_id or ""}">\n'
    )
    return esno + rest


def list_block(
    state: GalleryState, query: ListQuery, listing: Listing, design: Design = SITE_DESIGN
) -> str:
    """Table, write button, paging and search form (list pages and below posts)."""
    return (
        table(state, query, listing, design)
        + '<div class="list_bottom_btnbox"><div class="fr"><button type="button" '
        'class="btn_lightpurple font_white btn_write" onclick="writeCheck()">글쓰기</button>'
        "</div></div>\n"
        + paging(state, query, listing)
        + search_box(state, query)
        + (KAKAO_TRAP if query.is_search else "")
    )


def render(state: GalleryState, query: ListQuery, token: str, design: Design = SITE_DESIGN) -> str:
    config = state.config
    listing = resolve(state, query)
    canonical = f"{SITE}{list_path(config.kind)}?id={config.id}"
    title = chrome.gallery_title(config)
    return (
        chrome.head(title, f"{config.name} 갤러리 - 디시인사이드 커뮤니티", canonical)
        + chrome.top(config)
        + head_tabs(state, query)
        + list_block(state, query, listing, design)
        + "</section>\n"
        + chrome.sidebar()
        + "</main>\n"
        + chrome.footer()
        + hidden_inputs(state, query, listing, token, design)
        + chrome.tail_scripts("list")
    )
