"""Post bodies and comment memos as the site serves them, made safe and readable.

A view page's body is editor HTML with ads, scripts, tracking iframes, lazy-loaded
images and event handlers; a comment's memo is HTML too. This module keeps what a
reader sees: ``body_html`` without anything that runs or calls home, ``body_text``
with the line breaks a reader sees, the post's image URLs (lazy sources preferred,
placeholders dropped, all absolute), a memo's text and its dccon image. Separate
from the field rules of ``dccrawl/normalize.py`` (times, counts, writers, which it
builds on for plain text) because it is a different job: a document cleaner on
compiled lxml XPaths, not spelling rules for displayed strings.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from dccrawl.normalize import CONTROL_CHARACTERS, WHITESPACE, clean_text

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
    """A post body four ways: safe HTML, visible text, its image URLs and its video URLs."""

    html: str
    text: str
    image_urls: tuple[str, ...]
    video_urls: tuple[str, ...] = ()


# Videos: the site's own player page (uploaded videos) and the embeds it allows. Such an
# iframe is kept as a plain link (``a.dccrawl-video``): the reader keeps the video, the
# stored HTML runs nothing. Its link text is the URL, left out of ``body_text`` (a video
# is no text the writer wrote).
_VIDEO_SOURCES = re.compile(
    r"^https?://(?:[a-z0-9-]+\.)*(?:"
    r"dcinside\.com/(?:board/)?movie/|"
    r"youtube(?:-nocookie)?\.com/(?:embed|shorts|watch)|youtu\.be/|"
    r"player\.vimeo\.com/video/|tv\.naver\.com/embed/|play-tv\.kakao\.com/embed/|"
    r"(?:player|clips)\.twitch\.tv/|(?:www\.)?dailymotion\.com/embed/|"
    r"serviceapi\.nmv\.naver\.com/)",
    re.IGNORECASE,
)
VIDEO_LINK_CLASS = "dccrawl-video"
_VIDEO_LINK = re.compile(
    r'<a class="' + VIDEO_LINK_CLASS + r'"[^>]*>.*?</a>', re.IGNORECASE | re.DOTALL
)
_IFRAMES = etree.XPath("descendant::iframe[@src] | descendant::video[not(@data-src)]")


def _fragment(raw: str) -> lxml.html.HtmlElement | None:
    """Parse an HTML fragment under one ``<div>``; ``None`` if even a sanitised copy fails."""
    raw = CONTROL_CHARACTERS.sub("", raw)
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
    flat = WHITESPACE.sub(" ", markup)
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


def is_video_url(url: str | None) -> bool:
    """Whether an iframe's ``src`` is a video player (the site's own, or an allowed embed)."""
    return bool(url) and _VIDEO_SOURCES.match(url.strip()) is not None  # type: ignore[union-attr]


def _keep_videos(root: lxml.html.HtmlElement, base_url: str | None) -> tuple[str, ...]:
    """Replace each video iframe by a link to it (in place); the video URLs in body order.

    An ordinary ``<video>`` (not the site's GIF-as-video, which has ``data-src``) stays,
    its first ``source`` counted as a video URL. Other iframes are left for the noise
    filter (ads, trackers)."""
    urls: list[str] = []
    for el in _IFRAMES(root):
        if el.tag == "video":
            source = el.get("src") or next((s.get("src") for s in el.iter("source")), None)
            url = absolute_url(source, base_url)
            if url and url not in urls:
                urls.append(url)
            continue
        url = absolute_url(el.get("src"), base_url)
        if url is None or not is_video_url(url):
            continue
        if url not in urls:
            urls.append(url)
        link = lxml.html.Element("a", {"class": VIDEO_LINK_CLASS, "href": url})
        link.text = url
        link.tail = el.tail
        parent = el.getparent()
        if parent is not None:
            parent.replace(el, link)
    return tuple(urls)


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
    ``div.writing_view_box`` on pages without one). Video players become links
    (:func:`_keep_videos`). Removed everywhere:
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
    videos = _keep_videos(root, base_url)
    _strip_noise(root)
    markup = inner_html(root)
    text_markup = _VIDEO_LINK.sub("", markup) if videos else markup
    return CleanBody(markup, html_text(text_markup), _image_urls(root, base_url), videos)


def body_html(raw_html: object, base_url: str | None = None) -> str:
    """The cleaned body HTML (see :func:`clean_body`)."""
    return clean_body(raw_html, base_url).html if isinstance(raw_html, str) else ""


def body_text(raw_html: object, base_url: str | None = None) -> str:
    """The body's visible text, one line per block (see :func:`clean_body`)."""
    return clean_body(raw_html, base_url).text if isinstance(raw_html, str) else ""


def image_urls(raw_html: object, base_url: str | None = None) -> list[str]:
    """The body's real image URLs in order (see :func:`clean_body`)."""
    return list(clean_body(raw_html, base_url).image_urls) if isinstance(raw_html, str) else []


def video_urls(raw_html: object, base_url: str | None = None) -> list[str]:
    """The body's video URLs in order: player iframes and ``<video>`` sources."""
    return list(clean_body(raw_html, base_url).video_urls) if isinstance(raw_html, str) else []


# -------------------------------------------------------------------- comment memos

# The app's mark after a memo: "  - dc App" (2021 REAL sample); spaces around the dash vary.
_APP_SUFFIX = re.compile(r"\s*-\s*dc\s*App\s*$")
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
    text = _TAG.sub("", _BREAK.sub("\n", CONTROL_CHARACTERS.sub("", memo)))
    return _APP_SUFFIX.sub("", text_lines(html.unescape(text))) or None


def memo_via_app(memo: object) -> bool:
    """Whether the memo ends with the ``- dc App`` mark of comments written in the app
    (taken out of the text by :func:`memo_text`)."""
    if not isinstance(memo, str) or "App" not in memo:
        return False
    return _APP_SUFFIX.search(html.unescape(_TAG.sub("", memo))) is not None


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
