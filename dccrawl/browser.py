"""The browser behind the comment fallback: when it starts, what it may load, what it does.

The crawler reads comments from the site's comment endpoint; only when that fails does
it ask scrapy-playwright for a browser (``spiders/gallery.py``). This module holds the
browser-side pieces the settings and the spider name:

* :class:`LazyBrowserProvider` — scrapy-playwright starts Playwright's Node driver when
  the engine starts, in every crawl; this provider starts it (and then Chromium) only
  when the first browser request arrives, so a crawl that never falls back runs no
  browser process of any kind.
* :func:`abort_request` — images, fonts and media are never fetched: the comments are
  text, and those are most of a page's bytes.
* :func:`keep_to_site` — a page may load only from the crawled site (its host, and its
  sister hosts such as ``nstatic.dcinside.com`` for ``gall.dcinside.com``): no ads, no
  analytics, nothing else on the internet — and no real site when crawling the replica.
* :func:`read_comment_pages` — waits for the page's script to render the comments, then
  clicks through the comment pager and returns the rendered HTML of every page.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext
from playwright.async_api import Error as PlaywrightError
from scrapy_playwright.provider import PlaywrightBrowserProvider

from dccrawl.site import rendered
from dccrawl.site.comments import last_comment_page

if TYPE_CHECKING:
    from playwright.async_api import Page, Route
    from playwright.async_api import Request as BrowserRequest
    from scrapy.http import Request

logger = logging.getLogger(__name__)

ABORTED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
# Milliseconds the page's script gets to show comments after its comment request ended.
RENDER_GRACE_MS = 3000

# Has comment page N appeared, or did the page's comment request end without showing it?
# Run in the page. "shown": page 1 has a comment row, page N > 1 is the pager's current
# page (its <em>). "failed": a comment request finished (the Resource Timing entries of
# the endpoint, beyond the ``done`` counted before asking) over ``grace`` ms ago and
# nothing was shown: the answer was an error, a refusal or empty. Else keep waiting.
_SETTLED = """([rows, pager, page, done, grace]) => {
    const current = document.querySelector(pager + " em");
    const shown = page === 1
        ? document.querySelector(rows) !== null
        : current !== null && current.textContent.trim() === String(page);
    if (shown) {
        return "shown";
    }
    const ended = performance.getEntriesByType("resource").filter(
        (entry) => /\\/board\\/comment\\/?$/.test(new URL(entry.name).pathname));
    if (ended.length > done && performance.now() - ended[ended.length - 1].responseEnd > grace) {
        return "failed";
    }
    return false;
}"""
# How many comment requests have finished so far (see _SETTLED).
_ENDED = """() => performance.getEntriesByType("resource").filter(
    (entry) => /\\/board\\/comment\\/?$/.test(new URL(entry.name).pathname)).length"""
# Show comment page N: the pager's own link when it shows one, else the site's function.
_SHOW_PAGE = """([pager, page]) => {
    for (const link of document.querySelectorAll(pager + " a")) {
        const target = link.getAttribute("href") || "";
        if (new RegExp("viewComments\\\\(\\\\s*['\\"]?" + page + "\\\\b").test(target)) {
            link.click();
            return true;
        }
    }
    if (typeof window.viewComments === "function") {
        window.viewComments(page, "D", true);
        return true;
    }
    return false;
}"""


class LazyBrowserProvider(PlaywrightBrowserProvider):
    """scrapy-playwright's default provider, started on first use instead of at engine start."""

    async def start(self) -> None:
        """Called by scrapy-playwright when the engine starts: nothing to do yet."""

    async def _ensure_started(self) -> None:
        if self.browser_type is None:
            logger.info("Starting Playwright for the first browser request")
            await super().start()

    async def launch_browser(self) -> Browser:
        await self._ensure_started()
        return await super().launch_browser()

    async def launch_persistent_context(self, context_kwargs: dict[str, Any]) -> BrowserContext:
        await self._ensure_started()
        return await super().launch_persistent_context(context_kwargs)


