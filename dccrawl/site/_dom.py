"""Small lxml helpers shared by the page parsers: one parse per page, tidy text, class tests.

The parsers work on lxml elements directly (a parsel ``Selector``'s ``.root``)
because per-row ``Selector`` objects cost more than the parsing itself on a
100-row list page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from parsel import Selector

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Page = Selector | str | bytes | object
"""What a parser accepts: a Scrapy response or its ``.selector`` (parsed once, shared with
the spider), or the page text. Anything else is treated as an unparseable page."""


def root_of(page: Page) -> etree._Element | None:
    """The lxml root of a page; text that lxml rejects is sanitised once, then given up on."""
    selector = getattr(page, "selector", None)  # a Scrapy TextResponse, without importing Scrapy
    if isinstance(selector, Selector):
        page = selector
    if isinstance(page, Selector):
        root = page.root
        return root if isinstance(root, etree._Element) else None
    if isinstance(page, bytes):
        page = page.decode("utf-8", "replace")
    if not isinstance(page, str):
        return None
    for attempt in _attempts(page):
        try:
            root = _parse_html(attempt)
        except (ValueError, UnicodeError, etree.ParserError):
            continue
        return root if isinstance(root, etree._Element) else None
    return None


def _attempts(text: str) -> Iterator[str]:
    """The text, then (only if lxml refused it) a copy without control characters."""
    yield text
    yield _CONTROL.sub("", text).encode("utf-8", "replace").decode("utf-8")


# The parser parsel's Selector(type="html") uses, called directly (a page is not
# stripped and copied twice more before lxml sees it), and without lxml.html's
# element classes: the parsers use only the plain etree API, and lxml.html looks up
# a Python class for every element it hands out (~10 % of a list page's parse).
_HTML_PARSER = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)


def _parse_html(text: str) -> etree._Element | None:
    """``Selector(text=text, type="html").root``, without parsel's copies of the text."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    body = text.encode("utf-8") if text and not text.isspace() else b"<html/>"
    root = etree.fromstring(body, parser=_HTML_PARSER)
    return root if root is not None else etree.fromstring(b"<html/>", parser=_HTML_PARSER)


def page_text(page: Page) -> str | None:
    """The page's text when the input carries it (a string, bytes, a response), else ``None``."""
    if isinstance(page, str):
        return page
    if isinstance(page, bytes):
        return page.decode("utf-8", "replace")
    # Look for ``selector`` on the class: on a response it is a property that parses
    # the whole page, and a parser that only wants the text must not pay for that.
    text = getattr(page, "text", None) if hasattr(type(page), "selector") else None
    return text if isinstance(text, str) else None


def has_class(name: str) -> str:
    """XPath predicate: the element's class list contains ``name`` (as a whole token)."""
    # The cheap substring test first: XPath's ``and`` short-circuits, and the exact
    # token test (concat/normalize-space per element) is what makes ``//*`` scans slow.
    return (
        f"(contains(@class, '{name}')"
        f" and contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"
    )


def text_of(el: etree._Element | None) -> str | None:
    """All text under ``el``, whitespace collapsed; ``None`` when there is none."""
    if el is None:
        return None
    # Most cells are one text node: skip itertext()'s per-node proxies for them.
    raw = el.text if len(el) == 0 else "".join(el.itertext())
    text = _WS.sub(" ", raw or "").strip()
    return text or None


def attr(el: etree._Element | None, name: str) -> str | None:
    """An attribute's value as given (``""`` stays ``""``), or ``None`` when absent."""
    if el is None:
        return None
    return el.get(name)


def first(nodes: object) -> etree._Element | None:
    """The first element of an XPath result, or ``None``."""
    if isinstance(nodes, list):
        for node in nodes:
            if isinstance(node, etree._Element):
                return node
    return None
