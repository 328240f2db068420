"""Figure 1: the crawler's posts/s into PostgreSQL against the ceiling's, on the same pages.

One replica gallery (with comments) is crawled by the real crawler into an
empty database, recording every request; the ceiling spider (``bench.ceiling``)
then fetches exactly those requests and discards the answers. Every run has the
crawler's core to itself with the replica on the other, gets a freshly started
replica (the same pages, nothing cached) and is timed from ``spider_opened`` to
``spider_closed``. The sides alternate ``repeats`` times and the fastest run of
each counts: on a shared machine the slower runs measure the neighbours.

Two ceilings are measured. The *bare* one is Scrapy's defaults with the crawl's
concurrency: what the project's target (≥ 0.75) is set against. The *tuned* one
also gets the Scrapy engine settings dccrawl changes for speed
(``bench.runs.ENGINE_TUNING``), so its ratio shows what parsing, normalizing and
storing alone add (reported, no target).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import runs
from bench.cores import Cores
from bench.database import scratch
from bench.figures import Figure
from bench.replica import ReplicaServer

logger = logging.getLogger(__name__)

GALLERY = "bench"
TARGET_RATIO = 0.75


def measure(admin_url: str, cores: Cores, posts: int, repeats: int) -> Iterator[Figure]:
    """Crawl a gallery of ``posts`` post numbers and fetch its pages bare, ``repeats`` times."""
    spec = f"{GALLERY}:major:{posts}:noheads"
    crawls: list[runs.Run] = []
    bare: list[runs.Run] = []
    tuned: list[runs.Run] = []
    with tempfile.TemporaryDirectory(prefix="dccrawl-bench-e2e-") as folder:
        work = Path(folder)
        requests = work / "requests.jsonl"
        for attempt in range(repeats):
            crawls.append(_crawl(work, admin_url, cores, spec, requests if attempt == 0 else None))
            bare.append(_ceiling(work, requests, cores, spec, tuned=False))
            tuned.append(_ceiling(work, requests, cores, spec, tuned=True))
    yield from figures(crawls, bare, tuned)


def _crawl(work: Path, admin_url: str, cores: Cores, spec: str, requests: Path | None) -> runs.Run:
    with (
        ReplicaServer([spec], prefix=cores.prefix(cores.replica)) as replica,
        scratch(admin_url) as database,
    ):
        command = runs.crawl_command(
            replica.base_url, GALLERY, database, work / "crawl.json", requests=requests
        )
        result = runs.run(
            command, work / "crawl.json", work / "crawl.log", prefix=cores.prefix(cores.crawler)
        )
    logger.info(
        "e2e crawl: %d posts, %d comments in %.1f s (CPU %.1f s)",
        result.stat("dccrawl/posts"),
        result.stat("dccrawl/comments"),
        result.seconds,
        result.cpu_seconds,
    )
    return result


def _ceiling(work: Path, requests: Path, cores: Cores, spec: str, *, tuned: bool) -> runs.Run:
    with ReplicaServer([spec], prefix=cores.prefix(cores.replica)) as replica:
        replayed = work / "replayed.jsonl"
        recorded = requests.read_text(encoding="utf-8")
        # Same requests, this replica's port (URLs, Referer and Origin headers).
        replayed.write_text(recorded.replace(_recorded_base(recorded), replica.base_url))
        result = runs.run(
            runs.ceiling_command(replayed, work / "ceiling.json", tuned=tuned),
            work / "ceiling.json",
            work / "ceiling.log",
            prefix=cores.prefix(cores.crawler),
        )
    logger.info(
        "e2e ceiling (%s): %d requests in %.1f s (CPU %.1f s)",
        "tuned" if tuned else "bare",
        result.stat("downloader/request_count"),
        result.seconds,
        result.cpu_seconds,
    )
    return result


def _recorded_base(recorded: str) -> str:
    """The replica URL the requests were recorded against (``http://127.0.0.1:PORT``)."""
    start = recorded.index("http://")
    return recorded[start : recorded.index("/", start + len("http://"))]


def _fastest(results: list[runs.Run]) -> runs.Run:
    return min(results, key=lambda r: r.seconds)


def _detail(results: list[runs.Run], posts: int) -> dict[str, object]:
    best = _fastest(results)
    return {
        "posts": posts,
        "requests": best.stat("downloader/request_count"),
        "seconds": round(best.seconds, 2),
        "cpu_ms_per_post": round(1000 * best.cpu_seconds / posts, 3),
        "runs_seconds": [round(r.seconds, 2) for r in results],
    }


def figures(
    crawls: list[runs.Run], bare: list[runs.Run], tuned: list[runs.Run]
) -> Iterator[Figure]:
    """The figures of one measurement (the fastest run of each side)."""
    crawl = _fastest(crawls)
    posts = crawl.stat("dccrawl/posts")
    requests = crawl.stat("downloader/request_count")
    for ceiling in (*bare, *tuned):
        fetched = ceiling.stat("downloader/response_status_count/200")
        if fetched != requests:
            raise runs.RunFailed(
                f"the ceiling got {fetched} answers (200) for the crawl's {requests} requests"
            )
    crawler_rate = posts / crawl.seconds
    bare_rate = posts / _fastest(bare).seconds
    tuned_rate = posts / _fastest(tuned).seconds
    yield Figure(
        "e2e_crawler_posts_per_s",
        crawler_rate,
        "posts/s",
        detail={**_detail(crawls, posts), "comments": crawl.stat("dccrawl/comments")},
    )
    yield Figure("e2e_ceiling_posts_per_s", bare_rate, "posts/s", detail=_detail(bare, posts))
    yield Figure(
        "e2e_ratio",
        crawler_rate / bare_rate,
        "ratio",
        TARGET_RATIO,
        ">=",
        detail={
            "crawler_posts_per_s": round(crawler_rate, 1),
            "ceiling_posts_per_s": round(bare_rate, 1),
        },
    )
    yield Figure(
        "e2e_ratio_tuned_ceiling",
        crawler_rate / tuned_rate,
        "ratio",
        detail={
            "tuned_ceiling_posts_per_s": round(tuned_rate, 1),
            "tuned_ceiling": _detail(tuned, posts),
            "engine_settings": list(runs.ENGINE_TUNING),
        },
    )
