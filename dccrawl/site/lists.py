"""A gallery list page as data: its rows (which ones are posts) and where its paging leads.

Markup (SITE.md §2): rows are ``table.gall_list tr.ub-content``; only real posts
are crawled — notices (with or without ``us-post``), surveys, ads/power links
and news rows are classified and skipped. Pagination lives in
``div.bottom_paging_box`` (current page in ``<em>``, ``a.page_end`` to the last),
search windows in ``a.search_prev``/``a.search_next``. Links of the Kakao search
widget (``#kakao_search``, ``javascript:`` hrefs) look like paging and are ignored.

Fields come back raw (strings as shown) for the loader to normalise, except
what navigation needs at once: ``post_no`` and the comment/voice counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from dccrawl.normalize import parse_reply_counts
from dccrawl.site._dom import Page, attr, first, has_class, page_text, root_of, text_of
from dccrawl.site.errors import BrokenPage
from dccrawl.site.signals import is_complete
from dccrawl.site.writers import icon_in_element

RowKind = Literal["post", "notice", "survey", "ad", "news", "unknown"]


@dataclass(frozen=True)
class ListRow:
    """One post row of a list page, fields as the page shows them.

    ``writer_nick``/``writer_uid``/``writer_ip`` are the ``data-*`` attributes
    (``None`` when the attribute is absent, ``""`` when empty); ``writer_text``
    is the cell's visible text, the fallback when attributes are missing.
    ``date_title`` is the full ``title`` timestamp, ``date_text`` the short
    visible form. ``comment_count``/``voice_count`` come from ``[N/M]``
    (0 when the row has no reply box).
    """

    post_no: int
    title: str | None
    href: str | None
    head: str | None
    writer_nick: str | None
    writer_uid: str | None
    writer_ip: str | None
    writer_text: str | None
    date_title: str | None
    date_text: str | None
    views: str | None
    recommend: str | None
    reply: str | None
    comment_count: int | None
    voice_count: int | None
    data_type: str | None
    writer_icon: str | None = None  # the gallog icon's file name (``fix_nik``): writers.py
    is_notice: bool = False  # a pinned notice (``icon_notice``), a post with a number

    @property
    def is_recommended(self) -> bool:
        """A 개념글 row: its type (``data-type``) is one of the ``icon_recom*`` icons."""
        return (self.data_type or "").strip().startswith("icon_reco")


@dataclass(frozen=True)
class SearchLink:
    """A link to the previous/next 10,000-post search window."""

    href: str
    search_pos: int | None


@dataclass(frozen=True)
class HeadTab:
    """A 말머리 tab: its ``search_head`` id, label and whether it is the selected one."""

    head_id: int
    label: str | None
    active: bool


@dataclass(frozen=True)
class ListPage:
    """A parsed list page.

    ``rows`` are the post rows in page order (``notices`` the pinned notice rows,
    apart: they are posts, but old ones that must not steer paging); ``row_kinds`` classifies every
    ``tr.ub-content`` in order (posts included) for logs and tests.
    ``current_page`` is the highlighted page, ``last_page`` the end of the
    paging (``a.page_end``, else the highest page link, else the current page).
    ``is_empty`` marks the zero-result table (``table.gall_list.empty``).
    """

    rows: list[ListRow]
    row_kinds: list[RowKind]
    current_page: int | None
    last_page: int | None
    search_prev: SearchLink | None
    search_next: SearchLink | None
    is_empty: bool
    head_tabs: list[HeadTab] = field(default_factory=list)
    e_s_n_o: str | None = None
    # The pinned notices that carry a post number (every list page repeats them).
    notices: list[ListRow] = field(default_factory=list)
    # The page's own hidden inputs: which gallery, of which type (G/M/MI/PR), it lists.
    gallery_id: str | None = None
    galltype: str | None = None


_NOT_KAKAO = "not(ancestor::*[@id='kakao_search'])"
_TABLES = etree.XPath(f"//table[{has_class('gall_list')}][{_NOT_KAKAO}]")
_ROWS = etree.XPath(f".//tr[{has_class('ub-content')}]")
_PAGING = etree.XPath(f"//div[{has_class('bottom_paging_box')}][{_NOT_KAKAO}]")
_PAGING_AFTER = etree.XPath(
    f"boolean(following::div[{has_class('bottom_paging_box')}][{_NOT_KAKAO}])"
)
_SEARCH_LINK = etree.XPath(
    f"//a[{has_class('search_prev')} or {has_class('search_next')}][{_NOT_KAKAO}]"
)
_HEAD_TAB_FILTER = (
    "[contains(@href, 'search_head=') or contains(@href, 'listSearchHead')"
    " or contains(@onclick, 'listSearchHead')]"
    f"[not(ancestor::table)][not(ancestor::*[contains(@class, 'bottom_paging')])][{_NOT_KAKAO}]"
    f"[not({has_class('search_prev')} or {has_class('search_next')})]"
)
_HEAD_TABS = etree.XPath(
    " | ".join(f"descendant::{tag}{_HEAD_TAB_FILTER}" for tag in ("a", "li", "button"))
)
_REPLY_NUM = etree.XPath(f"descendant::*[@class][{has_class('reply_num')}]")
_REPLY_BOX = etree.XPath(f"descendant::*[@class][{has_class('reply_numbox')}]")
_E_S_N_O = etree.XPath("//input[@id='e_s_n_o' or @name='e_s_n_o']/@value")
_GALLERY_ID = etree.XPath("//input[@id='gallery_id']/@value")
_GALLTYPE = etree.XPath("//input[@id='_GALLTYPE_']/@value")
_TITLE_TEXT = etree.XPath(
    "descendant::text()[not(ancestor::em[contains(@class, 'icon')])]"
    "[not(ancestor::*[self::script or self::style])]"
)
_PAGE_PARAM = re.compile(r"[?&;]page=(\d{1,12})(?!\d)", re.ASCII)
_SEARCH_POS = re.compile(r"[?&;]search_pos=(-?\d{1,15})(?!\d)", re.ASCII)
_HEAD_ID = re.compile(r"listSearchHead\(\s*['\"]?(\d{1,9})|search_head=(\d{1,9})", re.ASCII)
_DIGITS = re.compile(r"[0-9]{1,18}")  # bounded: int() of hostile 5,000-digit strings raises
_WS = re.compile(r"\s+")

_NOTICE_MARKS = frozenset({"공지", "notice"})
_SURVEY_MARKS = frozenset({"-", "설문"})
_AD_MARKS = frozenset({"ad", "광고"})
_NEWS_MARKS = frozenset({"뉴스"})


def _cells(tr: etree._Element) -> dict[str, etree._Element]:
    """The row's ``td`` cells by class token (first cell wins for a repeated class)."""
    cells: dict[str, etree._Element] = {}
    for td in tr.iterchildren("td", "th"):
        for token in (td.get("class") or "").split():
            cells.setdefault(token, td)
    return cells


