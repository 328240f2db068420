"""Figure 4: peak RSS of a long crawl (≥ 50,000 posts), and whether RSS grows along it.

One crawl of a replica gallery into an empty database, as in figure 1 (crawler
and replica on their own cores). Every two seconds the crawler's RSS
(``/proc/PID/status``) is read together with the number of view pages the
replica has served so far (its ``/_replica/stats``: the crawl's progress in
posts). The peak is the kernel's high-water mark of the crawler's memory
(``VmHWM``, read at every sample and at ``spider_closed``), so a spike between
two samples still counts.

"Flat" is measured as the growth over the second half of the crawl: the median
RSS of the last tenth of the samples minus the median around the half-way point
(45–55 % of the posts). Caches, buffers and the duplicate filter are full by
then; what still grows grows with the length of the crawl.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import runs
from bench.cores import Cores
from bench.database import scratch
from bench.figures import Figure
from bench.replica import ReplicaServer

logger = logging.getLogger(__name__)

GALLERY = "memory"
TARGET_PEAK_MB = 300.0
TARGET_GROWTH_MB = 10.0
MIB = 1024 * 1024 / 1e6  # MiB in MB


def _window(samples: list[runs.Sample], low: float, high: float) -> list[float]:
    """RSS (MB) of the samples taken between ``low`` and ``high`` of the crawl's posts."""
    total = max(s.progress for s in samples) or 1
    return [s.rss_mib * MIB for s in samples if low * total <= s.progress <= high * total]


def _thinned(samples: list[runs.Sample], points: int = 25) -> list[list[float]]:
    """About ``points`` evenly spaced ``[posts, RSS MB]`` pairs for the record."""
    started = [s for s in samples if s.progress > 0]  # not the interpreter starting up
    step = max(1, len(started) // points)
    return [[s.progress, round(s.rss_mib * MIB, 1)] for s in started[::step]]


def measure(admin_url: str, cores: Cores, posts: int) -> Iterator[Figure]:
    """Crawl a gallery of ``posts`` post numbers, sampling RSS along the way."""
    spec = f"{GALLERY}:major:{posts}:noheads"
    with (
        tempfile.TemporaryDirectory(prefix="dccrawl-bench-memory-") as folder,
        ReplicaServer([spec], prefix=cores.prefix(cores.replica)) as replica,
        scratch(admin_url) as database,
    ):
        work = Path(folder)

        def views_served() -> int:
            return int(replica.stats()["requests"].get("view", 0))

        command = runs.crawl_command(replica.base_url, GALLERY, database, work / "crawl.json")
        crawl = runs.run(
            command,
            work / "crawl.json",
            work / "crawl.log",
            prefix=cores.prefix(cores.crawler),
            progress=views_served,
            interval=2.0 if posts > 10_000 else 0.5,
            timeout=6 * 3600,
        )
    crawled = crawl.stat("dccrawl/posts")
    logger.info(
        "memory: %d posts in %.0f s, peak RSS %.0f MiB", crawled, crawl.seconds, crawl.peak_rss_mib
    )
    middle = _window(crawl.samples, 0.45, 0.55)
    end = _window(crawl.samples, 0.9, 1.0)
    if not middle or not end:
        raise runs.RunFailed(f"too few RSS samples ({len(crawl.samples)}) to judge the growth")
    growth = statistics.median(end) - statistics.median(middle)
    detail = {
        "posts": crawled,
        "comments": crawl.stat("dccrawl/comments"),
        "seconds": round(crawl.seconds, 1),
        "samples": len(crawl.samples),
    }
    yield Figure(
        "memory_peak_rss_mb",
        crawl.peak_rss_mib * MIB,
        "MB",
        TARGET_PEAK_MB,
        "<=",
        detail=detail,
    )
    yield Figure(
        "memory_rss_growth_mb",
        growth,
        "MB",
        TARGET_GROWTH_MB,
        "<=",
        detail={
            "over": "second half of the crawl (median of 90-100% minus median of 45-55%)",
            "rss_mb_at_half": round(statistics.median(middle), 1),
            "rss_mb_at_end": round(statistics.median(end), 1),
            "posts_rss_mb": _thinned(crawl.samples),
        },
    )
