"""The comment endpoint's JSON (``POST /board/comment/``) in the 2026 shape (SITE.md §4).

Keys and value types follow the 2026 samples: ``total_cnt`` int, ``comment_cnt`` 0,
``no`` and ``c_no`` (of replies) strings, ``depth`` int, 2–6 ``COMMENT_BOY`` ad rows with
``"no": 0`` among the 100 real rows of each non-empty page (jackpot's capture: 102–106 raw
rows a page), ``comments: []`` past the last page. ``pagination`` is the site's windowed
pager (:func:`pagination`). It is encoded the way PHP's ``json_encode`` does (``\\uXXXX``
escapes, ``\\/``), as in the real captures.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from . import clock, media
from .hashing import hexkey, rng
from .markup import comment_gallog_icon
from .model import APP_SUFFIX, Comment, Post, Writer

PAGE_SIZE = 100
# Page numbers per pager window: window k shows pages 15k+1..15k+15 (as the list pager).
WINDOW = 15
# Ad rows (댓글돌이) per non-empty page, drawn per (post, page).
MIN_ADS, MAX_ADS = 2, 6


def memo_html(comment: Comment, media_base: str | None = None) -> str:
    """The memo's HTML; a dccon's URL on the replica's own host when ``media_base`` is given."""
    if comment.kind == "dccon":
        title = escape(comment.dccon_title or "", quote=True)
        src = media.served_url(comment.dccon_url or "", media_base)
        return (
            f'<img class="written_dccon" src="{src}" conalt="0" alt="0" '
            f'con_alt="{title}" title="{title}" data-dcconoverstatus="false">'
        )
    if comment.kind == "voice":
        return ""
    memo = "<br>".join(escape(line, quote=False) for line in comment.lines)
    return memo + APP_SUFFIX if comment.via_app else memo


def nicktype(writer: Writer) -> str:
    """The real JSON's two values: ``"00"`` for anonymous and semi-fixed writers (jackpot's
    badge test), ``"20"`` for fixed nicks and for the gallery's managers and sub-managers
    (whichever of their two icons they show)."""
    return "20" if writer.kind in ("fixed", "manager", "sub_manager") else "00"


def comment_object(
    comment: Comment, post_no: int, now: datetime, media_base: str | None = None
) -> dict[str, Any]:
    writer = comment.writer
    member = writer.uid is not None
    voice = comment.kind == "voice"
    return {
        "no": str(comment.no),
        "parent": str(post_no),
        "user_id": writer.uid or "",
        "name": writer.nick,
        "ip": writer.ip or "",
        "reg_date": clock.comment_reg_date(comment.created, now),
        "nicktype": nicktype(writer),
        "t_ch1": "0",
        "t_ch2": "0",
        "vr_type": "1" if voice else "",
        "voice": comment.voice_key if voice else None,
        "rcnt": str(comment.rcnt),
        "c_no": 0 if comment.parent_no is None else str(comment.parent_no),
        "depth": 0 if comment.parent_no is None else 1,
        "del_yn": "Y" if comment.deleted else "N",
        "is_delete": "5" if comment.deleted else "0",
        "password_pop": "N" if member else "Y",
        "copy_no": None,
        "memo": memo_html(comment, media_base),
        "my_cmt": "N",
        "del_btn": "N" if member else "Y",
        "mod_btn": "N",
        "a_my_cmt": "N",
        "reply_w": "Y",
        "chk_kfc": "N",
        "gallog_icon": comment_gallog_icon(writer),
        "vr_player": (
            '<div class="voice_wrap"><iframe width="280px" height="54px" '
            f'src="https://m.dcinside.com/voice/player?vr={comment.voice_key}&vr_open=1" '
            'frameborder="0" scrolling="no"></iframe></div>'
            if voice
            else False
        ),
        "vr_player_tag": "",
    }


def comment_boy(post_no: int, page: int, index: int = 0) -> dict[str, Any]:
    key = hexkey(64, "comment-boy", post_no, page, *((index,) if index else ()))
    return {
        "no": 0,
        "c_no": 0,
        "headnum": "",
        "parent": "",
        "ismember": "",
        "user_id": "",
        "name": "댓글돌이",
        "gallog_icon": '<span class="nickname"><em>댓글돌이</em></span>',
        "memo": f'<img class="written_dccon" src="https://dcimg5.dcinside.com/dccon.php?no={key}" '
        'alt="댓글돌이">',
        "reply_w": "N",
        "ip": "",
        "reg_date": "",
        "nicktype": "COMMENT_BOY",
        "rcnt": 0,
        "depth": 0,
        "del_yn": "N",
        "pw_ad": "N",
        "pw_ch": "",
    }


