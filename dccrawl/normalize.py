"""Pure functions that turn DCInside's displayed strings into the database's values.

The site shows the same fact in many spellings — a time as ``15:59``, ``05.22``,
``15.12.17``, ``25/05/19`` or ``2024-07-19 15:59:28``; a writer as data
attributes, as ``ㅇㅇ(118.235)`` or as ``코비갤로그로 이동합니다.``; a count as
``조회 202`` or ``[3/1]``. Every spelling is decoded here, once, so the loaders
(``dccrawl/loaders.py``), the tests and anyone reading the stored rows agree on
one meaning (the field rules of ``dccrawl/items.py``).

Nothing here raises on odd input: a value that cannot be read becomes ``None``
(or an empty result), because one unreadable cell must not lose a whole page.
No function reads the clock unless a relative time is given without a reference.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

KST = timezone(timedelta(hours=9), "KST")
"""Korea Standard Time. Korea has no daylight saving time, so a fixed offset is exact."""

# A year-less date may lie at most this far after the reference (clock skew,
# a post made just after the page was rendered); later means "last year".
YEAR_ROLLBACK_SLACK = timedelta(days=1)
# A date-less ``HH:MM`` may lie at most this far after the reference; later
# means "yesterday" (the list was fetched just after midnight).
DAY_ROLLBACK_SLACK = timedelta(minutes=10)

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# -------------------------------------------------------------------- text


def clean_text(value: object) -> str | None:
    """Collapse every whitespace run (incl. NBSP, U+3000, newlines) to one space and strip.

    Titles, nicks and labels are compared and stored as single-line strings; an
    empty result is ``None`` so that "missing" has one spelling.
    """
    if value is None:
        return None
    text = _WS.sub(" ", _CONTROL.sub("", str(value))).strip()
    return text or None


def _ascii_digits(text: str) -> str:
    """Fold full-width and other compatibility digits/punctuation to ASCII (NFKC)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# -------------------------------------------------------------------- times


class ParsedTime(NamedTuple):
    """A time read from one site string, with how much of it the string stated.

    ``precision`` counts what was explicit: +1 for the year, +1 for the clock
    time, +1 for the seconds. ``2024-07-19 15:59:28`` is 3, ``15:59`` is 1,
    ``05.22`` is 0; the most precise reading of a field wins (see :func:`best_time`).
    """

    value: datetime
    precision: int


