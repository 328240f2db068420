"""The comment endpoint's JSON (``POST /board/comment/``) in the 2026 shape (SITE.md §4).

Keys and value types follow the 2026 samples: ``total_cnt`` int, ``comment_cnt`` 0,
``no`` and ``c_no`` (of replies) strings, ``depth`` int, one ``COMMENT_BOY`` ad row with
``"no": 0`` per non-empty page, ``comments: []`` past the last page. It is encoded the way
PHP's ``json_encode`` does (``\\uXXXX`` escapes, ``\\/``), as in the real captures.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from . import clock, media
from .hashing import hexkey
from .markup import comment_gallog_icon
from .model import Comment, Post

PAGE_SIZE = 100


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
    return "<br>".join(escape(line, quote=False) for line in comment.lines)


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
        "nicktype": "20" if writer.kind in ("fixed", "manager") else "00",
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


def comment_boy(post_no: int, page: int) -> dict[str, Any]:
    key = hexkey(64, "comment-boy", post_no, page)
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


def pagination(page: int, last: int) -> str:
    return "".join(
        f"<em>{k}</em>"
        if k == page
        else f"<a href=\"javascript:viewComments({k},'D',true)\">{k}</a>"
        for k in range(1, last + 1)
    )


def payload(
    post: Post,
    comments: list[Comment],
    page: int,
    now: datetime,
    media_base: str | None = None,
) -> dict[str, Any]:
    """One page (1-based) of a post's comments, oldest thread first, 100 rows a page.

    With ``media_base`` (``serve --media``) dccon URLs point at the replica's own image host;
    the 댓글돌이 ad row's dccon stays on the real host (it is no post's media)."""
    last = -(-len(comments) // PAGE_SIZE)
    rows = comments[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if page >= 1 else []
    objects: list[dict[str, Any]] = [comment_object(c, post.no, now, media_base) for c in rows]
    if objects:
        at = len(objects)
        for i in range(len(rows) // 2, len(rows)):
            if rows[i].parent_no is None:
                at = i
                break
        objects.insert(at, comment_boy(post.no, page))
    return {
        "total_cnt": post.comment_count,
        "comment_cnt": 0,
        "comments": objects,
        "pagination": pagination(page, last),
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
