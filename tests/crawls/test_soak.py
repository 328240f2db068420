"""The soak test: a large replica gallery with every fault on at once ends equal to truth.

``DCCRAWL_SOAK_POSTS`` posts (500 by default, what CI runs in under a minute:
CI's 15-minute budget; ``DCCRAWL_SOAK_POSTS=20000`` for the full soak whose figures the README
records, about half an hour) are crawled while the
replica answers a few percent of requests with 429 (Retry-After), 503,
connection resets, slow answers past the download timeout, truncated and empty
200 bodies. The crawl must end with exit 0 and the database equal to the
replica's truth: 0 posts or comments lost, 0 duplicated. The figures (posts,
comments, faults injected, retries, time) are printed, and written to the file
named by ``DCCRAWL_SOAK_REPORT`` when set, for the README's Reliability section.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    COMMENT_KEY,
    POST_KEY,
    differences,
    listed_posts,
    replica_truth,
    run_crawl,
    stat_value,
    stored,
    truth_of,
    with_listed_posts,
)

pytestmark = [pytest.mark.integration, pytest.mark.soak]

POSTS = int(os.environ.get("DCCRAWL_SOAK_POSTS", "500"))
GALLERY = "soak"
SPEC = f"{GALLERY}:major:{POSTS}"
FAULTS = {
    "http429": 0.02,
    "http503": 0.02,
    "reset": 0.02,
    "slow": 0.01,
    "truncated": 0.02,
    "truncated_close": 0.01,
    "empty": 0.02,
}


def test_a_large_gallery_with_every_fault_on_ends_equal_to_truth(database_url: str) -> None:
    expected = with_listed_posts(replica_truth("--gallery", SPEC))
    listed = {line["post_no"] for line in listed_posts(expected)}

    faults = [arg for name, rate in FAULTS.items() for arg in ("--fault", f"{name}={rate}")]
    started = time.monotonic()
    with ReplicaProcess(["--gallery", SPEC, *faults, "--slow-seconds", "3"]) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {"gallery": GALLERY},
            {"DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 10, "DCCRAWL_PROGRESS_INTERVAL": 30},
            timeout=3600,
        )
        injected = replica.stats()["faults"]
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result
    # Every fault was really injected (the replica counts them), and retried.
    assert set(injected) == set(FAULTS), injected
    assert all(count > 0 for count in injected.values()), injected
    retries = stat_value(result.output, "retry/count")
    broken_retries = stat_value(result.output, "dccrawl/broken_retries")
    assert retries >= injected["http429"] + injected["http503"]
    assert broken_retries > 0

    posts, comments = truth_of(expected, "post"), truth_of(expected, "comment")
    assert {line["post_no"] for line in posts} == listed
    stored_posts, stored_comments = stored(database_url, "posts"), stored(database_url, "comments")
    assert differences(posts, stored_posts, POST_KEY) == []
    assert differences(comments, stored_comments, COMMENT_KEY) == []
    lost = {
        "posts": len(keys_of(posts, POST_KEY) - keys_of(stored_posts, POST_KEY)),
        "comments": len(keys_of(comments, COMMENT_KEY) - keys_of(stored_comments, COMMENT_KEY)),
    }
    duplicated = {table: duplicates(database_url, table) for table in ("posts", "comments")}
    assert lost == {"posts": 0, "comments": 0}, lost
    assert duplicated == {"posts": 0, "comments": 0}, duplicated

    figures: dict[str, Any] = {
        "posts": len(listed),
        "comments": len(comments),
        "faults_injected": injected,
        "faults_total": sum(injected.values()),
        "retries": retries,
        "broken_retries": broken_retries,
        "seconds": round(elapsed, 1),
        "lost": sum(lost.values()),
        "duplicated": sum(duplicated.values()),
    }
    print(json.dumps(figures))
    report = os.environ.get("DCCRAWL_SOAK_REPORT")
    if report:
        Path(report).write_text(json.dumps(figures, indent=2) + "\n")


def keys_of(rows: list[dict[str, Any]], key: tuple[str, ...]) -> set[tuple[Any, ...]]:
    return {tuple(row[k] for k in key) for row in rows}


# Rows stored more than once under one key: the key columns as the database has them.
DUPLICATES = {
    "posts": "SELECT count(*) - count(DISTINCT (gallery_id, post_no)) FROM posts",
    "comments": "SELECT count(*) - count(DISTINCT (gallery_id, post_no, comment_no)) FROM comments",
}


def duplicates(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(DUPLICATES[table]).fetchone()
    assert row is not None
    return int(row[0])
