"""Real crawls against a replica that fails like the real site: nothing lost, or said exactly.

Each test turns one kind of fault on in the replica (deterministic by seed),
crawls, and compares the database with the replica's truth: every post and
comment the site served is stored exactly once, or the run names what it could
not get and exits non-zero.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    assert_equal_to_truth,
    listed_posts,
    replica_truth,
    run_crawl,
    start_crawl,
    stat_value,
    truth_of,
    wait_until,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

GALLERY = "faulty"
SPEC = f"{GALLERY}:minor:200"


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return with_listed_posts(replica_truth("--gallery", SPEC))


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


# Only view pages break (--fault-only view): the list pages, so the crawl itself, always
# get through, and what is lost is exactly the posts whose view page stayed broken.
@pytest.mark.parametrize(
    "replica_with", [["--fault", "empty=0.5", "--fault-only", "view"]], indirect=True
)
def test_pages_that_stay_broken_are_named_and_the_run_says_so(
    replica_with: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica_with.base_url or "", database_url, {"gallery": GALLERY},
                       {"RETRY_TIMES": 1})  # fmt: skip
    assert result.returncode == 3, result
    # Broken pages among good ones are no block: runs of their refusals are checked
    # (one request to a page that answered) and found to be no block.
    assert stat_value(result.output, "dccrawl/blocks/count", default=0) == 0
    failed = stat_value(result.output, "dccrawl/pages_failed")
    named = re.findall(r"Gave up on (\S+): ", result.output)
    assert failed > 0 and len(named) == failed, result
    lost = set()
    for url in named:
        found = re.fullmatch(rf".*/view/\?id={GALLERY}&no=(\d+)(?:&.*)?", url)
        assert found, f"only view pages were broken, yet the run gave up on {url}"
        lost.add(int(found.group(1)))
    assert len(lost) == failed  # each named once
    # Everything else is stored whole; the posts named are missing, with their comments.
    kept = [line for line in truth if line["post_no"] not in lost]
    assert_equal_to_truth(database_url, kept)
    with psycopg.connect(database_url) as conn:
        stored_numbers = {no for (no,) in conn.execute("SELECT post_no FROM posts")}
    assert not stored_numbers & lost


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
    # 3 others, CONCURRENT_REQUESTS=4) may reach the site within the second. The log
    # gives each request's arrival (field 1) and the moment its answer was done (field
    # 7): the crawler cannot know of a 429 before it was answered, so count the requests
    # that arrived within 0.9 s after that.
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    arrivals = [float(fields[0]) for fields in lines]
    refusals = [float(fields[6]) for fields in lines if fields[4] == "429"]
    assert refusals
    for moment in refusals:
        within = [t for t in arrivals if moment < t < moment + 0.9]
        assert len(within) <= 3 + sum(moment < r < moment + 0.9 for r in refusals)


def arrivals(log: Path) -> list[float]:
    """When each request arrived at the replica (the access log's first field), in order."""
    return sorted(float(line.split("\t")[0]) for line in log.read_text().splitlines())


def least_slack(times: list[float], delay: float) -> tuple[float, int, int]:
    """How far the requests stayed below one per ``delay`` seconds: the least, over every
    pair of requests k apart, of the time between them minus k × delay (negative: they
    came faster than the limit), with the pair's indexes."""
    worst = (float("inf"), 0, 0)
    for i, first in enumerate(times):
        for j in range(i + 1, len(times)):
            worst = min(worst, (times[j] - first - (j - i) * delay, i, j))
    return worst


def max_per_second(times: list[float]) -> int:
    """The most requests that arrived within any one second (for the failure message)."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


# Arrival times are measured at the replica, after the request crossed the loopback and
# waited for the replica's event loop: a request can arrive late by a little, and those
# behind it then close up to it. This allowance for that measurement error is per pair,
# not per request, so it does not grow with the window: 50 requests must still span at
# least 49 × 0.05 - 0.25 = 2.2 s, and a crawl at even 0.04 s per request fails.
ARRIVAL_ALLOWANCE = 0.25


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
    times = arrivals(log)
    assert len(times) >= 60, "too few requests to measure a rate"
    # 0.05 s between requests: any k requests apart span at least k × 0.05 s.
    slack, first, last = least_slack(times, 0.05)
    assert slack >= -ARRIVAL_ALLOWANCE, (
        f"requests {first}..{last} arrived within {times[last] - times[first]:.3f} s "
        f"({max_per_second(times)} in the busiest second)"
    )


def test_pagination_shifting_under_new_and_deleted_posts_loses_no_post(
    truth: list[dict[str, Any]], database_url: str
) -> None:
    # Arrivals and deletions by requests served (--event-clock requests), not by time:
    # one new post and one deletion every 20 requests, however fast the machine.
    faults = ["--fault", "new_posts=0.05", "--fault", "delete_posts=0.05", "--fault", "slow=0.02"]
    replica_args = ["--gallery", SPEC, *faults, "--slow-seconds", "0.5", "--event-clock",
                    "requests"]  # fmt: skip
    with ReplicaProcess(replica_args) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {"gallery": GALLERY, "list_num": 30},
            {"CONCURRENT_REQUESTS": 8},
        )
        after = replica.truth(GALLERY)
        stats = replica.stats()
    assert result.returncode == 0, result
    # At least one view page per listed post was requested while the list shifted.
    served = sum(stats["requests"].values())
    assert served >= len(listed_posts(truth))
    assert stats["galleries"][GALLERY]["arrived"] == int(served * 0.05) >= 9
    assert stats["galleries"][GALLERY]["fault_deleted"] == int(served * 0.05)
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
    except psycopg.errors.UndefinedTable:  # the crawl has not created its tables yet
        return 0


def _log_says(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(errors="replace")


ANSWERED_VIEWS = 60  # --hold-views-after: view pages answered before the replica holds


def test_sigterm_stops_cleanly_and_a_jobdir_resume_completes_the_set(
    tmp_path: Path, truth: list[dict[str, Any]], database_url: str
) -> None:
    jobdir = tmp_path / "job"
    log = tmp_path / "first.log"
    concurrency = 4
    settings = {"JOBDIR": str(jobdir), "DOWNLOAD_DELAY": 0.01, "CONCURRENT_REQUESTS": concurrency}
    listed = len(truth_of(truth, "post"))
    # The replica answers 60 view pages, then holds the others until released: the
    # crawl is certainly still running, with at most 60 posts, when it gets SIGTERM.
    replica_args = ["--gallery", SPEC, "--hold-views-after", str(ANSWERED_VIEWS)]
    with ReplicaProcess(replica_args) as replica:
        base = replica.base_url or ""
        crawl = start_crawl(base, database_url, {"gallery": GALLERY}, settings, log=log)
        try:
            wait_until(lambda: replica.stats()["held"] > 0, "the crawl reaches the hold")
            wait_until(lambda: _stored_posts(database_url) >= 30, "30 posts are stored")
            crawl.send_signal(signal.SIGTERM)  # what scrapyd's cancel sends
            wait_until(lambda: _log_says(log, "Received SIGTERM, shutting down gracefully"),
                       "the crawl has the signal")  # fmt: skip
            # Shutting down, it waits for the pages in flight: answer them.
            assert replica.release() >= 1
            assert crawl.wait(timeout=120) == 1  # stopped before the end: honest, not 0
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
        first = log.read_text()
        assert "Closing spider (shutdown)" in first
        assert stat_value(first, "dccrawl/db/unwritten") == 0  # set at close, 0 if none
        stopped_at = _stored_posts(database_url)
        # At most the views answered before the hold and those in flight at the signal.
        assert 30 <= stopped_at <= ANSWERED_VIEWS + concurrency < listed

        resumed = run_crawl(base, database_url, {"gallery": GALLERY}, settings)
    assert resumed.returncode == 0, resumed
    assert "Resuming crawl" in resumed.output
    assert_equal_to_truth(database_url, truth)
