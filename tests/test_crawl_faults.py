"""Real crawls against a replica that fails like the real site: nothing lost, or said exactly.

Each test turns one kind of fault on in the replica (deterministic by seed),
crawls, and compares the database with the replica's truth: every post and
comment the site served is stored exactly once, or the run names what it could
not get and exits non-zero.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.crawling import (
    differences,
    listed_posts,
    replica_truth,
    run_crawl,
    start_crawl,
    stat_value,
    stored,
    truth_of,
    with_listed_posts,
)
from tests.replica.process import ReplicaProcess

pytestmark = pytest.mark.integration

GALLERY = "faulty"
SPEC = f"{GALLERY}:minor:200"
POST_KEY = ("gallery_id", "post_no")
COMMENT_KEY = ("gallery_id", "post_no", "comment_no")


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return with_listed_posts(replica_truth("--gallery", SPEC))


def assert_equal_to_truth(url: str, lines: list[dict[str, Any]]) -> None:
    assert differences(truth_of(lines, "post"), stored(url, "posts"), POST_KEY) == []
    assert differences(truth_of(lines, "comment"), stored(url, "comments"), COMMENT_KEY) == []


@pytest.fixture
def replica_with(request: pytest.FixtureRequest) -> Iterator[ReplicaProcess]:
    with ReplicaProcess(["--gallery", SPEC, *request.param]) as server:
        yield server


@pytest.mark.parametrize(
    "replica_with",
    [["--fault", "http429=0.05", "--fault", "http503=0.05", "--fault", "reset=0.05"]],
    indirect=True,
)
def test_429_503_and_resets_are_retried_and_nothing_is_lost(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY})
    assert result.returncode == 0, result
    assert_equal_to_truth(database_url, truth)
    faults = replica_with.stats()["faults"]
    assert min(faults.get(name, 0) for name in ("http429", "http503", "reset")) > 0
    # (Twisted's connection pool retries some resets of reused connections by itself.)
    assert stat_value(result.output, "retry/count") >= faults["http429"] + faults["http503"]


@pytest.mark.parametrize("replica_with", [["--fault", "slow=0.05", "--slow-seconds", "3"]],
                         indirect=True)  # fmt: skip
def test_timeouts_are_retried(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY},
                       {"DOWNLOAD_TIMEOUT": 1})  # fmt: skip
    assert result.returncode == 0, result
    assert (
        stat_value(result.output, "retry/reason_count/scrapy.exceptions.DownloadTimeoutError") > 0
    )
    assert_equal_to_truth(database_url, truth)


@pytest.mark.parametrize(
    "replica_with",
    [["--fault", "truncated=0.08", "--fault", "empty=0.08", "--fault", "truncated_close=0.04"]],
    indirect=True,
)
def test_truncated_and_empty_answers_are_retried_never_stored(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY})
    assert result.returncode == 0, result
    assert stat_value(result.output, "dccrawl/broken_retries") > 0
    assert_equal_to_truth(database_url, truth)


@pytest.mark.parametrize("replica_with", [["--fault", "empty=0.5"]], indirect=True)
def test_pages_that_stay_broken_are_named_and_the_run_says_so(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY},
                       {"RETRY_TIMES": 1})  # fmt: skip
    assert result.returncode == 3, result
    failed = stat_value(result.output, "dccrawl/pages_failed")
    named = [line for line in result.output.splitlines() if "Gave up on http" in line]
    assert failed > 0 and len(named) == failed
    # What was stored is whole: no post or comment with a missing or wrong field.
    problems = differences(truth_of(truth, "post"), stored(database_url, "posts"), POST_KEY)
    assert problems and all(problem.startswith("missing") for problem in problems)


def test_retry_after_pauses_the_whole_crawl(
    tmp_path: Path, truth: list[dict[str, Any]], database_url: str
) -> None:
    log = tmp_path / "access.log"
    replica_args = ["--gallery", SPEC, "--fault", "http429=0.03", "--access-log", str(log)]
    with ReplicaProcess(replica_args) as replica:
        result = run_crawl(replica.base_url or "", database_url, {"gallery": GALLERY},
                           {"CONCURRENT_REQUESTS": 4})  # fmt: skip
    assert result.returncode == 0, result
    assert "answered 429: no request to 127.0.0.1 for 1.0 s" in result.output
    assert_equal_to_truth(database_url, truth)
    # After each 429 (Retry-After: 1) only the requests already in flight (at most
    # 3 others, CONCURRENT_REQUESTS=4) may reach the site within the second.
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    times = [float(fields[0]) for fields in lines]
    refusals = [float(fields[0]) for fields in lines if fields[4] == "429"]
    assert refusals
    for moment in refusals:
        within = [t for t in times if moment < t < moment + 0.9]
        assert len(within) <= 3 + sum(moment < r < moment + 0.9 for r in refusals)


def _max_per_second(log: Path) -> int:
    times = sorted(float(line.split("\t")[0]) for line in log.read_text().splitlines())
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_the_politeness_limit_is_never_exceeded(
    tmp_path: Path, truth: list[dict[str, Any]], database_url: str
) -> None:
    log = tmp_path / "access.log"
    with ReplicaProcess(["--gallery", SPEC, "--access-log", str(log)]) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {"gallery": GALLERY, "posts": "150-200"},
            {"DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS": 16},
        )
    assert result.returncode == 0, result
    # 0.05 s between requests: at most 20 in any one second (21 counting both ends).
    assert _max_per_second(log) <= 21


def test_pagination_shifting_under_new_and_deleted_posts_loses_no_post(
    truth: list[dict[str, Any]], database_url: str
) -> None:
    faults = ["--fault", "new_posts=3", "--fault", "delete_posts=3", "--fault", "slow=0.02"]
    with ReplicaProcess(["--gallery", SPEC, *faults, "--slow-seconds", "0.5"]) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {"gallery": GALLERY, "list_num": 30},
            {"CONCURRENT_REQUESTS": 8},
        )
        after = replica.truth(GALLERY)
        stats = replica.stats()
    assert result.returncode == 0, result
    assert stats["galleries"][GALLERY]["arrived"] > 0
    assert stats["galleries"][GALLERY]["fault_deleted"] > 0
    still_there = {line["post_no"] for line in listed_posts(after)}
    survived = {
        line["post_no"] for line in truth if line["type"] == "post"
    } & still_there  # existed for the whole crawl
    with psycopg.connect(database_url) as conn:
        stored_numbers = {no for (no,) in conn.execute("SELECT post_no FROM posts")}
    assert survived - stored_numbers == set()


def _stored_posts(url: str) -> int:
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM posts").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def test_sigterm_stops_cleanly_and_a_jobdir_resume_completes_the_set(
    tmp_path: Path, truth: list[dict[str, Any]], database_url: str
) -> None:
    jobdir = tmp_path / "job"
    settings = {"JOBDIR": str(jobdir), "DOWNLOAD_DELAY": 0.01, "CONCURRENT_REQUESTS": 4}
    with ReplicaProcess(["--gallery", SPEC]) as replica:
        base = replica.base_url or ""
        crawl = start_crawl(base, database_url, {"gallery": GALLERY}, settings,
                            log=tmp_path / "first.log")  # fmt: skip
        deadline = time.monotonic() + 120
        while _stored_posts(database_url) < 30 and time.monotonic() < deadline:
            time.sleep(0.2)
        crawl.send_signal(signal.SIGTERM)  # what scrapyd's cancel sends
        assert crawl.wait(timeout=120) == 1  # stopped before the end: honest, not 0
        first = (tmp_path / "first.log").read_text()
        assert "Closing spider (shutdown)" in first
        assert stat_value(first, "dccrawl/db/unwritten") == 0
        stopped_at = _stored_posts(database_url)
        assert 30 <= stopped_at < len(truth_of(truth, "post"))

        resumed = run_crawl(base, database_url, {"gallery": GALLERY}, settings)
    assert resumed.returncode == 0, resumed
    assert "Resuming crawl" in resumed.output
    assert_equal_to_truth(database_url, truth)