def _subject_label(td: etree._Element | None) -> str | None:
    """A ``td.gall_subject`` label, preferring the hidden full label ``p.subject_inner``."""
    if td is None:
        return None
    for p in td.iter("p"):
        if "subject_inner" in (p.get("class") or "").split():
            full = text_of(p)
            if full:
                return full
    parts = [td.text or ""]
    for child in td:
        if not (child.tag == "p" and "subject_inner" in (child.get("class") or "").split()):
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return _WS.sub(" ", "".join(parts)).strip() or None


def classify_row(tr: etree._Element) -> RowKind:
    """What a ``tr.ub-content`` is: a post, or one of the row kinds never crawled.

    notice: ``data-type="icon_notice"`` or ``공지`` in the number/말머리 cell (minor
    galleries' notices can carry ``us-post``); ad: ``AD`` or a power-link row;
    news: ``뉴스``; survey: ``-``/``설문`` or ``icon_survey``; post: a numeric
    ``data-no``. Anything else is ``unknown`` (skipped, but counted).
    """
    cells = _cells(tr)
    return _classify(tr, cells, _subject_label(cells.get("gall_subject")))


def _classify(tr: etree._Element, cells: dict[str, etree._Element], head: str | None) -> RowKind:
    classes = (tr.get("class") or "").split()
    data_type = (tr.get("data-type") or "").strip()
    num = (text_of(cells.get("gall_num")) or "").lower()
    subject = (head or "").lower()
    if data_type == "icon_notice" or num in _NOTICE_MARKS or subject in _NOTICE_MARKS:
        return "notice"
    data_no = (tr.get("data-no") or "").strip()
    if _DIGITS.fullmatch(data_no) and num == data_no:
        # A numbered row is a post whatever its 말머리 says: galleries have
        # heads named 뉴스 or 설문, and only the number cell tells them apart.
        return "post"
    if num in _AD_MARKS or "power_lk" in classes or "power_link" in classes:
        return "ad"
    if num in _NEWS_MARKS or subject in _NEWS_MARKS:
        return "news"
    if num in _SURVEY_MARKS or subject == "설문" or data_type == "icon_survey":
        return "survey"
    if _DIGITS.fullmatch(data_no):
        return "post"
    return "unknown"


def _row(
    tr: etree._Element,
    cells: dict[str, etree._Element],
    head: str | None,
    *,
    is_notice: bool = False,
) -> ListRow:
    post_no = int((tr.get("data-no") or "").strip())
    tit = cells.get("gall_tit")
    link = None
    reply_el = None
    if tit is not None:
        for a in tit.iter("a"):
            if "reply_numbox" not in (a.get("class") or "").split():
                link = a
                break
        reply_el = first(_REPLY_NUM(tit))
        if reply_el is None:
            reply_el = first(_REPLY_BOX(tit))
    title = None
    if link is not None:
        title = _WS.sub(" ", "".join(_TITLE_TEXT(link))).strip() or None
    reply = text_of(reply_el)
    counts = parse_reply_counts(reply)
    writer = cells.get("gall_writer")
    date = cells.get("gall_date")
    return ListRow(
        post_no=post_no,
        title=title,
        href=attr(link, "href"),
        head=head,
        writer_nick=attr(writer, "data-nick"),
        writer_uid=attr(writer, "data-uid"),
        writer_ip=attr(writer, "data-ip"),
        writer_text=text_of(writer),
        date_title=attr(date, "title"),
        date_text=text_of(date),
        views=text_of(cells.get("gall_count")),
        recommend=text_of(cells.get("gall_recommend")),
        reply=reply,
        comment_count=counts[0] if counts else None,
        voice_count=counts[1] if counts else None,
        data_type=tr.get("data-type"),
        writer_icon=icon_in_element(writer),
        is_notice=is_notice,
    )


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    m = _DIGITS.search(text)
    return int(m.group()) if m else None


