"""parse_comments walks the pager as the site draws it and proves each thread complete.

Hand-made endpoint answers (one comment a page, 20 pages, the site's 15-page window
without its 끝 link) stand in for the site, so each rule is seen alone: later windows
are reached through 다음, a page is asked for once, an empty page asks for nothing, and
a thread read to its end short of ``total_cnt`` is counted and given up on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from dccrawl import stats as S
from dccrawl.site.comments import CommentContext
from spiders.gallery import CommentThread, GallerySpider

POST = 7
PAGES = 20
CONTEXT = CommentContext("g", POST, "3eabc219ebdd65f438", "G", "", "", "g", POST, None)


def pager(page: int, last: int) -> str:
    """The site's pager without 끝: a 15-page window, 처음/이전 and 다음 links."""

    def link(n: int, text: str | int) -> str:
        return f"<a href=\"javascript:viewComments({n},'D',true)\">{text}</a>"

    start = (page - 1) // 15 * 15 + 1
    end = min(start + 14, last)
    parts = [link(1, "처음"), link(start - 1, "이전")] if start > 1 else []
    parts += [f"<em>{n}</em>" if n == page else link(n, n) for n in range(start, end + 1)]
    if end < last:
        parts.append(link(end + 1, "다음"))
    return "".join(parts)


def answer(page: int, *, total: int = PAGES, rows: bool = True) -> bytes:
    comments: list[dict[str, Any]] = [{"no": 0, "nicktype": "COMMENT_BOY"}]
    if rows and page <= PAGES:
        comments.append({"no": str(1000 + page), "depth": 0, "c_no": 0, "name": "ㅇㅇ",
                         "ip": "1.2", "reg_date": "06.01 12:00:00", "memo": "글",
                         "nicktype": "00", "del_yn": "N", "is_delete": "0"})  # fmt: skip
    else:
        comments = []
    data = {"total_cnt": total, "comments": comments, "pagination": pager(page, PAGES)}
    return json.dumps(data).encode()


def make_spider() -> GallerySpider:
    crawler = get_crawler(GallerySpider, settings_dict={"DCCRAWL_BASE_URL": "http://127.0.0.1:9"})
    spider = GallerySpider.from_crawler(crawler, gallery="g", kind="major")
    crawler.spider = spider
    return spider


def walk(spider: GallerySpider, body: Any = answer) -> dict[int, list[int]]:
    """Comment page → the pages its answer asked for, from page 1 until nothing is left."""
    spider._threads[POST] = CommentThread()
    pending = [spider._comment_request(CONTEXT, POST, 1)]
    asked: dict[int, list[int]] = {}
    while pending:
        request = pending.pop(0)
        number = request.meta["comment_page"]
        assert number not in asked, f"page {number} asked for twice"
        response = TextResponse(request.url, body=body(number), request=request)
        out = list(spider.parse_comments(response))
        later = [r for r in out if isinstance(r, Request)]
        asked[number] = [r.meta["comment_page"] for r in later]
        pending += later
    return asked


def stat(spider: GallerySpider, key: str) -> int:
    assert spider.crawler.stats is not None
    return int(spider.crawler.stats.get_value(key, 0))


def test_a_pager_without_end_is_walked_window_by_window() -> None:
    spider = make_spider()
    asked = walk(spider)
    assert asked[1] == list(range(2, 17))  # the first window, and 16 through 다음
    assert asked[16] == list(range(17, 21))  # the second window from page 16's pager
    assert sorted(asked) == list(range(1, PAGES + 1))
    assert all(asked[n] == [] for n in asked if n not in (1, 16))
    assert stat(spider, S.COMMENTS) == PAGES and stat(spider, S.COMMENTS_SHORT) == 0
    assert spider._threads == {}  # the state of a finished post is dropped


def test_an_empty_page_asks_for_nothing_more() -> None:
    """Page 16 answers no rows (as past the end): its pager's pages 17–20 are not asked
    for, and the 15 comments read fall 5 short of the count the endpoint gave."""
    spider = make_spider()
    asked = walk(spider, lambda n: answer(n, rows=n != 16))
    assert asked[16] == [] and 17 not in asked
    assert stat(spider, S.COMMENTS_MISSING) == PAGES - 15


@pytest.mark.parametrize(("total", "short"), [(PAGES, 0), (PAGES + 3, 3)])
def test_a_thread_read_to_its_end_is_compared_with_total_cnt(total: int, short: int) -> None:
    spider = make_spider()
    walk(spider, lambda n: answer(n, total=total))
    assert stat(spider, S.COMMENTS_SHORT) == (1 if short else 0)
    assert stat(spider, S.COMMENTS_MISSING) == short
    assert stat(spider, S.PAGES_FAILED) == (1 if short else 0)


def test_a_deleted_post_is_no_shortfall() -> None:
    """Pages answered after the post was deleted say total_cnt 0: nothing is missing."""
    spider = make_spider()
    walk(spider, lambda n: answer(n) if n < 5 else answer(n, total=0, rows=False))
    assert stat(spider, S.COMMENTS_SHORT) == 0 and spider._threads == {}
