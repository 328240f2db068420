"""A crawl's pages are freed as soon as the spider is done with them: no reference cycles.

The crawl runs Python's cyclic garbage collector rarely (``dccrawl/extensions/gctuning.py``),
so a response caught in a reference cycle stays in memory until the next pass. A list page
parsed through ``response.selector`` was one (response → selector → response): with its
tree, megabytes a page, and the 50,000-post benchmark crawl grew to 455 MB. These tests
run each callback on a real replica page with the collector off and check that dropping
the response frees it at once.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from dccrawl.middlewares import SIGNAL_META, BrokenPageRetryMiddleware
from spiders.gallery import GallerySpider
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread

GALLERY = "cycles"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    options = ReplicaOptions(galleries=(GallerySpec.parse(f"{GALLERY}:major:300"),))
    with ReplicaThread(options) as replica:
        assert replica.base_url is not None
        yield replica.base_url


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _spider(base_url: str) -> GallerySpider:
    crawler = get_crawler(GallerySpider, settings_dict={"DCCRAWL_BASE_URL": base_url})
    spider = GallerySpider.from_crawler(crawler, gallery=GALLERY)
    spider.kind = "major"
    crawler.spider = spider
    return spider


def _response(
    spider: GallerySpider, cls: type[TextResponse], url: str, body: bytes, meta: dict[str, Any]
) -> TextResponse:
    """A response as the spider gets it: through the middleware that leaves its verdict."""
    request = Request(url, meta=meta)
    response = cls(url, body=body, request=request, headers={"Content-Type": "text/html"})
    middleware = BrokenPageRetryMiddleware.from_crawler(spider.crawler)
    judged = middleware.process_response(request, response)
    assert judged is response and SIGNAL_META in request.meta
    return response


def _freed_by_refcount(make: Callable[[], TextResponse], callback: Callable[..., Any]) -> bool:
    response = make()
    outputs = list(callback(response))
    assert outputs, "the callback produced nothing: the page was not parsed"
    alive = weakref.ref(response)
    del response, outputs
    return alive() is None


@pytest.mark.usefixtures("collector_off")
def test_a_list_page_is_freed_once_parsed(base_url: str) -> None:
    spider = _spider(base_url)
    url = f"{base_url}/board/lists/?id={GALLERY}&page=1&list_num=100"
    body = fetch(url).body
    meta = {"dccrawl_page": "list", "page": 1, "search_pos": None, "recheck": False}

    def make() -> TextResponse:
        return _response(spider, HtmlResponse, url, body, meta.copy())

    assert _freed_by_refcount(make, spider.parse_list)


@pytest.mark.usefixtures("collector_off")
def test_a_view_page_is_freed_once_parsed(base_url: str) -> None:
    spider = _spider(base_url)
    no = 5
    url = f"{base_url}/board/view/?id={GALLERY}&no={no}"
    reply = fetch(url)
    assert reply.status == 200 and b"write_div" in reply.body

    def make() -> TextResponse:
        return _response(
            spider, HtmlResponse, url, reply.body, {"dccrawl_page": "view", "post_no": no}
        )

    assert _freed_by_refcount(make, spider.parse_view)


@pytest.mark.usefixtures("collector_off")
def test_a_comment_page_is_freed_once_parsed(base_url: str) -> None:
    spider = _spider(base_url)
    listing = fetch(f"{base_url}/board/lists/?id={GALLERY}&list_num=100&page=1").text
    token = listing.split('id="e_s_n_o" value="', 1)[1].split('"', 1)[0]
    for no in range(1, 60):  # the first post with comments
        form = comment_form(GALLERY, no, token, "G")
        reply = fetch(f"{base_url}/board/comment/", form, XHR)
        if reply.status == 200 and b'"no"' in reply.body:
            break
    else:
        pytest.fail("no post with comments in the replica gallery")
    url = f"{base_url}/board/comment/"
    meta = {"dccrawl_page": "comments", "post_no": no, "comment_page": 2, "context": None}

    def make() -> TextResponse:
        return _response(spider, TextResponse, url, reply.body, meta.copy())

    assert _freed_by_refcount(make, spider.parse_comments)
