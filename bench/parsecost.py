"""Figure 2: what parsing and loading one page costs, per page type, in ms (median).

Each page goes through what the crawl does with it before an item exists: the
middleware's verdict (``dccrawl.site.signals.classify``), the parser
(``dccrawl.site``) and, for view and comment pages, the item loaders
(``dccrawl.loaders``) — from a fresh Scrapy response each time, so nothing
parsed is reused. Two sets of pages: the real samples (``tests/samples``: row,
header and box excerpts wrapped into minimal pages, as the tests wrap them) and
full-size pages served by the replica (list pages of 100 rows, view pages with
the gallery's list below the post, first comment pages).

The value is the median CPU time of the measuring thread per page (steady on a
shared machine, where wall time also counts the neighbours); the wall median is
in ``detail``. The measuring process runs on the crawler's core.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, TextResponse

from bench.cores import Cores
from bench.figures import Figure
from bench.replica import ReplicaServer
from dccrawl.kst import KST
from dccrawl.loaders import CommentLoader, PostLoader
from dccrawl.site import comments, lists, views
from dccrawl.site.signals import classify
from testbed.replica.client import XHR, comment_form, fetch

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "samples"
TARGET_VIEW_MS = 3.0
GALLERY = "parse"
BASE = "https://gall.dcinside.com"
_RECOMMEND_BOX = (
    '<div class="btn_recommend_box clear"><div class="inner fl">'
    '<div class="up_num_box"><p class="up_num font_red">15</p>'
    '<p class="sup_num"><span class="smallnum">3</span></p></div>'
    '<div class="down_num_box"><p class="down_num">2</p></div></div></div>'
)
_PAGING = (
    '<div class="bottom_paging_wrap"><div class="bottom_paging_box iconpaging">'
    '<em>1</em><a href="/board/lists/?id=granblue&amp;page=2">2</a></div></div>'
)

Page = tuple[str, bytes]  # (URL, body)


def _excerpt(name: str) -> str:
    """A sample without its one-line ``<!-- Source: … -->`` note."""
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return text.split("-->", 1)[1] if text.lstrip().startswith("<!--") else text


def sample_pages() -> dict[str, list[Page]]:
    """The real samples as pages: list rows, two view excerpts, the comment JSON captures."""
    list_page = (
        "<html><head><title>갤러리</title></head><body><div class='gall_listwrap list'>"
        "<table class='gall_list'><tbody class='listwrap2'>"
        + _excerpt("list-rows-granblue-2024.html")
        + f"</tbody></table></div>{_PAGING}</body></html>"
    )
    header = (
        f"<html><body>{_excerpt('view-header-excerpt-2026.html')}{_RECOMMEND_BOX}</body></html>"
    )
    box = (
        "<html><body><div class='writing_view_box'>"
        + _excerpt("view-writing-box-2019-d_fighter_new1.html")
        + f"</div>{_RECOMMEND_BOX}</body></html>"
    )
    jsons = sorted(p for p in SAMPLES.glob("comment-api-*.json") if "after-last" not in p.name)
    return {
        "list": [(f"{BASE}/board/lists/?id=granblue", list_page.encode())],
        "view": [
            (f"{BASE}/board/view/?id=neostock&no=1", header.encode()),
            (f"{BASE}/board/view/?id=d_fighter_new1&no=8961416", box.encode()),
        ],
        "comments": [(f"{BASE}/board/comment/", p.read_bytes()) for p in jsons],
    }


def replica_pages(replica: ReplicaServer, count: int) -> dict[str, list[Page]]:
    """``count`` view and first comment pages of live posts, and up to ``count`` list pages."""
    truth = replica.truth(GALLERY)
    live = [r for r in truth if r["type"] == "post" and not r["is_deleted"] and not r.get("notice")]
    step = max(1, len(live) // count)
    picked = live[::step][:count]
    base = replica.base_url
    first = fetch(f"{base}/board/lists/?id={GALLERY}&list_num=100&page=1").text
    token = first.split('id="e_s_n_o" value="', 1)[1].split('"', 1)[0]
    list_pages = max(1, len(live) // 100)
    pages: dict[str, list[Page]] = {"list": [], "view": [], "comments": []}
    for number in range(1, min(count, list_pages) + 1):
        url = f"{base}/board/lists/?id={GALLERY}&list_num=100&page={number}"
        pages["list"].append((url, fetch(url).body))
    for post in picked:
        url = f"{base}/board/view/?id={GALLERY}&no={post['post_no']}"
        pages["view"].append((url, fetch(url).body))
    for post in [p for p in live[::step] if p["comment_count"]][:count]:
        form = comment_form(GALLERY, post["post_no"], token, "G")
        pages["comments"].append(
            (f"{base}/board/comment/", fetch(f"{base}/board/comment/", form, XHR).body)
        )
    return pages


# --- what the crawl does with each page ------------------------------------------------


def handle_list(url: str, body: bytes) -> int:
    response = HtmlResponse(url, body=body, encoding="utf-8")
    classify(response.body, "list", url=url)
    return len(lists.parse_list_page(response).rows)


def handle_view(url: str, body: bytes) -> int:
    response = HtmlResponse(url, body=body, encoding="utf-8")
    classify(response.text, "view", url=url)  # as the middleware does
    view = views.parse_view(response, url=url)
    loader = PostLoader(crawled_at=datetime.now(KST), base_url=BASE)
    loader.add_value("gallery_kind", "major")
    loader.add_value("url", url)
    loader.add_view(view)
    loader.load_item()
    return 1


def handle_comments(url: str, body: bytes) -> int:
    response = TextResponse(url, body=body, encoding="utf-8")
    signal = classify(response.body, "comments", url=url)
    page = comments.parse_comment_page(signal.payload or response.body)
    crawled_at = datetime.now(KST)
    items = CommentLoader.load_comments(
        page.comments, crawled_at=crawled_at, base_url=url, gallery_id=GALLERY
    )
    return len(items)


HANDLERS: dict[str, Callable[[str, bytes], int]] = {
    "list": handle_list,
    "view": handle_view,
    "comments": handle_comments,
}


@contextmanager
def _on_core(core: int | None) -> Iterator[None]:
    if core is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def timings(kind: str, pages: list[Page], rounds: int) -> dict[str, Any]:
    """Median CPU and wall ms per page over ``rounds`` passes (at least ~200 measurements)."""
    handler = HANDLERS[kind]
    for url, body in pages[:3]:
        handler(url, body)  # imports, compiled XPaths, caches: not what a page costs
    cpu: list[float] = []
    wall: list[float] = []
    items = 0
    for _ in range(rounds):
        for url, body in pages:
            started_cpu, started = time.thread_time(), time.perf_counter()
            items += handler(url, body)
            cpu.append(1000 * (time.thread_time() - started_cpu))
            wall.append(1000 * (time.perf_counter() - started))
    return {
        "cpu_ms": statistics.median(cpu),
        "wall_ms": round(statistics.median(wall), 3),
        "pages": len(pages),
        "measured": len(cpu),
        "kb_per_page": round(sum(len(b) for _, b in pages) / len(pages) / 1024, 1),
        "items_or_rows_per_page": round(items / len(cpu), 1),
    }


def measure(cores: Cores, repeats: int) -> Iterator[Figure]:
    """Median ms per page of each type: the samples, and ``repeats`` distinct replica pages.

    Every page set is passed through often enough for ``repeats`` measurements.
    """
    with ReplicaServer([f"{GALLERY}:major:{max(1000, 20 * repeats)}"]) as replica:
        served = replica_pages(replica, repeats)
    samples = sample_pages()
    with _on_core(cores.crawler):
        for source, pages in (("sample", samples), ("replica", served)):
            for kind in ("list", "view", "comments"):
                if not pages[kind]:
                    continue
                rounds = -(-repeats // len(pages[kind]))  # ceil
                result = timings(kind, pages[kind], rounds)
                name = f"parse_{kind}_ms" + ("_sample" if source == "sample" else "")
                target = (TARGET_VIEW_MS, "<=") if kind == "view" else (None, None)
                yield Figure(
                    name, result.pop("cpu_ms"), "ms/page", target[0], target[1], detail=result
                )
