"""Figure 5: two scrapyd nodes against one, each held to the same per-node politeness limit.

Against the real site a node may only go as fast as it is allowed (a delay
between requests, one request at a time); the way to crawl faster is more nodes.
This measures whether two nodes really give twice the posts/s: two ``scrapyd``
processes (their own folders, ports and job queues), the project deployed to each
with ``scrapyd-deploy``, jobs queued with scrapyd's ``schedule.json`` and followed
with ``listjobs.json`` — scrapyd's own interface, nothing of ``dccrawl.cluster``.

Each job crawls a range of post numbers (``-a posts=A-B``) of one replica
gallery into one database, with ``DOWNLOAD_DELAY`` = ``delay`` and
``CONCURRENT_REQUESTS_PER_DOMAIN`` = 1 (AutoThrottle off, so the limit is exactly
that). One node crawls all the numbers; then two nodes crawl half each. A run's
throughput is the posts stored over the time from the first job's spider opening
to the last job's spider closing (from the jobs' logs: the final stats' start and
finish times), so the seconds each job's process needs to start are not counted
as crawling; the ratio over the whole time, from scheduling to the last job's
end, is in ``detail``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.database import scratch
from bench.figures import Figure
from bench.replica import ReplicaServer
from dccrawl.db.migrate import migrate
from testbed.scrapyd_nodes import ScrapydNode, deploy_config, scrapyd_deploy

logger = logging.getLogger(__name__)

GALLERY = "scaling"
PROJECT = "dccrawl"
TARGET_RATIO = 1.8
# Scrapy's final stats in a job log: 'start_time': datetime.datetime(2026, 11, 27, ...)
_STAT_TIME = re.compile(r"'(start_time|finish_time)': datetime\.datetime\(([\d, ]+)")


def schedule(node: ScrapydNode, arguments: Mapping[str, str], settings: Mapping[str, str]) -> str:
    """Queue one gallery job on ``node`` (scrapyd's ``schedule.json``); its job id."""
    form = [("project", PROJECT), ("spider", "gallery"), *arguments.items()]
    form += [("setting", f"{name}={value}") for name, value in settings.items()]
    answer = node.post("schedule.json", form)
    if answer.get("status") != "ok":
        raise RuntimeError(f"scrapyd {node.url} refused the job: {answer}")
    return str(answer["jobid"])


def finished(node: ScrapydNode, job: str) -> bool:
    jobs = node.api(f"listjobs.json?project={PROJECT}")
    return any(entry.get("id") == job for entry in jobs.get("finished", []))


def window(node: ScrapydNode, job: str) -> tuple[dt.datetime, dt.datetime]:
    """When the job's spider opened and closed (its final stats, in its log)."""
    text = (node.root / "logs" / PROJECT / "gallery" / f"{job}.log").read_text(
        encoding="utf-8", errors="replace"
    )
    times = {name: _datetime(numbers) for name, numbers in _STAT_TIME.findall(text)}
    if set(times) != {"start_time", "finish_time"}:
        raise RuntimeError(f"job {job} on {node.url} logged no final stats: {text[-2000:]}")
    return times["start_time"], times["finish_time"]


def _datetime(numbers: str) -> dt.datetime:
    parts = [int(n) for n in numbers.replace(" ", "").split(",") if n]
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


def deploy(nodes: list[ScrapydNode], folder: Path) -> None:
    """``scrapyd-deploy`` the project onto every node (targets in a scrapy.cfg of our own)."""
    targets = {f"bench-node-{n}": node for n, node in enumerate(nodes, 1)}
    environment = deploy_config(folder, targets)
    for name in targets:
        process = scrapyd_deploy(name, "-p", PROJECT, env=environment)
        _out, errors = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"scrapyd-deploy {name} failed: {errors[-2000:]}")


@dataclass
class RunResult:
    """One run (one or two nodes): posts stored, crawling window, whole wall time."""

    posts: int
    crawl_seconds: float
    wall_seconds: float

    @property
    def rate(self) -> float:
        return self.posts / self.crawl_seconds


def _run(
    nodes: list[ScrapydNode],
    ranges: list[tuple[int, int]],
    admin_url: str,
    base_url: str,
    delay: float,
) -> RunResult:
    with scratch(admin_url) as database:
        migrate(database)  # once, not raced by the two jobs' first seconds
        settings = {
            "DCCRAWL_BASE_URL": base_url,
            "DATABASE_URL": database,
            "DOWNLOAD_DELAY": str(delay),
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            "AUTOTHROTTLE_ENABLED": "False",
            "DCCRAWL_PROGRESS_INTERVAL": "0",
            "LOG_LEVEL": "INFO",
        }
        started = time.monotonic()
        jobs = [
            (node, schedule(node, {"gallery": GALLERY, "posts": f"{first}-{last}"}, settings))
            for node, (first, last) in zip(nodes, ranges, strict=True)
        ]
        while not all(finished(node, job) for node, job in jobs):
            time.sleep(0.2)
        wall = time.monotonic() - started
        windows = [window(node, job) for node, job in jobs]
        with psycopg.connect(database) as conn:
            row = conn.execute("SELECT count(*) FROM posts").fetchone()
    posts = int(row[0]) if row else 0
    crawl = (max(end for _, end in windows) - min(start for start, _ in windows)).total_seconds()
    return RunResult(posts, crawl, wall)


def _node(stack: ExitStack, root: Path) -> ScrapydNode:
    """A started node (one job at a time, polling its queue every 0.2 s), stopped with
    ``stack``: the tests' scrapyd node, with the configuration the README ships."""
    node = ScrapydNode(root, max_proc=1, poll_interval=0.2)
    stack.callback(node.stop)
    node.start()
    return node


def measure(admin_url: str, posts: int, delay: float) -> Iterator[Figure]:
    """One node over post numbers 1..``posts``, then two nodes over half each."""
    half = posts // 2
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dccrawl-bench-")))
        replica = stack.enter_context(ReplicaServer([f"{GALLERY}:major:{posts}:noheads"]))
        nodes = [_node(stack, folder / f"node{n}") for n in (1, 2)]
        deploy(nodes, folder / "config")
        one = _run(nodes[:1], [(1, posts)], admin_url, replica.base_url, delay)
        logger.info("scaling, one node: %d posts in %.1f s", one.posts, one.crawl_seconds)
        two = _run(nodes, [(1, half), (half + 1, posts)], admin_url, replica.base_url, delay)
        logger.info("scaling, two nodes: %d posts in %.1f s", two.posts, two.crawl_seconds)
    limit = {"download_delay_s": delay, "concurrent_requests_per_domain": 1}
    for name, result in (
        ("scaling_one_node_posts_per_s", one),
        ("scaling_two_nodes_posts_per_s", two),
    ):
        yield Figure(
            name,
            result.rate,
            "posts/s",
            detail={
                "posts": result.posts,
                "crawl_seconds": round(result.crawl_seconds, 2),
                "wall_seconds": round(result.wall_seconds, 2),
                **limit,
            },
        )
    yield Figure(
        "scaling_ratio",
        two.rate / one.rate,
        "ratio",
        TARGET_RATIO,
        ">=",
        detail={
            "wall_ratio": round((two.posts / two.wall_seconds) / (one.posts / one.wall_seconds), 3)
        },
    )
