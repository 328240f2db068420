"""The comment list a browser renders on a view page, as the comment endpoint's raw records.

When the comment endpoint cannot be used, the crawler reads the comments from the
page a browser has rendered (SITE.md §3.5). This module turns that DOM into the same
:class:`~dccrawl.site.comments.RawComment` records :mod:`dccrawl.site.comments` makes
from the JSON, so ``CommentLoader.add_comment`` normalises both paths identically.

Markup read (SITE.md §3.5, DcScraper's selectors):

* ``ul.cmt_list`` holds the comments; every comment is a ``div.cmt_info[data-no]``
  (top level) or a ``div.reply_info[data-no]`` (reply) — one element per row, in the
  order the page shows them. ``data-article-no`` is the post number.
* A reply's parent is the number in its ``ul.reply_list``'s id (``reply_list_<no>``),
  else the last top-level comment before it — the JSON path's rule for ``c_no``-less rows.
* The writer is the row's ``.gall_writer[data-nick][data-uid][data-ip]`` (the JSON's
  ``name``/``user_id``/``ip``); the time is ``.date_time`` (the JSON's ``reg_date``).
* The memo is ``p.usertxt``'s inner HTML plus any ``img.written_dccon`` (dccon); a voice
  reply has an iframe whose ``src`` carries ``vr=``.
* Deleted rows carry ``.del_reply``. Its text is a notice ("삭제된 댓글입니다."), never the
  comment's: where the page keeps the text (the replica does, like the JSON) it is in
  ``p.usertxt`` as for any row; where it does not, the text is ``None``.
* The 댓글돌이 ad (``.dory``, or a row numbered 0) is dropped, as the JSON path drops
  ``COMMENT_BOY``.
* The comment pager (``.cmt_paging``) shows the current page as ``<em>`` and the others as
  ``viewComments(n, …)`` links, like the JSON's ``pagination``.

Pure: a page (Scrapy response, ``Selector`` or text) in, plain records out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from dccrawl.htmlclean import inner_html
from dccrawl.normalize import parse_int
from dccrawl.site._dom import Page, attr, first, has_class, root_of, text_of
from dccrawl.site.comments import RawComment, last_comment_page
from dccrawl.site.errors import BrokenPage
from dccrawl.site.writers import icon_in_element

# Selectors a browser session waits on and clicks (kept next to the parser that reads them).
COMMENT_LIST = "ul.cmt_list"
COMMENT_ROW = "ul.cmt_list div.cmt_info[data-no], ul.cmt_list div.reply_info[data-no]"
COMMENT_PAGER = ".cmt_paging"
TOTAL_COUNT = "#comment_total_cnt"

_LISTS = etree.XPath(f"//ul[{has_class('cmt_list')}]")
_ROWS = etree.XPath(
    f"descendant::div[@data-no][{has_class('cmt_info')} or {has_class('reply_info')}]"
)
_AD_ANCESTOR = etree.XPath(f"boolean(ancestor::li[{has_class('dory')}])")
_REPLY_LIST = etree.XPath(f"ancestor::ul[{has_class('reply_list')}][1]")
_WRITER = etree.XPath(f"descendant::*[{has_class('gall_writer')}]")
_DATE = etree.XPath(f"descendant::*[{has_class('date_time')}]")
_TEXT = etree.XPath(f"descendant::p[{has_class('usertxt')}]")
_DCCON = etree.XPath(f"descendant::img[{has_class('written_dccon')}]")
_DELETED = etree.XPath(f"boolean(descendant::*[{has_class('del_reply')}])")
_VOICE = etree.XPath("boolean(descendant::iframe[contains(@src, 'vr=')])")
_PAGER = etree.XPath(f"//*[{has_class('cmt_paging')}]")
_CURRENT = etree.XPath("descendant::em")
_TOTAL = etree.XPath("//*[@id='comment_total_cnt']")
_REPLY_LIST_ID = re.compile(r"^reply_list_(\d{1,18})$")


@dataclass(frozen=True)
class RenderedComments:
    """The comments on screen, and where the pager says they are.

    ``page`` is the pager's current page (``None`` without a pager), ``last_page`` its
    highest page number; ``total_count`` the page's "전체 댓글 N" count, if shown.
    """

    comments: list[RawComment]
    page: int | None
    last_page: int | None
    total_count: int | None


def _memo(row: etree._Element) -> str | None:
    """The row's memo as the JSON would give it: text HTML and/or dccon ``<img>``."""
    parts = [inner_html(p) for p in _TEXT(row)]
    parts += [
        etree.tostring(img, method="html", encoding="unicode", with_tail=False)
        for img in _DCCON(row)
    ]
    return "".join(parts) if parts else None


def _parent_from_list(row: etree._Element) -> int | None:
    """The comment a reply answers, from its ``ul.reply_list#reply_list_<no>``."""
    holder = first(_REPLY_LIST(row))
    match = _REPLY_LIST_ID.match(attr(holder, "id") or "")
    return int(match.group(1)) if match else None


def parse_rendered_comments(page: Page) -> RenderedComments:
    """The comments of a rendered view page (or of a fragment holding its comment box).

    Raises :class:`~dccrawl.site.errors.BrokenPage` when there is no comment list at
    all — the page is not a rendered view page. An empty list is no error: it is what
    a post without comments shows. A row without a usable number is skipped.
    """
    root = root_of(page)
    if root is None:
        raise BrokenPage("rendered page could not be parsed")
    lists = _LISTS(root)
    if not lists:
        raise BrokenPage("rendered page without a comment list (ul.cmt_list)")
    comments: list[RawComment] = []
    last_top: int | None = None
    for comment_list in lists:
        for row in _ROWS(comment_list):
            number = parse_int(row.get("data-no"))
            if not number or _AD_ANCESTOR(row):
                continue
            reply = "reply_info" in (row.get("class") or "").split()
            if reply:
                parent = _parent_from_list(row) or last_top
            else:
                parent = None
                last_top = number
            writer = first(_WRITER(row))
            comments.append(
                RawComment(
                    comment_no=number,
                    parent_no=parent,
                    post_no=parse_int(row.get("data-article-no")),
                    depth=1 if reply else 0,
                    name=attr(writer, "data-nick"),
                    user_id=attr(writer, "data-uid"),
                    ip=attr(writer, "data-ip"),
                    reg_date=text_of(first(_DATE(row))),
                    memo=_memo(row),
                    nicktype=None,
                    is_deleted=bool(_DELETED(row)),
                    has_voice=bool(_VOICE(row)),
                    writer_icon=icon_in_element(writer),
                )
            )
    pager = first(_PAGER(root))
    return RenderedComments(
        comments=comments,
        page=parse_int(text_of(first(_CURRENT(pager)))) if pager is not None else None,
        last_page=last_comment_page(inner_html(pager)) if pager is not None else None,
        total_count=parse_int(text_of(first(_TOTAL(root)))),
    )
