"""Crawls of a replica that blocks the crawler, in each shape a blocked client may see.

The replica blocks a client for 20 s after every 1,200 requests (``--block-after
1200/1000``: the window is longer than the crawl, so the blocks come by count, not by
speed), about four blocks per crawl of its 3,000 post numbers. The crawl must come out
exactly equal to the truth with no page given up, count the blocks the replica served,
and send nothing during a block but its probes (read from the replica's access log).

The six crawls (one per shape) run side by side from one module fixture: each spends
most of its time waiting out blocks, so together they take about as long as one.
"""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testbed.databases import fresh_database
from testbed.replica.blocks import BLOCK_SHAPES
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    CrawlResult,
    assert_equal_to_truth,
    replica_truth,
    run_crawl,
    start_crawl,
    stat_value,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

GALLERY = "blocky"
SPEC = f"{GALLERY}:major:3000"
BLOCK_SECONDS = 20
CONCURRENCY = 16
REFUSALS = 4  # DCCRAWL_BLOCK_REFUSALS (the default)
SETTINGS = {
    "CONCURRENT_REQUESTS": CONCURRENCY,
    "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
    "DCCRAWL_BLOCK_PROBE_SECONDS": 2,
    "DCCRAWL_BLOCK_PROBE_MAX_SECONDS": 5,
    "DOWNLOAD_TIMEOUT": 3,  # the "timeout" shape: a blocked request hangs until this
}


@dataclass
class BlockedCrawl:
    replica: ReplicaProcess
    process: subprocess.Popen[bytes]
    log: Path
    access_log: Path
    database_url: str

    def result(self) -> CrawlResult:
        code = self.process.wait(timeout=900)
        return CrawlResult(code, self.log.read_text(errors="replace"))


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return with_listed_posts(replica_truth("--gallery", SPEC))


@pytest.fixture(scope="module")
def blocked_crawls(
    pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, BlockedCrawl]]:
    """One crawl per block shape, all started at once."""
    crawls: dict[str, BlockedCrawl] = {}
    contexts = []
    try:
        for shape in BLOCK_SHAPES:
            folder = tmp_path_factory.mktemp(f"block-{shape}")
            access_log = folder / "access.log"
            replica = ReplicaProcess(
                ["--gallery", SPEC, "--block-after", "1200/1000",
                 "--block-seconds", str(BLOCK_SECONDS), "--block-shape", shape,
                 "--access-log", str(access_log)]
            )  # fmt: skip
            replica.__enter__()
            contexts.append(replica)
            database = fresh_database(pg_admin_url)
            url = database.__enter__()
            contexts.append(database)
            log = folder / "crawl.log"
            process = start_crawl(
                replica.base_url or "", url, {"gallery": GALLERY}, SETTINGS, log=log
            )
            crawls[shape] = BlockedCrawl(replica, process, log, access_log, url)
        yield crawls
    finally:
        for crawl in crawls.values():
            if crawl.process.poll() is None:
                crawl.process.kill()
                crawl.process.wait()
        for context in reversed(contexts):
            context.__exit__(None, None, None)


def blocked_requests(access_log: Path) -> list[list[list[str]]]:
    """The access log's blocked requests, by arrival, grouped into the blocks that answered
    them (a block ends where a request was answered again)."""
    lines = [line.split("\t") for line in access_log.read_text().splitlines()]
    lines.sort(key=lambda fields: float(fields[0]))
    blocks: list[list[list[str]]] = []
    inside = False
    for fields in lines:
        blocked = len(fields) > 7 and fields[7] == "blocked"
        if blocked and not inside:
            blocks.append([])
        if blocked:
            blocks[-1].append(fields)
        inside = blocked
    return blocks


@pytest.mark.parametrize("shape", BLOCK_SHAPES)
def test_blocks_are_waited_out_and_nothing_is_lost(
    shape: str, blocked_crawls: dict[str, BlockedCrawl], truth: list[dict[str, Any]]
) -> None:
    crawl = blocked_crawls[shape]
    result = crawl.result()
    assert result.returncode == 0, result
    served = crawl.replica.stats()["blocks"]
    assert served >= 3, f"the replica blocked only {served} time(s)"
    assert stat_value(result.output, "dccrawl/blocks/count") == served
    assert stat_value(result.output, "dccrawl/pages_failed", default=0) == 0
    assert stat_value(result.output, "dccrawl/blocks/put_back") > 0
    assert stat_value(result.output, "dccrawl/blocks/seconds") >= served * BLOCK_SECONDS * 0.9
    assert f"blocks {served}" in result.output  # the summary line counts them
    assert_equal_to_truth(crawl.database_url, truth)