def abort_request(request: BrowserRequest) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: drop images, fonts and media."""
    return request.resource_type in ABORTED_RESOURCE_TYPES


def same_site(url: str, site_host: str) -> bool:
    """Whether ``url`` is on the crawled site: its host or a sister host of the same domain.

    An IP address or a single-label host (the replica on 127.0.0.1, localhost) has no
    sister hosts: only the host itself counts.
    """
    host = (urlsplit(url).hostname or "").lower()
    site_host = site_host.lower()
    if host == site_host:
        return True
    try:
        ipaddress.ip_address(site_host)
    except ValueError:
        labels = site_host.split(".")
        if len(labels) >= 3:
            parent = ".".join(labels[1:])
            return host == parent or host.endswith("." + parent)
    return False


async def keep_to_site(page: Page, request: Request) -> None:
    """``playwright_page_init_callback``: abort whatever the page loads from other sites.

    Registered after scrapy-playwright's own route, so it runs first (Playwright runs the
    newest matching route first); allowed requests fall back to scrapy-playwright's.
    """
    site_host = urlsplit(request.url).hostname or ""

    async def route_request(route: Route) -> None:
        if same_site(route.request.url, site_host):
            await route.fallback()
        else:
            await route.abort()

    await page.route("**/*", route_request)


class CommentsNotShown(Exception):
    """The page's comment request ended, but the page never showed the comments."""


async def _wait_for_page(page: Page, number: int, done: int, timeout_ms: float) -> None:
    """Wait until comment page ``number`` is on screen; raise if its request ended without it."""
    arguments = [rendered.COMMENT_ROW, rendered.COMMENT_PAGER, number, done, RENDER_GRACE_MS]
    handle = await page.wait_for_function(_SETTLED, arg=arguments, timeout=timeout_ms)
    if await handle.json_value() != "shown":
        raise CommentsNotShown(
            f"comment page {number}: the page's comment request ended and nothing was shown"
        )


async def read_comment_pages(page: Page, timeout_ms: float) -> list[str]:
    """A ``PageMethod``: the rendered HTML of every comment page of the post on ``page``.

    Waits for the first comment row; reads the last page number from the pager; for
    each later page clicks its pager link (or calls the site's ``viewComments``) and
    waits until the pager marks that page current. The pager shows a window of 15
    pages and may hide its 끝 link, so each page's pager is read again: its 다음 link
    names the next window's first page. A page without a comment list
    (the post was deleted meanwhile, a redirect) gives ``[]`` at once, for the
    callback to classify. When the page's comment request ends without comments
    appearing (refused, an error, an empty answer) :class:`CommentsNotShown` is raised
    a few seconds later; when nothing happens at all, Playwright's TimeoutError after
    ``timeout_ms``.
    """
    try:
        comment_list = await page.query_selector(rendered.COMMENT_LIST)
    except PlaywrightError as error:
        if "context was destroyed" not in str(error):
            raise
        return []  # the page's own script navigated away (a deleted post's redirect)
    if comment_list is None:
        return []
    await _wait_for_page(page, 1, 0, timeout_ms)
    snapshots = [await page.content()]
    pager = await page.query_selector(rendered.COMMENT_PAGER)
    last = (last_comment_page(await pager.inner_html()) if pager is not None else None) or 1
    number = 2
    while number <= last:
        done = await page.evaluate(_ENDED)
        if not await page.evaluate(_SHOW_PAGE, [rendered.COMMENT_PAGER, number]):
            raise CommentsNotShown(f"the page offers no way to comment page {number}")
        await _wait_for_page(page, number, done, timeout_ms)
        snapshots.append(await page.content())
        pager = await page.query_selector(rendered.COMMENT_PAGER)
        if pager is not None:
            last = max(last, last_comment_page(await pager.inner_html()) or 1)
        number += 1
    return snapshots
