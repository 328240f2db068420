"""Throughput of a running replica: ``python -m testbed.replica.bench BASE_URL [--gallery ID]``.

Walks a major gallery the way a crawler does, each URL once (cold: nothing cached yet):
every list page, then every post's view, then every post's first comment page; then
repeats views of already-seen posts (warm). Prints requests/second per kind. Pin the
server to one core (``taskset -c 0``) and run this on the other.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Sequence

import aiohttp

Req = tuple[str, str, dict[str, str] | None]


async def _drive(
    session: aiohttp.ClientSession, requests: Sequence[Req], concurrency: int
) -> tuple[float, int, list[str]]:
    """Send all requests with ``concurrency`` workers; (seconds, bytes, bodies of lists)."""
    queue = list(reversed(requests))
    size = 0
    bodies: list[str] = []
    xhr = {"X-Requested-With": "XMLHttpRequest"}

    async def worker() -> None:
        nonlocal size
        while queue:
            method, url, form = queue.pop()
            async with session.request(
                method, url, data=form, headers=xhr if form else None
            ) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"{resp.status} for {url}")
            size += len(body)
            if "/lists/" in url:
                bodies.append(body.decode())

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.monotonic() - start, size, bodies


def _report(name: str, count: int, seconds: float, size: int) -> None:
    print(
        f"{name:14s} {count:6d} requests {count / seconds:8.0f} req/s "
        f"{size / max(count, 1) / 1024:7.1f} KiB/response"
    )


async def main_async(base: str, gallery: str, concurrency: int, list_num: int) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"{base}/board/lists/?id={gallery}&list_num={list_num}") as resp:
            first = await resp.text()
        last = re.search(r'page=(\d+)[^"]*" class="sp_pagingicon page_end"', first)
        pages = int(last[1]) if last else 1
        token_match = re.search(r'id="e_s_n_o" value="([0-9a-f]+)"', first)
        assert token_match, "no e_s_n_o token on the list page"
        token = token_match[1]
        lists: list[Req] = [
            ("GET", f"{base}/board/lists/?id={gallery}&list_num={list_num}&page={p}", None)
            for p in range(1, pages + 1)
        ]
        seconds, size, bodies = await _drive(session, lists, concurrency)
        _report("list (cold)", len(lists), seconds, size)
        numbers = sorted(
            {int(n) for b in bodies for n in re.findall(r'us-post" data-no="(\d+)"', b)}
        )
        views: list[Req] = [
            ("GET", f"{base}/board/view/?id={gallery}&no={n}", None) for n in numbers
        ]
        seconds, size, _ = await _drive(session, views, concurrency)
        _report("view (cold)", len(views), seconds, size)
        comments: list[Req] = [
            (
                "POST",
                f"{base}/board/comment/",
                {
                    "id": gallery,
                    "no": str(n),
                    "cmt_id": gallery,
                    "cmt_no": str(n),
                    "e_s_n_o": token,
                    "comment_page": "1",
                    "sort": "D",
                    "_GALLTYPE_": "G",
                },
            )
            for n in numbers
        ]
        seconds, size, _ = await _drive(session, comments, concurrency)
        _report("comment (cold)", len(comments), seconds, size)
        seconds, size, _ = await _drive(session, views, concurrency)
        _report("view (warm)", len(views), seconds, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("--gallery", default="bench", help="a major gallery of the replica")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--list-num", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(
        main_async(args.base_url.rstrip("/"), args.gallery, args.concurrency, args.list_num)
    )


if __name__ == "__main__":
    main()
