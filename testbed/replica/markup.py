"""Markup pieces shared by list, view and comment output: escaping, writers, URLs.

The writer markup reproduces the real variants (SITE.md §2.2, §4): the anonymous
nickname with its ``span.ip``, the member nickname with the gallog icon whose ``title``
and ``alt`` carry the "갤로그로 이동합니다." noise (the icon tells the member's class:
``fix_nik.gif``, ``nik.gif``, ``[fix_]managernik.gif``, ``[fix_]sub_managernik.gif``), and
the operator's nested ``<b>``.
"""

from __future__ import annotations

from html import escape

from .model import PREFIXES, Writer

SITE = "https://gall.dcinside.com"
NSTATIC = "https://nstatic.dcinside.com/dc/w/images"
PLACEHOLDER_IMG = "https://nstatic.dcinside.com/dc/m/img/gallview_loading_ori.gif"


def esc(text: str) -> str:
    """Text and attribute escaping (quotes too, attributes are double-quoted)."""
    return escape(text, quote=True)


def icon_img(writer: Writer) -> str:
    uid = writer.uid or ""
    return (
        f'<img src="{NSTATIC}/{writer.icon}" border="0" '
        f'title="{esc(writer.masked_uid)} : 갤로그로 이동합니다." width="12" height="11" '
        f'style="cursor:pointer;margin-left:2px;" onclick="window.open(\'//gallog.dcinside.com/'
        f'{esc(uid)}\');" alt="갤로그로 이동합니다.">'
    )


def writer_data_attrs(writer: Writer, loc: str) -> str:
    return (
        f'data-nick="{esc(writer.nick)}" data-uid="{esc(writer.uid or "")}" '
        f'data-ip="{esc(writer.ip or "")}" data-loc="{loc}"'
    )


def writer_inner(writer: Writer, nick_class: str = "nickname") -> str:
    """The visible inside of a list cell or the view header's name part; ``nick_class``
    names the name span (``drift.Design.nick_class``)."""
    nick = esc(writer.nick)
    if writer.kind == "anon":
        return (
            f'<span class="{nick_class}" title="{nick}"><em>{nick}</em></span>'
            f'<span class="ip">({esc(writer.ip or "")})</span>'
        )
    if writer.kind == "operator":
        return f"<b><b><b>{nick}</b></b></b>"
    if writer.kind == "brand":
        return f"<b>{nick}</b>"
    return (
        f'<span class="{nick_class} in" title="{nick}" style=""><em>{nick}</em></span>'
        f'<a class="writer_nikcon ">{icon_img(writer)}</a>'
    )


def comment_gallog_icon(writer: Writer) -> str:
    """``gallog_icon`` of the comment JSON, in the quoting styles of the 2021 capture."""
    nick = esc(writer.nick)
    if writer.kind == "anon":
        return (
            f'<span class="nickname"><em title = "{nick}">{nick}</em>'
            f'<span class="ip">({esc(writer.ip or "")})</span></span>'
        )
    uid = esc(writer.uid or "")
    icon = writer.icon or "fix_nik.gif"
    return (
        f"<span class='nickname in' title='{nick}'  ><em>{nick}</em></span>"
        f"<a class='writer_nikcon'><img src='{NSTATIC}/{icon}' border=0 "
        f"title='{esc(writer.masked_uid)} : 갤로그로 이동합니다.'  width='12'  height='11'  "
        f"style='margin-left:2px;cursor:pointer;' "
        f"onClick=\"window.open('//gallog.dcinside.com/{uid}');\" alt='갤로그로 이동합니다.'></a>"
    )


_URL_SPECIALS = str.maketrans({"%": "%25", "&": "%26", "#": "%23", "+": "%2B", "=": "%3D"})


def qs(params: list[tuple[str, str]]) -> str:
    """A query string as the site writes it in links: values raw (Hangul and spaces too, as
    in the captured search links), only URL syntax characters percent-encoded."""
    return "&".join(f"{k}={v.translate(_URL_SPECIALS)}" for k, v in params)


def list_path(kind: str) -> str:
    return f"{PREFIXES[kind]}/lists/"


def view_path(kind: str) -> str:
    return f"{PREFIXES[kind]}/view/"
