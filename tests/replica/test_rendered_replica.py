"""The replica's view pages in Debian's Chromium: rendered comments equal the endpoint's JSON.

Chromium loads view pages of a replica served from this process; the replica's page
script fetches and renders the comments; :func:`dccrawl.browser.read_comment_pages`
walks every comment page; :mod:`dccrawl.site.rendered` parses them. The result must be
the records :mod:`dccrawl.site.comments` reads from the JSON of the same post — for
replies (also across a page boundary), deleted rows, dccon and voice replies, and a post
of several comment pages. The replica's ``refuse_comments`` rule is checked here too:
direct requests are refused for the drawn posts only; the browser is never refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.async_api import async_playwright

from dccrawl import browser
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader
from dccrawl.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from dccrawl.site.comments import RawComment, parse_comment_page
from dccrawl.site.errors import RefusedPage
from dccrawl.site.rendered import parse_rendered_comments
from testbed.replica.browser_check import BROWSER_COOKIE, browser_cookie_value, refuses_direct
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread
from testbed.replica.states import esno_token
from tests.crawling import needs_chromium

SEED = 3
OPTIONS = ReplicaOptions(
    galleries=(GallerySpec.parse("rend:major:120"),),
    seed=SEED,
    now=parse_now("2026-06-15T00:05:00+09:00"),
    refuse_comments=0.5,
)
TOKEN = esno_token(SEED)
BROWSER_HEADERS = {**XHR, "Cookie": f"{BROWSER_COOKIE}={browser_cookie_value(TOKEN)}"}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaThread]:
    with ReplicaThread(OPTIONS) as server:
        yield server


@pytest.fixture(scope="module")
def truth(replica: ReplicaThread) -> list[dict[str, Any]]:
    return replica.truth("rend")


def endpoint_pages(replica: ReplicaThread, post_no: int) -> list[list[RawComment]]:
    """Every page of a post's comments from the JSON endpoint (as the page's script asks)."""
    pages: list[list[RawComment]] = []
    number = 1
    while True:
        form = comment_form("rend", post_no, TOKEN, "G", number)
        page = parse_comment_page(fetch(replica.url("/board/comment/"), form, BROWSER_HEADERS).body)
        pages.append(page.comments)
        if number >= (page.last_page or 1):
            return pages
        number += 1


def interesting_posts(truth: list[dict[str, Any]]) -> list[int]:
    """The post with the most comments (several pages) and posts with each special row."""
    comments = [r for r in truth if r["type"] == "comment"]
    count: dict[int, int] = {}
    for row in comments:
        count[row["post_no"]] = count.get(row["post_no"], 0) + 1
    picks = [max(count, key=lambda no: count[no])]
    for wanted in (
        lambda r: r["parent_no"] is not None,
        lambda r: r["is_deleted"],
        lambda r: r["dccon_url"] is not None,
        lambda r: r["body_text"] is None and r["dccon_url"] is None,  # voice
    ):
        picks.append(next(r["post_no"] for r in comments if wanted(r)))
    return list(dict.fromkeys(picks))


CRAWLED_AT = datetime(2026, 6, 15, 1, 0, tzinfo=KST)


def item(raw: RawComment) -> dict[str, Any]:
    loader = CommentLoader(crawled_at=CRAWLED_AT, base_url="https://gall.dcinside.com/")
    loader.add_value("gallery_id", "rend")
    return dict(loader.add_comment(raw).load_item())


def bare(raw: RawComment) -> RawComment:
    return replace(raw, nicktype=None, memo=(raw.memo or "").strip() or None)


async def _render(base_url: str, post_nos: list[int]) -> dict[int, list[str]]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(**PLAYWRIGHT_LAUNCH_OPTIONS)
        try:
            context = await chromium.new_context(service_workers="block")
            snapshots: dict[int, list[str]] = {}
            for post_no in post_nos:
                url = f"{base_url}/board/view/?id=rend&no={post_no}"
                page = await context.new_page()
                try:
                    await browser.keep_to_site(page, SimpleNamespace(url=url))  # type: ignore[arg-type]
                    await page.goto(url, wait_until="domcontentloaded")
                    snapshots[post_no] = await browser.read_comment_pages(page, 15_000)
                finally:
                    await page.close()
            return snapshots
        finally:
            await chromium.close()


@pytest.fixture(scope="module")
def rendered_pages(replica: ReplicaThread, truth: list[dict[str, Any]]) -> dict[int, list[str]]:
    assert replica.base_url is not None
    return asyncio.run(_render(replica.base_url, interesting_posts(truth)))


def test_the_chosen_posts_cover_paging_and_every_special_row(
    truth: list[dict[str, Any]], rendered_pages: dict[int, list[str]]
) -> None:
    assert max(len(pages) for pages in rendered_pages.values()) >= 2
    assert len(rendered_pages) >= 3
    # A thread that continues on the next comment page: its replies open that page.
    later_pages = [
        parse_rendered_comments(html).comments
        for pages in rendered_pages.values()
        for html in pages[1:]
    ]
    assert any(page and page[0].depth == 1 for page in later_pages)


def test_every_rendered_page_equals_the_endpoints_page(
    replica: ReplicaThread, rendered_pages: dict[int, list[str]]
) -> None:
    for post_no, snapshots in rendered_pages.items():
        expected = endpoint_pages(replica, post_no)
        got = [parse_rendered_comments(html).comments for html in snapshots]
        assert len(got) == len(expected), post_no
        for number, (page, want) in enumerate(zip(got, expected, strict=True), 1):
            # What is stored must be identical: the Comment items of both paths.
            assert [item(c) for c in page] == [item(c) for c in want], (post_no, number)
            # And the raw records too, but for what the page cannot show: nicktype (the
            # JSON's member flag) and a memo's edge whitespace or emptiness (both mean the same).
            assert [bare(c) for c in page] == [bare(c) for c in want], (post_no, number)


def test_the_pager_marks_each_walked_page(rendered_pages: dict[int, list[str]]) -> None:
    for snapshots in rendered_pages.values():
        pages = [parse_rendered_comments(html) for html in snapshots]
        assert [p.page for p in pages] == list(range(1, len(pages) + 1))
        assert {p.last_page for p in pages} == {len(pages)}


def test_direct_requests_are_refused_for_the_drawn_posts_only(
    replica: ReplicaThread, truth: list[dict[str, Any]]
) -> None:
    posts = [r["post_no"] for r in truth if r["type"] == "post" and not r["is_deleted"]]
    refused = [no for no in posts if refuses_direct(SEED, 0.5, "rend", no)]
    served = [no for no in posts if not refuses_direct(SEED, 0.5, "rend", no)]
    assert refused and served
    for no in refused[:3]:
        body = fetch(replica.url("/board/comment/"), comment_form("rend", no, TOKEN, "G"), XHR).body
        with pytest.raises(RefusedPage):
            parse_comment_page(body)
        with_cookie = fetch(
            replica.url("/board/comment/"), comment_form("rend", no, TOKEN, "G"), BROWSER_HEADERS
        )
        assert parse_comment_page(with_cookie.body).total_count is not None
    for no in served[:3]:
        body = fetch(replica.url("/board/comment/"), comment_form("rend", no, TOKEN, "G"), XHR).body
        assert parse_comment_page(body).total_count is not None


async def _render_refused(base_url: str, post_no: int) -> float:
    """Seconds until read_comment_pages gives up on a page whose comment request is refused."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(**PLAYWRIGHT_LAUNCH_OPTIONS)
        try:
            page = await chromium.new_page()
            refusal = '<script type="text/javascript">alert("잘못된 접근입니다.");</script>'
            await page.route(
                "**/board/comment/",
                lambda route: route.fulfill(status=200, content_type="text/html", body=refusal),
            )
            await page.goto(f"{base_url}/board/view/?id=rend&no={post_no}")
            started = time.monotonic()
            with pytest.raises(browser.CommentsNotShown):
                await browser.read_comment_pages(page, 60_000)
            return time.monotonic() - started
        finally:
            await chromium.close()


