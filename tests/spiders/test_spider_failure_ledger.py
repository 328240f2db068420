"""What the spider hands the failure ledger: which page, of which kind, and what comes next.

Errbacks are called as Scrapy calls them (a twisted ``Failure`` carrying the request);
their output is read directly.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse
from twisted.python.failure import Failure

from dccrawl import stats as S
from dccrawl.blockguard import Unfetched
from dccrawl.callbackerrors import CallbackErrorMiddleware
from dccrawl.items import PageDone, PageFailure
from spiders.gallery import CommentThread, GallerySpider
from tests.spiders.test_spider_comment_pages import CONTEXT, POST, answer, make_spider, stat

VIEW_PATH = f"/board/view/?id=g&no={POST}"


def failed(request: Request, error: Exception) -> Failure:
    failure = Failure(error)
    failure.request = request  # type: ignore[attr-defined]
    return failure


def ledger(out: list[Any]) -> list[PageFailure]:
    return [item for item in out if isinstance(item, PageFailure)]


def requests(out: list[Any]) -> list[Request]:
    return [item for item in out if isinstance(item, Request)]


def test_a_lost_view_page_is_recorded_by_post() -> None:
    spider = make_spider()
    request = spider._view_request(POST)
    assert request is not None
    out = list(spider.on_error(failed(request, IgnoreRequest("stayed broken"))))
    (item,) = ledger(out)
    assert (item["page_kind"], item["path"], item["post_no"]) == ("view", VIEW_PATH, POST)
    assert item["reason"] == "stayed broken"
    assert item["arguments"] == {"gallery": "g", "kind": "major"}
    assert stat(spider, S.PAGES_FAILED) == 1


def test_a_lost_list_page_is_skipped_when_the_last_page_is_known() -> None:
    """The pages after a lost list page are still read; its row alone is the loss."""
    spider = make_spider()
    spider._list_last[None] = 5
    out = list(spider.on_error(failed(spider._list_request(3), IgnoreRequest("504"))))
    (item,) = ledger(out)
    assert (item["page_kind"], item["post_no"], item["follow_pages"]) == ("list", None, False)
    assert item["path"] == "/board/lists/?id=g&page=3&list_num=100"
    assert [r.meta["page"] for r in requests(out)] == [4]


def test_a_lost_list_page_whose_pager_was_never_seen_keeps_its_following_pages() -> None:
    spider = make_spider()
    out = list(spider.on_error(failed(spider._list_request(1), IgnoreRequest("504"))))
    (item,) = ledger(out)
    assert item["follow_pages"] is True
    assert requests(out) == []


def test_pages_a_block_left_unfetched_are_recorded_once_and_not_counted_as_failed() -> None:
    spider = make_spider()
    spider._threads[POST] = CommentThread()
    pages = [spider._comment_request(CONTEXT, POST, n) for n in (1, 2)]
    out = [i for page in pages for i in spider.on_comment_error(failed(page, Unfetched("x")))]
    (item,) = ledger(out)
    assert (item["page_kind"], item["path"]) == ("comments", VIEW_PATH)
    assert item["reason"].startswith("not fetched")
    assert requests(out) == []  # no browser fallback for a page never sent
    assert stat(spider, S.PAGES_FAILED) == 0


def test_an_unfetched_list_page_keeps_its_following_pages() -> None:
    spider = make_spider()
    spider._list_last[None] = 9
    out = list(spider.on_error(failed(spider._list_request(4), Unfetched("x"))))
    (item,) = ledger(out)
    assert item["follow_pages"] is True
    assert requests(out) == []  # nothing more is asked of a stopped crawl


def _read_thread(spider: GallerySpider, total: int) -> list[Any]:
    """One comment page answered with its pager: all items the thread yields."""
    spider._threads[POST] = CommentThread()
    out: list[Any] = []
    pending = [spider._comment_request(CONTEXT, POST, 1)]
    while pending:
        request = pending.pop(0)
        number = request.meta["comment_page"]
        response = TextResponse(request.url, body=answer(number, total=total), request=request)
        produced = list(spider.parse_comments(response))
        pending += requests(produced)
        out += produced
    return out


def test_a_thread_read_to_its_count_clears_the_posts_comments() -> None:
    out = _read_thread(make_spider(), total=20)
    done = [item for item in out if isinstance(item, PageDone)]
    assert [(d["page_kind"], d["path"]) for d in done] == [("comments", VIEW_PATH)]
    assert ledger(out) == []


def test_a_thread_short_of_its_count_is_recorded() -> None:
    out = _read_thread(make_spider(), total=23)
    (item,) = ledger(out)
    assert (item["page_kind"], item["post_no"]) == ("comments", POST)
    assert item["reason"] == "comments incomplete: 20 of 23 read"


def test_a_page_whose_callback_raised_is_recorded() -> None:
    spider = make_spider()
    request = spider._view_request(POST)
    assert request is not None
    response = TextResponse(request.url, body=b"<html></html>", request=request)
    middleware = CallbackErrorMiddleware(spider.crawler)
    out = middleware.process_spider_exception(response, KeyError("title"))
    assert out is not None
    (item,) = ledger(out)
    assert (item["page_kind"], item["post_no"]) == ("view", POST)
    assert item["reason"] == "the spider failed on it (KeyError)"