def _pager_link(page: int, text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<a href=\"javascript:viewComments({page},'D',true)\"{attr}>{text}</a>"


def pagination(page: int, last: int, *, end_link: bool = True) -> str:
    """The pager as the site draws it: the 15-page window holding ``page``.

    The current page is ``<em>n</em>``, the window's other pages ``viewComments(n,…)``
    links. Windows after the first start with 처음 (page 1, ``page_first``) and 이전 (the
    last page of the previous window, ``page_prev``); windows before the last end with
    다음 (the next window's first page, ``page_next``) and 끝 (the last page,
    ``page_end``) — the shape of the site's list pager (SITE.md §2.3), which the comment
    pager shares its icons with. ``end_link=False`` leaves 끝 out (``--comment-pager-no-end``).
    Past the last page the last window is drawn with no current page (jackpot's
    after-last-page capture still has a pager).
    """
    if last < 1:
        return ""
    shown = min(max(page, 1), last)
    start = (shown - 1) // WINDOW * WINDOW + 1
    end = min(start + WINDOW - 1, last)
    parts: list[str] = []
    if start > 1:
        parts.append(_pager_link(1, "처음", "sp_pagingicon page_first"))
        parts.append(_pager_link(start - 1, "이전", "sp_pagingicon page_prev"))
    for k in range(start, end + 1):
        parts.append(f"<em>{k}</em>" if k == page else _pager_link(k, str(k)))
    if end < last:
        parts.append(_pager_link(end + 1, "다음", "sp_pagingicon page_next"))
        if end_link:
            parts.append(_pager_link(last, "끝", "sp_pagingicon page_end"))
    return "".join(parts)


def _with_ads(objects: list[dict[str, Any]], rows: list[Comment], post_no: int, page: int) -> None:
    """Insert 2–6 댓글돌이 rows, each before a thread head (never between a comment and its
    replies), at places drawn per (post, page): the same page always looks the same."""
    r = rng("comment-boys", post_no, page)
    count = r.randint(MIN_ADS, MAX_ADS)
    heads = [i for i in range(1, len(rows)) if rows[i].parent_no is None]
    places = sorted(r.choices([*heads, len(rows)], k=count), reverse=True)
    for index, at in enumerate(places):
        objects.insert(at, comment_boy(post_no, page, index))


def payload(
    post: Post,
    comments: list[Comment],
    page: int,
    now: datetime,
    media_base: str | None = None,
    *,
    end_link: bool = True,
    withhold: bool = False,
) -> dict[str, Any]:
    """One page (1-based) of a post's comments, oldest thread first, 100 rows a page.

    With ``media_base`` (``serve --media``) dccon URLs point at the replica's own image host;
    the 댓글돌이 ad rows' dccons stay on the real host (they are no post's media).
    ``end_link=False``: the pager without 끝. ``withhold``: the page answers no rows, as
    past the end, with ``total_cnt`` and the pager unchanged (``--withhold-comment-page``)."""
    last = -(-len(comments) // PAGE_SIZE)
    rows = comments[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if page >= 1 and not withhold else []
    objects: list[dict[str, Any]] = [comment_object(c, post.no, now, media_base) for c in rows]
    if objects:
        _with_ads(objects, rows, post.no, page)
    return {
        "total_cnt": post.comment_count,
        "comment_cnt": 0,
        "comments": objects,
        "pagination": pagination(page, last, end_link=end_link),
        "allow_reply": 1,
        "comment_view_cnt": len(objects),
        "nft": False,
    }


def empty_payload() -> dict[str, Any]:
    """What a deleted or never-existing post's thread answers."""
    return {
        "total_cnt": 0,
        "comment_cnt": 0,
        "comments": [],
        "pagination": "",
        "allow_reply": 1,
        "comment_view_cnt": 0,
        "nft": False,
    }


def encode(data: dict[str, Any]) -> bytes:
    """PHP ``json_encode`` style: ASCII with ``\\uXXXX`` escapes and escaped slashes."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()