_T = r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_FULL_DATE = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?" + _T, re.ASCII)
_SHORT_YEAR = re.compile(r"(\d{2})[./](\d{1,2})[./](\d{1,2})\.?" + _T, re.ASCII)
_MONTH_DAY = re.compile(r"(\d{1,2})[./](\d{1,2})\.?" + _T, re.ASCII)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def as_kst(value: datetime) -> datetime:
    """An aware datetime in KST; a naive one is taken to be KST already (the site's zone)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=KST)
    return value.astimezone(KST)


def _reference(reference: datetime | None) -> datetime:
    return as_kst(reference) if reference is not None else datetime.now(KST)


Clock = tuple[str | None, str | None, str | None]
"""Hours, minutes, seconds as matched (``None`` where the form has none)."""


def _build(y: int, mo: int, d: int, clock: Clock) -> datetime:
    """A KST datetime, or ValueError for an impossible date/time such as 02.30 or 25:00."""
    h, mi, s = clock
    return datetime(y, mo, d, int(h or 0), int(mi or 0), int(s or 0), tzinfo=KST)


def _precision(year: bool, h: str | None, s: str | None) -> int:
    return int(year) + int(h is not None) + int(s is not None)


def parse_time(value: object, reference: datetime | None = None) -> ParsedTime | None:
    """Read any of the site's time spellings as a KST datetime.

    Forms: ``YYYY-MM-DD HH:MM:SS`` / ``YYYY.MM.DD HH:MM[:SS]`` (title attributes,
    view text, comments of earlier years), ``YY.MM.DD [HH:MM:SS]`` and
    ``YY/MM/DD`` (older list rows, 2018 comments, surveys), ``MM.DD [HH:MM[:SS]]``
    (this year's rows and comments), ``HH:MM`` (today's rows). Date-only forms
    map to 00:00:00.

    Year-less forms take the reference's year, or the year before when that
    would put them more than a day after the reference; ``HH:MM`` takes the
    reference's date, or the day before when more than a few minutes after it.
    The reference is when the page was fetched (now when omitted).
    A ``datetime`` passes through (converted to KST).
    """
    if isinstance(value, datetime):
        return ParsedTime(as_kst(value), 3)
    if isinstance(value, date):
        return ParsedTime(datetime(value.year, value.month, value.day, tzinfo=KST), 1)
    text = clean_text(value)
    if text is None or len(text) > 40:
        return None
    text = _ascii_digits(text)
    try:
        if m := _FULL_DATE.fullmatch(text):
            y, mo, d, h, mi, s = m.groups()
            value = _build(int(y), int(mo), int(d), (h, mi, s))
            return ParsedTime(value, _precision(True, h, s))
        if m := _SHORT_YEAR.fullmatch(text):
            yy, mo, d, h, mi, s = m.groups()
            ref = _reference(reference)
            year = 2000 + int(yy)
            if year > ref.year + 1:  # 99.01.01 is 1999, not 2099
                year -= 100
            return ParsedTime(_build(year, int(mo), int(d), (h, mi, s)), _precision(True, h, s))
        if m := _MONTH_DAY.fullmatch(text):
            mo, d, h, mi, s = m.groups()
            return _month_day(int(mo), int(d), (h, mi, s), _reference(reference))
        if m := _CLOCK.fullmatch(text):
            h, mi, s = m.groups()
            ref = _reference(reference)
            result = _build(ref.year, ref.month, ref.day, (h, mi, s))
            if result > ref + DAY_ROLLBACK_SLACK:
                result -= timedelta(days=1)
            return ParsedTime(result, _precision(False, h, s))
    except (ValueError, OverflowError):
        return None
    return None


def _month_day(mo: int, d: int, clock: Clock, ref: datetime) -> ParsedTime | None:
    """``MM.DD``: this year, or last year when that lands after the reference (+slack)."""
    precision = _precision(False, clock[0], clock[2])
    try:
        result = _build(ref.year, mo, d, clock)
    except ValueError:
        # 02.29 in a common year can only be last year's (a leap year).
        try:
            return ParsedTime(_build(ref.year - 1, mo, d, clock), precision)
        except ValueError:
            return None
    if result > ref + YEAR_ROLLBACK_SLACK:
        try:
            result = result.replace(year=ref.year - 1)
        except ValueError:
            return None
    return ParsedTime(result, precision)


def parse_kst(value: object, reference: datetime | None = None) -> datetime | None:
    """:func:`parse_time` without the precision: the datetime or ``None``."""
    parsed = parse_time(value, reference)
    return parsed.value if parsed else None


def best_time(values: Iterable[object], reference: datetime | None = None) -> datetime | None:
    """The most precise reading among several spellings of one time.

    A list row or view header gives both ``title="2024-07-19 15:59:28"`` and the
    visible ``15:59``; the full title wins whatever order they come in, and the
    visible text is the fallback when the title is missing. Ties keep the first.
    """
    best: ParsedTime | None = None
    for value in values:
        parsed = parse_time(value, reference)
        if parsed is not None and (best is None or parsed.precision > best.precision):
            best = parsed
    return best.value if best else None


# -------------------------------------------------------------------- counts

_NUMBER = re.compile(r"\d[\d,]{0,24}", re.ASCII)  # bounded: see parse_int
# Counts are stored as PostgreSQL integer, numbers as bigint. A value beyond
# those is garbage (no post has 2 billion views), and storing it would fail the row.
COUNT_MAX = 2**31 - 1
NUMBER_MAX = 2**63 - 1


_REPLY = re.compile(r"\[?\s*(\d[\d,]{0,24})\s*(?:/\s*(\d[\d,]{0,24})\s*)?\]?", re.ASCII)


def _bounded(value: int, limit: int) -> int | None:
    """``value`` if it fits the column it is stored in, else None (garbage, not a count)."""
    return value if 0 <= value <= limit else None


def parse_int(value: object) -> int | None:
    """A non-negative integer from an int or an all-digit string (post and comment numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _bounded(value, NUMBER_MAX)
    text = clean_text(value)
    if text is None:
        return None
    text = _ascii_digits(text)
    # Bounded length: int() refuses strings over 4,300 digits, and no DC number has 19.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def parse_count(value: object) -> int | None:
    """The first number in a count cell: ``조회 202`` → 202, ``1,234`` → 1234, ``[4]`` → 4.

    ``-`` (and any cell without digits) is ``None``, not 0: the site prints ``-``
    where it withholds the number (survey and news rows), and storing 0 would
    record a fact nobody saw. An absent box is the caller's business (``None``
    for the 비추 box of galleries without one).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _bounded(value, COUNT_MAX)
    text = clean_text(value)
    if text is None:
        return None
    m = _NUMBER.search(_ascii_digits(text))
    return _bounded(int(m.group().replace(",", "")), COUNT_MAX) if m else None


def parse_reply_counts(value: object) -> tuple[int, int] | None:
    """``[N]`` / ``[N/M]`` → (comments, voice replies); no reply box at all → (0, 0).

    The list shows the box only when a post has comments, so its absence means
    zero. Text without the pattern is ``None`` (unreadable, not zero).
    """
    text = clean_text(value)
    if text is None:
        return (0, 0)
    m = _REPLY.fullmatch(_ascii_digits(text))
    if m is None:
        return None
    comments = _bounded(int(m.group(1).replace(",", "")), COUNT_MAX)
    voice = _bounded(int(m.group(2).replace(",", "")), COUNT_MAX) if m.group(2) else 0
    return None if comments is None or voice is None else (comments, voice)


def parse_bool(value: object) -> bool | None:
    """``True``/``"Y"``/``"1"``/``"true"`` and their opposites; anything else is ``None``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = (clean_text(value) or "").lower()
    if text in {"y", "yes", "1", "true", "t"}:
        return True
    if text in {"n", "no", "0", "false", "f"}:
        return False
    return None


# -------------------------------------------------------------------- head, title


def clean_head(value: object) -> str | None:
    """말머리 without brackets: ``[일반]`` → ``일반``; blank or ``[]`` → ``None``."""
    text = clean_text(value)
    if text is None:
        return None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return text or None


# -------------------------------------------------------------------- writers


class Writer(NamedTuple):
    """A post or comment writer as the database stores it.

    ``uid`` is the login id of members (fixed or semi-fixed nicks), ``ip`` the
    two-octet prefix of anonymous writers; at most one of them is set. Writers
    read from visible text alone can be members whose uid the text never shows:
    then ``member`` is true and ``uid`` is ``None``.
    """

    nick: str | None
    uid: str | None
    ip: str | None
    member: bool = False


# Searched only near the end of the text (``pos=``), with bounded/possessive runs:
# an unbounded ``\S*`` before a ``$`` anchor is quadratic on a hostile 20 KB "nick".
_GALLOG_NOISE = re.compile(r"\s*+갤로그로\s*+이동합니다\.?\s*+$")
_MASKED_UID = re.compile(r"\s*+\S{0,40}\*+\s*+:\s*+$")
_IP_BLOCKED = re.compile(r"\s*\(\s*IP\s*차단\s*\)\s*", re.IGNORECASE)
_IP_SUFFIX = re.compile(
    r"\s*+\(\s*+(\d{1,3}\.\d{1,3})(?:\.(?:\d{1,3}|\*{1,3})){0,2}\s*+\)\s*+$", re.ASCII
)
_TAIL = 64  # the noise and IP suffixes are short: look at the end of the text only
_IP = re.compile(r"\(?\s*(\d{1,3})\.(\d{1,3})(?:\.(?:\d{1,3}|\*+)){0,2}\s*\)?", re.ASCII)


def normalize_ip(value: object) -> str | None:
    """The two-octet IP prefix: ``118.235``, ``(1.214)``, masked ``220.127.*.*`` → ``220.127``."""
    text = clean_text(value)
    if text is None:
        return None
    m = _IP.fullmatch(_ascii_digits(text))
    return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def clean_uid(value: object) -> str | None:
    """A member's login id; the empty ``data-uid=""`` of anonymous writers is ``None``."""
    text = clean_text(value)
    if text is None or " " in text:
        return None
    return text


def clean_nick(value: object) -> str | None:
    """A nickname without IP, ``(IP차단)`` or gallog noise (``…갤로그로 이동합니다.``)."""
    return split_writer_text(value).nick


def split_writer_text(value: object) -> Writer:
    """Read a writer from its visible text, as the seed page and naive extraction show it.

    Strings are answered from a cache: a crawl reads the same few thousand nicks
    (``ㅇㅇ(110.8)``…) hundreds of thousands of times, three regex passes each.

    ``ㅇㅇ(110.8)`` → nick ㅇㅇ, ip 110.8; ``코비갤로그로 이동합니다.`` → member nick
    코비 (the gallog icon's alt text is noise; the uid is not in the text);
    ``우주방어(IP차단)`` → 우주방어. ``(IP차단)`` marks a blocked writer, never a nick.
    """
    if isinstance(value, str) and len(value) <= _CACHED_NICK_CHARS:
        return _split_writer_string(value)
    return _split_writer(value)


_CACHED_NICK_CHARS = 100  # real nick texts are far shorter; a hostile one is not kept


@lru_cache(maxsize=8192)
def _split_writer_string(value: str) -> Writer:
    return _split_writer(value)


def _split_writer(value: object) -> Writer:
    text = clean_text(value)
    if text is None:
        return Writer(None, None, None)
    text = _IP_BLOCKED.sub(" ", text).strip()
    member = False
    noise = _GALLOG_NOISE.search(text, max(0, len(text) - _TAIL))
    if noise:
        member = True
        text = text[: noise.start()]
        masked = _MASKED_UID.search(text, max(0, len(text) - _TAIL))  # "301rs3xp0c** :"
        if masked:
            text = text[: masked.start()]
    ip = None
    m = None if member else _IP_SUFFIX.search(text, max(0, len(text) - _TAIL))
    if m:
        ip = normalize_ip(m.group(1))
        text = text[: m.start()]
    return Writer(clean_text(text), None, ip, member)


def resolve_writer(
    nick: object = None, uid: object = None, ip: object = None, text: object = None
) -> Writer:
    """One writer from the ``data-nick``/``data-uid``/``data-ip`` attributes and the visible text.

    The attributes are authoritative where present (they carry the uid and
    never the gallog noise); the text fills in only what the attributes lack —
    the nick when ``data-nick`` is missing, the IP only when neither ``data-uid``
    nor ``data-ip`` exists at all (a page without data attributes).
    """
    from_text = split_writer_text(text)
    writer_nick = clean_nick(nick) or from_text.nick
    writer_uid = clean_uid(uid)
    writer_ip = None if writer_uid else normalize_ip(ip)
    if uid is None and ip is None and writer_ip is None:
        writer_ip = from_text.ip
    member = writer_uid is not None or (uid is None and from_text.member)
    return Writer(writer_nick, writer_uid, writer_ip, member)


# -------------------------------------------------------------------- bodies

# Elements that are never part of what the writer wrote: code, embeds and ad slots.
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "ins", "frame", "frameset")
_DROP_IDS = ("zzbang_div", "zzbang_ad")
_DROP_CLASSES = ("adsbygoogle", "adv-groupin", "zzbang", "taboola", "trc_related_container")


