"""A post's view page as data: header, counters, body, attachments, and the comment context.

Markup (SITE.md §3): the header is ``div.gallview_head`` with the title
(``span.title_headtext`` 말머리 + ``span.title_subject``), the writer block
``div.gall_writer[data-loc="view"]`` (``data-loc`` tells it from the list of
posts printed under the view, whose writer cells are ``data-loc="list"``), the
date ``span.gall_date[title]`` and ``span.gall_count``/``gall_reply_num``/
``gall_comment``. The body is ``div.write_div`` inside ``div.writing_view_box``
(older pages: the box alone); after it comes ``div.btn_recommend_box``.
Hidden inputs (``#e_s_n_o``, ``#_GALLTYPE_``, …) feed the comment API.

One parse per page, one walk over it for the lookups that span the document
(:func:`_scan`), and compiled XPaths within the header: the target is ≤ 3 ms for
an 80 KB page. The list of other posts that the site prints under the post
(``table.gall_list``, half the page's bytes and most of its elements) and the
right-hand column are cut from the text before parsing: nothing of the post is in
them, and every header lookup already ignores table cells (``bench/RESULTS.md``
has the numbers).
The body is returned as raw inner HTML; cleaning it is normalisation
(``dccrawl.htmlclean.clean_body``), done once by the loader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from dccrawl.htmlclean import inner_html
from dccrawl.normalize import parse_int
from dccrawl.site._dom import Page, attr, first, has_class, page_text, root_of, text_of
from dccrawl.site.comments import CommentContext
from dccrawl.site.errors import BrokenPage
from dccrawl.site.signals import is_complete
from dccrawl.site.urls import GALLTYPE, kind_from_url, query_value
from dccrawl.site.writers import icon_in_element


@dataclass(frozen=True)
class ViewPage:
    """A parsed view page, fields as shown (the loader normalises them).

    ``writer_*`` are the writer block's ``data-*`` attributes (``None`` if
    absent), ``writer_text`` its visible nick(+IP) text. ``date_title`` is the
    full ``title`` timestamp, ``date_text`` the visible one. Counters are the
    raw texts (``조회 202``); ``downvotes`` is ``None`` when the gallery has no
    비추 box. ``body_html`` is the body's raw inner HTML (a page without a body
    is reported as broken instead).
    ``attachments`` are (URL, file name) pairs, the URL made absolute when the
    page's ``url`` is given.
    """

    title: str | None
    head: str | None
    writer_nick: str | None
    writer_uid: str | None
    writer_ip: str | None
    writer_text: str | None
    date_title: str | None
    date_text: str | None
    views: str | None
    recommend: str | None
    recommend_fixed: str | None
    downvotes: str | None
    comment_count: str | None
    body_html: str
    body_source: str | None
    attachments: list[tuple[str, str | None]]
    context: CommentContext
    hidden: dict[str, str] = field(default_factory=dict)
    writer_icon: str | None = None  # the writer block's gallog icon name (writers.py)


_SCOPED_WRITER = etree.XPath(f".//*[{has_class('gall_writer')}]")
_NICK = etree.XPath(f".//*[{has_class('nickname')}]")
_IP = etree.XPath(f".//*[{has_class('ip')}]")
# Outside a header, only the tags the real header uses count (and never inside the
# list printed below the post, whose cells are ``td``); name tests keep the scans cheap.
_COUNTER_TAGS = {
    "gall_date": ("span",),
    "gall_count": ("span",),
    "gall_reply_num": ("span",),
    "gall_comment": ("span",),
    "title_subject": ("span", "h3"),
    "title_headtext": ("span",),
    "nickname": ("span", "em"),
}
_COUNTER = {
    name: tuple(
        etree.XPath(f"descendant::{tag}[{has_class(name)}][not(ancestor::td)]") for tag in tags
    )
    for name, tags in _COUNTER_TAGS.items()
}
# The landmark ``div``s, by class token (the first of each kind in document order).
_LANDMARKS = frozenset(
    {"gallview_head", "write_div", "writing_view_box", "btn_recommend_box", "appending_file_box"}
)
_RECOMMEND_AFTER = etree.XPath(f"boolean(following::div[{has_class('btn_recommend_box')}])")
_UP_NUM = etree.XPath(f".//*[{has_class('up_num')}]")
_SUP_NUM = etree.XPath(f".//*[{has_class('sup_num')}]//*[{has_class('smallnum')}]")
_DOWN_BOX = etree.XPath(f".//*[{has_class('down_num_box')}]")
_DOWN_NUM = etree.XPath(f".//*[{has_class('down_num')}]")
_ATTACHMENTS = etree.XPath(f".//ul[{has_class('appending_file')}]/li//a")
_DOC_DATA = re.compile(
    r"""\$\(\s*document\s*\)\s*\.\s*data\(\s*['"](comment_id|comment_no)['"]\s*,\s*['"]([^'"]*)['"]"""
)
# The list of posts under the post: ``<table class="gall_list">`` after the recommend box.
_POST_LIST = re.compile(
    r"""<table\b[^>]*?\bclass\s*=\s*["'](?:[^"']*\s)?gall_list(?:\s[^"']*)?["']""",
    re.IGNORECASE,
)
# The right-hand column: ``<section class="right_content">`` (best posts, news, media).
_RIGHT_COLUMN = re.compile(
    r"""<section\b[^>]*?\bclass\s*=\s*["'](?:[^"']*\s)?right_content(?:\s[^"']*)?["']""",
    re.IGNORECASE,
)
_HIDDEN_KEYS = (
    "e_s_n_o",
    "_GALLTYPE_",
    "board_type",
    "secret_article_key",
    "gallery_id",
    "id",
    "no",
    "comment_cnt",
)


def _by_class(scope: etree._Element | None) -> dict[str, etree._Element]:
    """The first element below ``scope`` of each class token (one walk of the header
    instead of an XPath per field)."""
    found: dict[str, etree._Element] = {}
    if scope is None:
        return found
    for el in scope.iterdescendants(etree.Element):
        classes = el.get("class")
        if classes:
            for token in classes.split():
                found.setdefault(token, el)
    return found


def _one(
    root: etree._Element, header: dict[str, etree._Element], name: str
) -> etree._Element | None:
    """The first element of class ``name`` in the header (``_by_class``), else in the page
    (outside tables)."""
    el = header.get(name)
    if el is not None:
        return el
    for xpath in _COUNTER[name]:
        el = first(xpath(root))
        if el is not None:
            return el
    return None


def without_post_list(text: str) -> str:
    """The page without what the site prints around the post that the post never is in.

    Cut, when they start after ``btn_recommend_box`` (so never from inside the
    post's body): the list of other posts (``table.gall_list``) and the right-hand
    column (``section.right_content``: best posts, news, media), each only when no
    element of its own tag is nested in it. Anything else, and a page where these
    are not found so, is kept whole.
    """
    box = text.find("btn_recommend_box")
    if box < 0:
        return text
    for start_tag, tag, name in (
        (_POST_LIST, "table", "gall_list"),
        (_RIGHT_COLUMN, "section", "right_content"),
    ):
        text = _without_block(text, start_tag, tag, name, box)
    return text


def _without_block(text: str, start_tag: re.Pattern[str], tag: str, name: str, after: int) -> str:
    """``text`` without the first element ``start_tag`` finds after ``after`` (unnested).

    The start tag holds ``name`` in its class: ``str.find`` jumps from one ``name``
    to the next and the pattern is only tried on the tag around it, instead of
    scanning 60 KB character by character."""
    block = None
    at = text.find(name, after)
    while at >= 0 and block is None:
        begin = text.rfind("<", after, at)
        found = start_tag.match(text, begin) if begin >= 0 else None
        block = found if found is not None and found.end() > at else None
        at = text.find(name, at + len(name))
    if block is None:
        return text
    close = f"</{tag}>"
    end = text.find(close, block.end())
    if end < 0 or text.find(f"<{tag}", block.end(), end) >= 0:
        return text
    return text[: block.start()] + text[end + len(close) :]


@dataclass
class _Scan:
    """What one walk over the page finds: every lookup that needs the whole document.

    Each separate XPath over a 35 KB page costs a full traversal (~0.07 ms); the
    landmarks, the post's writer block, the hidden inputs and the comment-thread
    scripts used to be four of them (``bench/RESULTS.md``).
    """

    landmarks: dict[str, etree._Element] = field(default_factory=dict)
    view_writer: etree._Element | None = None  # the first div.gall_writer[data-loc=view]
    hidden: dict[str, str] = field(default_factory=dict)  # hidden inputs by id, then name
    document_data: dict[str, str] = field(default_factory=dict)  # $(document).data(k, v)


def _scan(root: etree._Element) -> _Scan:
    """One pass over the ``div``, ``input`` and ``script`` elements, in document order."""
    found = _Scan()
    landmarks, hidden, data = found.landmarks, found.hidden, found.document_data
    for el in root.iter("div", "input", "script"):
        tag = el.tag
        if tag == "div":
            classes = el.get("class")
            if not classes:
                continue
            tokens = classes.split()
            for token in tokens:
                if token in _LANDMARKS and token not in landmarks:
                    landmarks[token] = el
            if (
                found.view_writer is None
                and "gall_writer" in tokens
                and el.get("data-loc") == "view"
            ):
                found.view_writer = el
        elif tag == "input":
            if (el.get("type") or "").strip().lower() != "hidden":
                continue
            value = el.get("value") or ""
            for key in (el.get("id"), el.get("name")):
                if key and key not in hidden:
                    hidden[key] = value
        else:
            code = el.text
            if code and ("comment_id" in code or "comment_no" in code):
                for key, value in _DOC_DATA.findall(code):
                    data.setdefault(key, value)
    return found


def _writer(
    root: etree._Element, scope: etree._Element | None, block: etree._Element | None
) -> tuple[etree._Element | None, str | None]:
    """The post's writer block and its visible nick(+IP) text (never a comment's or a row's).

    ``block`` is the page's ``div.gall_writer[data-loc=view]`` when it has one."""
    if block is None and scope is not None:
        block = first(_SCOPED_WRITER(scope))
    holder = block if block is not None else scope
    nick = first(_NICK(holder)) if holder is not None else None
    if nick is None and block is None:
        nick = _one(root, {}, "nickname")
    ip = first(_IP(holder)) if holder is not None else None
    if nick is None:
        return block, None
    sibling = nick.getnext()
    if ip is None and sibling is not None and "ip" in (sibling.get("class") or "").split():
        ip = sibling
    text = " ".join(t for t in (text_of(nick) or attr(nick, "title"), text_of(ip)) if t)
    return block, text or None


def _context(hidden: dict[str, str], url: str | None, data: dict[str, str]) -> CommentContext:
    gallery_id = (
        hidden.get("gallery_id") or hidden.get("id") or (query_value(url, "id") if url else None)
    )
    post_no = parse_int(hidden.get("no")) or (parse_int(query_value(url, "no")) if url else None)
    # The page's own code wins (the server knows best); the URL's kind fills a gap.
    gall_type = (hidden.get("_GALLTYPE_") or "").strip() or None
    if gall_type is None and url:
        kind = kind_from_url(url)
        gall_type = GALLTYPE[kind] if kind else None
    return CommentContext(
        gallery_id=gallery_id,
        post_no=post_no,
        e_s_n_o=hidden.get("e_s_n_o"),
        gall_type=gall_type,
        board_type=hidden.get("board_type"),
        secret_article_key=hidden.get("secret_article_key"),
        cmt_id=data.get("comment_id") or gallery_id,
        cmt_no=parse_int(data.get("comment_no")) or post_no,
        comment_cnt=parse_int(hidden.get("comment_cnt")),
    )


def parse_view(page: Page, url: str | None = None) -> ViewPage:
    """Parse a view page (``response.selector`` or its text); ``url`` fills context gaps.

    Raises :class:`~dccrawl.site.errors.BrokenPage` when the page is not a
    whole view page: no body (``div.write_div``/``div.writing_view_box``), or
    no recommend box after it (a body cut off mid-post loses everything after
    the cut), or — when the text is at hand (a response or a string, not a bare
    ``Selector``) — no closing ``</html>``. Missing header fields come back
    ``None`` and never raise.
    """
    text = page_text(page)
    if text is not None and not is_complete(text, "view"):
        raise BrokenPage("view page is incomplete (empty or truncated)")
    root = root_of(without_post_list(text) if text is not None else page)
    if root is None:
        raise BrokenPage("view page could not be parsed")
    scan = _scan(root)
    marks = scan.landmarks
    body = marks.get("write_div")
    source = "write_div"
    if body is None:
        body = marks.get("writing_view_box")
        source = "writing_view_box"
    if body is None:
        raise BrokenPage("view page without a body (write_div)")
    box = marks.get("btn_recommend_box")
    if box is None or not _RECOMMEND_AFTER(body):
        raise BrokenPage("view page without the recommend box after the body (truncated?)")

    scope = marks.get("gallview_head")
    header = _by_class(scope)
    block, writer_text = _writer(root, scope, scan.view_writer)
    date = _one(root, header, "gall_date")
    down_box = first(_DOWN_BOX(box))
    hidden = scan.hidden
    attachments: list[tuple[str, str | None]] = []
    files = marks.get("appending_file_box")
    for a in _ATTACHMENTS(files) if files is not None else ():
        href = (a.get("href") or "").strip()
        if href and not href.lower().startswith("javascript:"):
            attachments.append((urljoin(url, href) if url else href, text_of(a)))
    recommend = text_of(_one(root, header, "gall_reply_num")) or text_of(first(_UP_NUM(box)))
    return ViewPage(
        title=text_of(_one(root, header, "title_subject")),
        head=text_of(_one(root, header, "title_headtext")),
        writer_nick=attr(block, "data-nick"),
        writer_uid=attr(block, "data-uid"),
        writer_ip=attr(block, "data-ip"),
        writer_text=writer_text,
        writer_icon=icon_in_element(block),
        date_title=attr(date, "title"),
        date_text=text_of(date),
        views=text_of(_one(root, header, "gall_count")),
        recommend=recommend,
        recommend_fixed=text_of(first(_SUP_NUM(box))),
        downvotes=text_of(first(_DOWN_NUM(down_box))) if down_box is not None else None,
        comment_count=text_of(_one(root, header, "gall_comment")) or hidden.get("comment_cnt"),
        body_html=inner_html(body),
        body_source=source,
        attachments=attachments,
        context=_context(hidden, url, scan.document_data),
        hidden={k: hidden[k] for k in _HIDDEN_KEYS if k in hidden},
    )