@pytest.mark.parametrize("shape", BLOCK_SHAPES)
def test_nothing_but_probes_is_sent_during_a_block(
    shape: str, blocked_crawls: dict[str, BlockedCrawl]
) -> None:
    crawl = blocked_crawls[shape]
    result = crawl.result()
    assert result.returncode == 0, result
    blocks = blocked_requests(crawl.access_log)
    assert len(blocks) == crawl.replica.stats()["blocks"]
    for number, block in enumerate(blocks, 1):
        # The probe: one page that answered before, asked again and again.
        gets = Counter(fields[3] for fields in block if fields[2] == "GET")
        probe, probes = gets.most_common(1)[0]
        assert probes >= 2, f"block {number}: {probes} probe(s) in {BLOCK_SECONDS} s"
        bursts = arrival_bursts(block)
        # Before the crawler could know of the block, requests in flight were refused:
        # at most a full downloader and the refusals it took to suspect a block (twice
        # over for resets: Twisted's connection pool resends a request whose reused
        # connection was reset, once, by itself), and the confirmation (a page of each
        # kind that answered before, sent together, the probe's page among them).
        first = next(i for i, burst in enumerate(bursts) if any(f[3] == probe for f in burst))
        refused = sum(len(burst) for burst in bursts[: first + 1])
        assert refused <= 2 * (CONCURRENCY + REFUSALS + 3), f"block {number}: {refused} refused"
        # After the confirmation, nothing but the probe, seconds apart.
        late = [f[2:4] for burst in bursts[first + 1 :] for f in burst if f[3] != probe]
        assert late == [], f"block {number}: sent during the block: {late}"


def arrival_bursts(block: list[list[str]]) -> list[list[list[str]]]:
    """A block's requests in bursts: a new burst after a second without a request (the
    probes are 2 s or more apart; requests sent together arrive within milliseconds)."""
    bursts: list[list[list[str]]] = []
    last = None
    for fields in block:
        arrived = float(fields[0])
        if last is None or arrived - last > 1.0:
            bursts.append([])
        bursts[-1].append(fields)
        last = arrived
    return bursts


def site_answers(base_url: str) -> bool:
    """Whether the replica answers this machine again (its block is over)."""
    try:
        with urllib.request.urlopen(f"{base_url}/board/lists/?id={GALLERY}", timeout=5) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_a_block_that_outlasts_the_limit_stops_the_crawl_and_jobdir_resumes_it(
    tmp_path: Path, database_url: str
) -> None:
    spec = f"{GALLERY}:major:300"
    log = tmp_path / "access.log"
    replica_args = ["--gallery", spec, "--block-after", "200/1000", "--block-seconds", "15",
                    "--block-shape", "403", "--access-log", str(log)]  # fmt: skip
    settings = {**SETTINGS, "DCCRAWL_BLOCK_PROBE_SECONDS": 1, "JOBDIR": str(tmp_path / "job")}
    with ReplicaProcess(replica_args) as replica:
        base_url = replica.base_url or ""
        stopped = run_crawl(base_url, database_url, {"gallery": GALLERY},
                            {**settings, "DCCRAWL_BLOCK_GIVE_UP_SECONDS": 3})  # fmt: skip
        assert stopped.returncode == 1, stopped
        errors = [line for line in stopped.output.splitlines() if " ERROR: " in line]
        assert len(errors) == 2, errors  # the one line, and the exit code's verdict
        assert "the site refused every request for 0:00:0" in errors[0]
        assert "to resume, run the same command again: JOBDIR" in errors[0]
        assert stat_value(stopped.output, "dccrawl/pages_failed", default=0) == 0
        replica.heal()  # the block ends (as it would after its 15 s): no wait
        assert site_answers(base_url)
        resumed = run_crawl(base_url, database_url, {"gallery": GALLERY}, settings)
    assert resumed.returncode == 0, str(resumed)  # the tail of its log: what it lost
    assert "resum" in resumed.output.lower()
    assert_equal_to_truth(database_url, with_listed_posts(replica_truth("--gallery", spec)))