def _paging(root: etree._Element) -> tuple[int | None, int | None]:
    """(current page, last page) from the pagination boxes, ignoring ``javascript:`` links."""
    current: int | None = None
    end: int | None = None
    highest: int | None = None
    for box in _PAGING(root):
        for el in box.iter("em", "strong", "a"):
            if el.tag != "a":
                if current is None:
                    current = _int(text_of(el))
                continue
            href = el.get("href") or ""
            if href.strip().lower().startswith("javascript:"):
                continue
            m = _PAGE_PARAM.search(href)
            if m is None:
                continue
            number = int(m.group(1))
            if end is None and "page_end" in (el.get("class") or "").split():
                end = number
            highest = number if highest is None else max(highest, number)
    last = end if end is not None else highest
    if current is not None and (last is None or last < current):
        last = current
    return current, last


def _search_links(root: etree._Element) -> tuple[SearchLink | None, SearchLink | None]:
    prev = nxt = None
    for a in _SEARCH_LINK(root):
        href = a.get("href") or ""
        if not href or href.strip().lower().startswith("javascript:"):
            continue
        m = _SEARCH_POS.search(href)
        link = SearchLink(href, int(m.group(1)) if m else None)
        classes = (a.get("class") or "").split()
        if "search_prev" in classes and prev is None:
            prev = link
        elif "search_next" in classes and nxt is None:
            nxt = link
    return prev, nxt


def _head_tabs(root: etree._Element) -> list[HeadTab]:
    tabs: list[HeadTab] = []
    seen: set[int] = set()
    for el in _HEAD_TABS(root):
        m = _HEAD_ID.search(f"{el.get('href') or ''} {el.get('onclick') or ''}")
        if m is None:
            continue
        head_id = int(m.group(1) or m.group(2))
        if head_id in seen:
            continue
        seen.add(head_id)
        parent = el.getparent()
        classes = set((el.get("class") or "").split())
        if parent is not None and parent.tag == "li":
            classes |= set((parent.get("class") or "").split())
        tabs.append(HeadTab(head_id, text_of(el), bool(classes & {"on", "active", "sel"})))
    return tabs


def parse_list_page(page: Page) -> ListPage:
    """Parse a list page (``response.selector`` or its text).

    Raises :class:`~dccrawl.site.errors.BrokenPage` when the page is not a
    whole list page: no ``table.gall_list``, or no pagination box after it
    (a body cut inside the table) unless it is the zero-result table, or — when
    the text is at hand (a response or a string, not a bare ``Selector``) — no
    closing ``</html>``.
    Individual unreadable cells become ``None``; they never raise.
    """
    text = page_text(page)
    if text is not None and not is_complete(text, "list"):
        raise BrokenPage("list page is incomplete (empty or truncated)")
    root = root_of(page)
    if root is None:
        raise BrokenPage("list page could not be parsed")
    tables = _TABLES(root)
    if not tables:
        raise BrokenPage("list page without table.gall_list")
    table = tables[0]
    is_empty = "empty" in (table.get("class") or "").split()
    if not is_empty and not _PAGING_AFTER(table):
        raise BrokenPage("list page without pagination after the table (truncated?)")
    rows: list[ListRow] = []
    notices: list[ListRow] = []
    kinds: list[RowKind] = []
    for table in tables:
        for tr in _ROWS(table):
            cells = _cells(tr)
            head = _subject_label(cells.get("gall_subject"))
            kind = _classify(tr, cells, head)
            kinds.append(kind)
            if kind == "post":
                rows.append(_row(tr, cells, head))
            elif kind == "notice" and _DIGITS.fullmatch((tr.get("data-no") or "").strip()):
                notices.append(_row(tr, cells, head, is_notice=True))
    current, last = _paging(root)
    prev, nxt = _search_links(root)
    e_s_n_o = _E_S_N_O(root)
    return ListPage(
        rows=rows,
        row_kinds=kinds,
        current_page=current,
        last_page=last,
        search_prev=prev,
        search_next=nxt,
        is_empty=is_empty,
        head_tabs=_head_tabs(root),
        e_s_n_o=str(e_s_n_o[0]) if e_s_n_o else None,
        notices=notices,
        gallery_id=_first_value(_GALLERY_ID(root)),
        galltype=_first_value(_GALLTYPE(root)),
    )


def _first_value(values: list[object]) -> str | None:
    """The first value an XPath found, stripped; None for none or an empty one."""
    if not values:
        return None
    return str(values[0]).strip() or None