def _class_test(name: str) -> str:
    return (
        f"(contains(@class, '{name}')"
        f" and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"
    )


# Unions of name tests: much faster in libxml2 than one ``descendant::*[self::a or …]``.
_DROP_XPATH = etree.XPath(
    " | ".join(f"descendant::{t}" for t in _DROP_TAGS)
    + " | descendant::*[@id]["
    + " or ".join(f"@id='{i}'" for i in _DROP_IDS)
    + " or starts-with(@id, 'taboola')]"
    + " | descendant::*[@class]["
    + " or ".join(_class_test(c) for c in _DROP_CLASSES)
    + "]"
)
_HANDLER_XPATH = etree.XPath("descendant-or-self::*[@*[starts-with(name(), 'on')]]")
_SCRIPT_URL_XPATH = etree.XPath(
    "descendant-or-self::*[@*[contains(translate(., 'SCRIPT', 'script'), 'script')]]"
)
# fmt: off
_URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "data-original", "data-src", "poster", "background",
    "lowsrc", "dynsrc", "xlink:href", "srcset", "data", "codebase", "cite", "longdesc",
})
# fmt: on
# Browsers drop ASCII whitespace and controls anywhere in a URL: "java\tscript:" runs.
_URL_NOISE = re.compile(r"[\x00-\x20]+")
_SCRIPT_SCHEME = re.compile(r"(?:javascript|vbscript|livescript):", re.IGNORECASE)
# fmt: off
_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "menu", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
)
# fmt: on
# On lxml's own serialisation a tag is exactly ``<…>`` (it escapes ``<``/``>`` inside
# attribute values and text), so regexes can turn it into text without a tree walk.
_LINE_BREAK_TAG = re.compile(
    r"<(?:br\b[^>]*|/?(?:" + "|".join(_BLOCK_TAGS) + r")\b[^>]*)>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"<[^>]*>")
_INLINE_WS = re.compile(r"[^\S\n]+")
# Lazy-loading placeholders and static UI assets: never a post's image.
_PLACEHOLDER_NAMES = frozenset(
    {"gallview_loading_ori.gif", "m_webp.png", "loading.gif", "blank.gif"}
)
_IMAGE_SOURCES = ("data-original", "data-src", "src")


class CleanBody(NamedTuple):
    """A post body three ways: safe HTML, visible text, and its image URLs in order."""

    html: str
    text: str
    image_urls: tuple[str, ...]


def _fragment(raw: str) -> lxml.html.HtmlElement | None:
    """Parse an HTML fragment under one ``<div>``; ``None`` if even a sanitised copy fails."""
    raw = _CONTROL.sub("", raw)
    for attempt in (raw, raw.encode("utf-8", "replace").decode("utf-8")):
        try:
            return lxml.html.fragment_fromstring(attempt, create_parent="div")
        except (etree.ParserError, ValueError, UnicodeError):
            continue
    return None


def _strip_noise(root: lxml.html.HtmlElement) -> None:
    """Remove ads, scripts, comments, event handlers and script URLs, in place."""
    for el in _DROP_XPATH(root):
        el.drop_tree()
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        el.drop_tree()
    for el in _HANDLER_XPATH(root):
        for name in [n for n in el.attrib if n.lower().startswith("on")]:
            del el.attrib[name]
    for el in _SCRIPT_URL_XPATH(root):
        for name in [n for n in el.attrib if n.lower() in _URL_ATTRIBUTES]:
            if is_script_url(el.attrib[name]):
                del el.attrib[name]


def is_script_url(value: str) -> bool:
    """True for ``javascript:``/``vbscript:`` URLs, however spaced or cased."""
    return _SCRIPT_SCHEME.match(_URL_NOISE.sub("", value)) is not None


def inner_html(root: etree._Element) -> str:
    """The serialised content of ``root``: one ``tostring``, its own start and end tags cut off.

    lxml escapes ``>`` inside attribute values, so the first ``>`` ends the start tag.
    """
    outer = etree.tostring(root, method="html", encoding="unicode", with_tail=False)
    start = outer.find(">") + 1
    end = outer.rfind("</")
    return outer[start:end].strip() if 0 < start <= end else ""


def html_text(markup: str) -> str:
    """Visible text of lxml-serialised HTML: a line per block element and ``<br>``.

    Whitespace runs (incl. ``&nbsp;``) collapse to one space, lines are
    stripped, empty lines dropped, the rest joined with ``\\n``.
    """
    # Newlines in the source are plain whitespace in HTML; only tags break lines.
    flat = _WS.sub(" ", markup)
    return text_lines(html.unescape(_ANY_TAG.sub("", _LINE_BREAK_TAG.sub("\n", flat))))


def text_lines(text: str) -> str:
    """Collapse whitespace within each line, strip the lines, drop empty ones, join with ``\\n``."""
    lines = _INLINE_WS.sub(" ", text).split("\n")
    return "\n".join(stripped for line in lines if (stripped := line.strip()))


def is_placeholder_image(url: str) -> bool:
    """True for lazy-load placeholders and static site assets (``nstatic``), never real images."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return True
    if parts.scheme not in ("", "http", "https"):
        return True
    name = parts.path.rsplit("/", 1)[-1].lower()
    return name in _PLACEHOLDER_NAMES or parts.netloc.lower().startswith("nstatic.")


def absolute_url(url: object, base_url: str | None = None) -> str | None:
    """An absolute URL: ``&amp;`` unescaped, ``//host/…`` given https, relative joined to base."""
    text = clean_text(url)
    if text is None:
        return None
    while "&amp;" in text:  # lxml decoded one level; saved pages sometimes carry a second
        text = text.replace("&amp;", "&")
    if is_script_url(text) or text.startswith(("data:", "#")):
        return None
    try:
        if text.startswith("//"):
            return "https:" + text
        if base_url:
            return urljoin(base_url, text)
    except ValueError:
        return None
    return text


def _image_urls(root: lxml.html.HtmlElement, base_url: str | None) -> tuple[str, ...]:
    """Real image URLs in body order, lazy-load attributes first, placeholders and repeats skipped.

    ``<video data-src=…>`` is how the site shows GIFs converted to video: its
    ``data-src`` is the original image and counts as one.
    """
    urls: list[str] = []
    seen: set[str] = set()
    for el in root.iter("img", "video"):
        sources = _IMAGE_SOURCES if el.tag == "img" else ("data-src",)
        for attr in sources:
            url = absolute_url(el.get(attr), base_url)
            if url and not is_placeholder_image(url):
                if url not in seen:
                    seen.add(url)
                    urls.append(url)
                break
    return tuple(urls)


@lru_cache(maxsize=16)
def clean_body(raw_html: str, base_url: str | None = None) -> CleanBody:
    """Clean a post body once and give its HTML, text and images.

    ``raw_html`` is the inner HTML of ``div.write_div`` (or of
    ``div.writing_view_box`` on pages without one). Removed everywhere:
    ``script, style, noscript, template, iframe, ins``, the ad boxes
    (``.adsbygoogle``, ``.adv-groupin``, ``#zzbang_div``, ``#zzbang_ad``, Taboola),
    HTML comments, ``on*`` handler attributes and ``javascript:`` URLs.
    Cached because the loader asks for the three parts separately.
    """
    if not isinstance(raw_html, str) or not raw_html.strip():
        return CleanBody("", "", ())
    root = _fragment(raw_html)
    if root is None:
        return CleanBody("", text_lines(html.unescape(re.sub(r"<[^>]*>", "\n", raw_html))), ())
    _strip_noise(root)
    markup = inner_html(root)
    return CleanBody(markup, html_text(markup), _image_urls(root, base_url))


def body_html(raw_html: object, base_url: str | None = None) -> str:
    """The cleaned body HTML (see :func:`clean_body`)."""
    return clean_body(raw_html, base_url).html if isinstance(raw_html, str) else ""


def body_text(raw_html: object, base_url: str | None = None) -> str:
    """The body's visible text, one line per block (see :func:`clean_body`)."""
    return clean_body(raw_html, base_url).text if isinstance(raw_html, str) else ""


def image_urls(raw_html: object, base_url: str | None = None) -> list[str]:
    """The body's real image URLs in order (see :func:`clean_body`)."""
    return list(clean_body(raw_html, base_url).image_urls) if isinstance(raw_html, str) else []


# -------------------------------------------------------------------- comments

_BREAK = re.compile(r"<\s*+br\s*+/?\s*+>|<\s*+/\s*+(?:p|div|li)\s*+>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
_DCCON_IMG = etree.XPath(
    f"descendant::*[{_class_test('written_dccon')}][@src or @data-src or @data-original]"
)


def memo_text(memo: object) -> str | None:
    """A comment's text: tags stripped, ``<br>`` as line breaks, entities decoded, lines tidied.

    ``None`` when nothing readable is left — a dccon-only comment, or a voice
    reply with an empty memo — so "no text" is distinguishable from a text.
    """
    if not isinstance(memo, str) or not memo.strip():
        return None
    text = _TAG.sub("", _BREAK.sub("\n", _CONTROL.sub("", memo)))
    return text_lines(html.unescape(text)) or None


def dccon_url(memo: object, base_url: str | None = None) -> str | None:
    """The ``src`` of the memo's ``img.written_dccon`` (a DC emoticon), else ``None``."""
    if not isinstance(memo, str) or "written_dccon" not in memo:
        return None
    candidates = (
        _dccon_sources(memo)
        if len(memo) <= _CACHED_MEMO_CHARS
        else _dccon_sources.__wrapped__(memo)
    )
    for candidate in candidates:
        url = absolute_url(candidate, base_url)
        if url:
            return url
    return None


# A dccon memo is one ``<img>`` tag, and the popular dccons recur thousands of times
# in a crawl: their parse is cached (a long memo is parsed, never kept).
_CACHED_MEMO_CHARS = 1000


@lru_cache(maxsize=4096)
def _dccon_sources(memo: str) -> tuple[str, ...]:
    """The dccon images' source attributes, in the order they are tried."""
    root = _fragment(memo)
    if root is None:
        return ()
    return tuple(
        value
        for el in _DCCON_IMG(root)
        for attr in _IMAGE_SOURCES
        if (value := el.get(attr)) is not None
    )
