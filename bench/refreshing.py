"""Figure 6: what a refresh costs against the least it must fetch, and against a full re-crawl.

One replica gallery is crawled whole at epoch 0, then served at epochs 1..N (three busy
hours each: ``testbed/replica/activity.py``) with a refresh (``-a refresh=<its first post>``,
the whole gallery as horizon) after each. Requests are the replica's own count
(``/_replica/stats``). The *lower bound* of a step is what any refresh must fetch: the list
pages + one view per new post + one per deleted post + the comment pages from each changed
thread's first changed page to its last (``/_replica/changes``). At the last epoch the
gallery is crawled whole again, the cost a refresh replaces.

Figures: ``refresh_requests_vs_lower_bound`` (the worst step; target ≤ 1.1) and
``refresh_requests_vs_full_recrawl`` (the mean step's share of a full re-crawl; no target).
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import runs
from bench.database import scratch
from bench.figures import Figure
from bench.replica import ReplicaServer

logger = logging.getLogger(__name__)

GALLERY = "bench"
LIST_NUM = 100
TARGET = 1.1


def _served(replica: ReplicaServer) -> int:
    return sum(int(count) for count in replica.stats()["requests"].values())


def _lower_bound(change: dict[str, Any], listed: int) -> int:
    threads = sum(
        c["last_page"] - c["first_changed_page"] + 1 for c in change["comments"] if c["new"]
    )
    return (
        math.ceil(listed / LIST_NUM)
        + len(change["new_posts"])
        + len(change["deleted_posts"])
        + threads
    )


def measure(admin_url: str, posts: int, epochs: int) -> Iterator[Figure]:
    spec = f"{GALLERY}:major:{posts}"
    steps: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="dccrawl-bench-refresh-") as folder,
        ReplicaServer([spec]) as replica,
        scratch(admin_url) as database,
    ):
        work = Path(folder)

        def crawl(name: str, **arguments: str) -> tuple[runs.Run, int]:
            before = _served(replica)
            command = runs.crawl_command(
                replica.base_url,
                GALLERY,
                database,
                work / f"{name}.json",
                arguments={"kind": "major", **arguments},
            )
            run = runs.run(command, work / f"{name}.json", work / f"{name}.log")
            return run, _served(replica) - before

        first_run, first_requests = crawl("full0")
        truth = replica.truth(GALLERY)
        first_post = min(
            line["post_no"] for line in truth if line["type"] == "post" and not line["is_deleted"]
        )
        logger.info("refresh: full crawl at epoch 0: %d requests", first_requests)
        for epoch in range(1, epochs + 1):
            replica.set_epoch(epoch)
            change = replica.changes(epoch - 1, epoch, GALLERY)[0]
            listed = sum(
                1
                for line in replica.truth(GALLERY)
                if line["type"] == "post" and not line["is_deleted"]
            )
            run, requests = crawl(f"refresh{epoch}", refresh=str(first_post))
            bound = _lower_bound(change, listed)
            steps.append(
                {
                    "epoch": epoch,
                    "requests": requests,
                    "lower_bound": bound,
                    "seconds": round(run.seconds, 2),
                }
            )
            logger.info("refresh: epoch %d: %d requests (lower bound %d)", epoch, requests, bound)
        full_run, full_requests = crawl("full_last")
    worst = max(step["requests"] / step["lower_bound"] for step in steps)
    mean_requests = sum(step["requests"] for step in steps) / len(steps)
    detail = {
        "posts": posts,
        "steps": steps,
        "full_crawl_epoch0": {"requests": first_requests, "seconds": round(first_run.seconds, 2)},
        "full_recrawl_last_epoch": {
            "requests": full_requests,
            "seconds": round(full_run.seconds, 2),
        },
    }
    yield Figure("refresh_requests_vs_lower_bound", worst, "ratio", TARGET, "<=", detail=detail)
    yield Figure(
        "refresh_requests_vs_full_recrawl",
        mean_requests / full_requests,
        "ratio",
        detail={"mean_refresh_requests": mean_requests, "full_recrawl_requests": full_requests},
    )
