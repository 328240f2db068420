"""The comment API as data: the request it wants and the JSON it answers (SITE.md §4).

``POST {base}/board/comment/`` with the view page's context (``e_s_n_o``,
``_GALLTYPE_``, …) and XHR headers answers JSON: ``total_cnt`` (a string in
2018, an int later), ``comments`` (may be ``null``; ``[]`` past the last
page) and ``pagination`` HTML. Rows include the "댓글돌이" ad
(``nicktype: "COMMENT_BOY"``, ``no: 0``) — dropped here — and deleted comments,
which stay in the thread (``del_yn: "Y"``) and are kept, marked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dccrawl.site.errors import BrokenPage, RefusedPage
from dccrawl.site.urls import comment_url, origin
from dccrawl.site.writers import icon_in_html


@dataclass(frozen=True)
class CommentContext:
    """What the comment API needs from a view page (SITE.md §4 form fields).

    ``cmt_id``/``cmt_no`` name the comment thread; they differ from
    ``gallery_id``/``post_no`` only for issue-zoom posts, whose page sets them
    with ``$(document).data('comment_id', …)``. ``gall_type`` is the page's
    ``_GALLTYPE_`` (or the URL's kind when the input is missing).
    """

    gallery_id: str | None
    post_no: int | None
    e_s_n_o: str | None
    gall_type: str | None
    board_type: str | None
    secret_article_key: str | None
    cmt_id: str | None
    cmt_no: int | None
    comment_cnt: int | None


@dataclass(frozen=True)
class RawComment:
    """One comment row as the API gives it; the loader normalises the strings.

    ``parent_no`` is the comment a reply answers (``c_no``); for a reply
    without ``c_no`` it is the last top-level comment before it on the page
    (replies follow their parent in the array). ``memo`` is the raw HTML memo;
    ``has_voice`` marks voice replies (their memo may be empty).
    """

    comment_no: int
    parent_no: int | None
    post_no: int | None
    depth: int
    name: str | None
    user_id: str | None
    ip: str | None
    reg_date: str | None
    memo: str | None
    nicktype: str | None
    is_deleted: bool
    has_voice: bool
    writer_icon: str | None = None  # the gallog icon's name (``fix_nik``), writers.py


@dataclass(frozen=True)
class CommentPage:
    """One page of the comment API.

    ``comments`` excludes ad rows and rows without a number; ``raw_rows``
    counts what the array held (ads included), so ``raw_rows == 0`` means the
    page is past the last one. ``pager_pages`` is every page number the
    ``pagination`` HTML shows or links to: the site draws a window of 15 pages
    plus 처음/이전/다음/끝 links, so from page 1 of 66 that is 1–16 and 66, and
    a pager without 끝 still names the next window's first page. ``last_page``
    is the highest of them (``None`` when it shows none).
    """

    total_count: int | None
    comments: list[RawComment]
    last_page: int | None
    raw_rows: int
    pager_pages: frozenset[int] = frozenset()

    @property
    def is_past_end(self) -> bool:
        """True for the empty page the API returns after the last one."""
        return self.raw_rows == 0


_PAGE_NUMBERS = re.compile(
    r"viewComments\(\s*+['\"]?(\d{1,9})|<em[^>]{0,200}>\s*+(\d{1,9})\s*+</em>|>\s*+(\d{1,9})\s*+<",
    re.ASCII,
)
_AD_NICKTYPES = frozenset({"COMMENT_BOY"})


def comment_form(context: CommentContext, page: int = 1, *, sort: str = "D") -> dict[str, str]:
    """The form body for one page of a post's comments.

    ``sort="D"`` (등록순, oldest first) keeps page boundaries stable while new
    comments arrive at the end. Empty strings, not omissions, for the fields
    the page leaves blank — the browser sends them that way.
    """
    gallery_id = context.gallery_id or ""
    post_no = "" if context.post_no is None else str(context.post_no)
    return {
        "id": gallery_id,
        "no": post_no,
        "cmt_id": context.cmt_id or gallery_id,
        "cmt_no": str(context.cmt_no) if context.cmt_no is not None else post_no,
        "focus_cno": "",
        "focus_pno": "",
        "e_s_n_o": context.e_s_n_o or "",
        "comment_page": str(page),
        "sort": sort,
        "prevCnt": "",
        "board_type": context.board_type or "",
        "_GALLTYPE_": context.gall_type or "G",
        "secret_article_key": context.secret_article_key or "",
    }


def comment_headers(view_url: str, base_url: str | None = None) -> dict[str, str]:
    """Headers the endpoint expects from the page's own XHR (it refuses plain posts)."""
    return {
        "X-Requested-With": "XMLHttpRequest",
        "Referer": view_url,
        "Accept": "application/json, text/javascript, */*; q=0.01",
        "Origin": origin(base_url),
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    }


def comment_request(
    context: CommentContext, view_url: str, page: int = 1, *, base_url: str | None = None
) -> tuple[str, dict[str, str], dict[str, str]]:
    """``(url, formdata, headers)`` for one comment page — what a ``FormRequest`` needs."""
    return comment_url(base_url), comment_form(context, page), comment_headers(view_url, base_url)


def comment_pager_pages(pagination: object) -> frozenset[int]:
    """Every page number in ``pagination``: ``viewComments(n,…)`` links (numbered or
    처음/이전/다음/끝) and the current ``<em>n</em>``; page 0 is no page."""
    if not isinstance(pagination, str) or not pagination:
        return frozenset()
    numbers = (int(next(g for g in m.groups() if g)) for m in _PAGE_NUMBERS.finditer(pagination))
    return frozenset(n for n in numbers if n > 0)


def last_comment_page(pagination: object) -> int | None:
    """The highest page number in ``pagination`` (``viewComments(n,…)`` links, ``<em>n</em>``)."""
    pages = comment_pager_pages(pagination)
    return max(pages) if pages else None


def load_payload(data: str | bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    """The decoded JSON object of a comment response.

    Raises :class:`BrokenPage` for an empty or cut-off body (retry) and
    :class:`RefusedPage` for an answer that is not a comment payload — not JSON
    at all (an HTML error page), or JSON without ``comments``.
    """
    if isinstance(data, Mapping):
        payload: object = data
    else:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if not isinstance(text, str) or not text.strip():
            raise BrokenPage("empty comment response")
        text = text.lstrip("\ufeff \t\r\n")
        try:
            payload = json.loads(text)
        except (ValueError, RecursionError):
            if text[:1] in ("{", "["):
                raise BrokenPage("truncated comment JSON") from None
            raise RefusedPage("comment response is not JSON") from None
    if not isinstance(payload, Mapping) or "comments" not in payload:
        raise RefusedPage("comment response without 'comments'")
    comments = payload["comments"]
    if comments is not None and not isinstance(comments, list):
        raise RefusedPage("comment response with a non-list 'comments'")
    return payload


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = _text(value)
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _is_deleted(row: Mapping[str, Any]) -> bool:
    if str(row.get("del_yn") or "").strip().upper() == "Y":
        return True
    flag = row.get("is_delete")
    return flag not in (None, "", "0", 0, False)


def _icon(gallog_icon: object) -> str | None:
    """The writer's gallog icon named in the row's ``gallog_icon`` HTML (None: no icon)."""
    return icon_in_html(gallog_icon) if isinstance(gallog_icon, str) else None


def _has_voice(row: Mapping[str, Any]) -> bool:
    player = row.get("vr_player")
    if isinstance(player, str) and "vr=" in player:
        return True
    return bool(row.get("voice")) or bool(str(row.get("vr_type") or "").strip())


def parse_comment_page(data: str | bytes | Mapping[str, Any]) -> CommentPage:
    """Parse one comment API response (``response.text``, bytes, or decoded JSON).

    Raises what :func:`load_payload` raises; a row of the wrong shape is
    skipped, never fatal.
    """
    payload = load_payload(data)
    rows = payload.get("comments") or []
    comments: list[RawComment] = []
    last_top: int | None = None
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        nicktype = _text(row.get("nicktype"))
        number = _int(row.get("no"))
        if nicktype in _AD_NICKTYPES or not number:
            continue
        depth = _int(row.get("depth")) or 0
        parent = _int(row.get("c_no")) or None
        if depth == 0 and parent is None:
            last_top = number
        elif parent is None:
            parent = last_top
        comments.append(
            RawComment(
                comment_no=number,
                parent_no=parent,
                post_no=_int(row.get("parent")),
                depth=depth,
                name=_text(row.get("name")),
                user_id=_text(row.get("user_id")),
                ip=_text(row.get("ip")),
                reg_date=_text(row.get("reg_date")),
                memo=_text(row.get("memo")),
                nicktype=nicktype,
                is_deleted=_is_deleted(row),
                has_voice=_has_voice(row),
                writer_icon=_icon(row.get("gallog_icon")),
            )
        )
    pager = comment_pager_pages(payload.get("pagination"))
    return CommentPage(
        total_count=_int(payload.get("total_cnt")),
        comments=comments,
        last_page=max(pager) if pager else None,
        raw_rows=len(rows),
        pager_pages=pager,
    )