def test_a_refused_comment_request_in_the_page_fails_fast(
    replica: ReplicaThread, rendered_pages: dict[int, list[str]]
) -> None:
    assert replica.base_url is not None
    seconds = asyncio.run(_render_refused(replica.base_url, next(iter(rendered_pages))))
    assert seconds < 15  # the grace after the request ended, not the 60 s timeout


def test_a_wrong_cookie_is_no_browser(replica: ReplicaThread, truth: list[dict[str, Any]]) -> None:
    posts = [r["post_no"] for r in truth if r["type"] == "post" and not r["is_deleted"]]
    no = next(no for no in posts if refuses_direct(SEED, 0.5, "rend", no))
    headers = {**XHR, "Cookie": f"{BROWSER_COOKIE}={TOKEN}"}  # not reversed
    body = fetch(replica.url("/board/comment/"), comment_form("rend", no, TOKEN, "G"), headers).body
    with pytest.raises(RefusedPage):
        parse_comment_page(body)


def test_refusal_draws_are_deterministic_and_follow_the_rate() -> None:
    draws = [refuses_direct(SEED, 0.3, "g", no) for no in range(1, 2001)]
    assert draws == [refuses_direct(SEED, 0.3, "g", no) for no in range(1, 2001)]
    assert 0.25 < sum(draws) / len(draws) < 0.35
    assert not any(refuses_direct(SEED, 0.0, "g", no) for no in range(1, 100))
    assert all(refuses_direct(SEED, 1.0, "g", no) for no in range(1, 100))
