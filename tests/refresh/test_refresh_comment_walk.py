"""A refresh reads a grown thread from the page after its stored rows, and walks back one
page at a time only while the comments known fall short of ``total_cnt`` (a reply to an
older comment is inserted on that comment's page, ``testbed/replica/README.md``)."""

from __future__ import annotations

import json
from typing import Any

from scrapy.http import Request, TextResponse

from dccrawl import stats as S
from dccrawl.items import PageDone
from spiders.gallery import CommentThread
from tests.spiders.test_spider_comment_pages import CONTEXT, POST, make_spider, stat


def comment(no: int) -> dict[str, Any]:
    return {"no": str(no), "depth": 0, "c_no": 0, "name": "ㅇㅇ", "ip": "1.2",
            "reg_date": "06.01 12:00:00", "memo": "글", "nicktype": "00", "del_yn": "N",
            "is_delete": "0"}  # fmt: skip


def thread_pages(numbers: list[int]) -> dict[int, bytes]:
    """The endpoint's pages (100 rows each, oldest first) of a thread in this order."""
    last = (len(numbers) + 99) // 100
    pager = "".join(
        f"<a href=\"javascript:viewComments({n},'D',true)\">{n}</a>" for n in range(1, last + 1)
    )
    return {
        page: json.dumps(
            {
                "total_cnt": len(numbers),
                "comments": [comment(n) for n in numbers[(page - 1) * 100 : page * 100]],
                "pagination": pager,
            }
        ).encode()
        for page in range(1, last + 2)
    }


def refresh_walk(stored: set[int], now: list[int], start: int) -> tuple[list[int], list[Any]]:
    """The comment pages a refresh asks for, in order, and everything it yielded."""
    spider = make_spider()
    spider._threads[POST] = CommentThread(collected=set(stored), floor=start)
    pages = thread_pages(now)
    pending = [spider._comment_request(CONTEXT, POST, start)]
    asked: list[int] = []
    out: list[Any] = []
    while pending:
        request = pending.pop(0)
        number = request.meta["comment_page"]
        asked.append(number)
        response = TextResponse(request.url, body=pages[number], request=request)
        produced = list(spider.parse_comments(response))
        out += produced
        pending += [r for r in produced if isinstance(r, Request)]
    out.append(stat(spider, S.REFRESH_COMMENT_BACK))
    return asked, out


def test_new_threads_only_read_the_last_page() -> None:
    old = list(range(1, 251))
    asked, out = refresh_walk(set(old), [*old, 251, 252], start=3)
    assert asked == [3]
    assert out[-1] == 0
    assert any(isinstance(item, PageDone) for item in out)


def test_a_reply_to_an_old_comment_is_found_by_walking_back_to_its_page() -> None:
    old = list(range(1, 251))
    now = [*old[:50], 251, *old[50:], 252]  # 251 replies to comment 50, on page 1
    asked, out = refresh_walk(set(old), now, start=3)
    assert asked == [3, 2, 1]
    assert out[-1] == 2
    assert any(isinstance(item, PageDone) for item in out)


def test_the_walk_stops_at_the_page_that_completes_the_count() -> None:
    old = list(range(1, 251))
    now = [*old[:150], 251, *old[150:]]  # a reply on page 2
    asked, _ = refresh_walk(set(old), now, start=3)
    assert asked == [3, 2]


def test_pages_before_the_start_are_not_taken_from_the_pager() -> None:
    old = list(range(1, 251))
    asked, _ = refresh_walk(set(old), [*old, *range(251, 400)], start=3)
    assert asked == [3, 4]
