"""The kill matrix: a crawl killed at any moment, then resumed or repeated, ends at the truth.

Every scenario is one signal (SIGTERM, SIGINT, SIGINT twice, SIGKILL) at one moment of a
crawl (the list phase, the middle of the view pages, while the database is down), with or
without ``JOBDIR``. The killed run must exit with a code that tells the truth (1 for a
signal Scrapy handles, never 0; -9 for SIGKILL); the next run with the same arguments
(the same ``JOBDIR``: a resume; none: a repeat) must exit 0 and leave the database equal
to the replica's truth, every field of every post and comment.

Moments are reached by waiting on observable state, never on timing guesses:

* list phase: the replica's access log shows list page 1 answered and no view page yet
  (the replica answers the killed run slowly, ``SLOW_SECONDS`` per request, so the view
  requests that follow list page 1 are still in flight);
* mid views: at least a third of the posts are in the database, not all;
* database down: the crawl writes through a TCP proxy to PostgreSQL (``tests/killing.py``);
  once some posts are stored the proxy is cut, and the signal goes once the crawl has
  logged a failed write. The killed run gives the outage ``DCCRAWL_DB_RETRY_SECONDS``;
  the proxy is restored before the next run.

The killed run crawls a slow replica and the next run a fast one, both serving the same
data behind one HTTP proxy, so both runs see the same base URL.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    CrawlResult,
    replica_truth,
    run_crawl,
    start_crawl,
    truth_differences,
    truth_of,
    with_listed_posts,
)
from tests.killing import (
    AccessLog,
    MomentMissed,
    PostCounter,
    TcpProxy,
    database_upstream,
    ended,
    log_tail,
    through_proxy,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GALLERY = "kill"
SPEC = f"{GALLERY}:major:120"
# Both replicas and the truth are made for one fixed moment (today, 00:05 KST).
NOW = dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%dT00:05:00")
# kind given: no kind-detection request before list page 1 (the list phase starts at once).
ARGUMENTS: dict[str, object] = {"gallery": GALLERY, "kind": "major", "list_num": 30}
SETTINGS: dict[str, object] = {
    "DCCRAWL_DB_BATCH_SIZE": 20,
    "DCCRAWL_DB_BATCH_SECONDS": 0.2,
    "DCCRAWL_DB_RETRY_SECONDS": 2,  # a graceful stop during the outage gives up after 2 s
}
SLOW_SECONDS = 0.3  # every answer of the killed run's replica: room for each moment
POSTS_BEFORE_CUT = 10  # "some posts are stored" before the database goes down
MOMENT_TIMEOUT = 60.0  # safety deadlines: generous, and loud when they pass
SHUTDOWN_TIMEOUT = 60.0
RUN_TIMEOUT = 180.0

SUMMARY = re.compile(rf"\b{GALLERY}: done in \d+:\d\d:\d\d: posts \d+")
VERDICT = re.compile(r"Crawl .* \(exit code (-?\d+)\)")
UNWRITTEN = re.compile(r"'dccrawl/db/unwritten': (\d+)")  # in the stats dumped at close
FIRST_SIGINT = "Received SIGINT, shutting down gracefully"

SIGNALS = ("SIGTERM", "SIGINT", "SIGINT twice", "SIGKILL")
MOMENTS = {
    "list": "during the list phase",
    "views": "in the middle of the view pages",
    "db-down": "while the database is down",
}


@dataclass(frozen=True)
class Scenario:
    signal: str  # one of SIGNALS
    moment: str  # a key of MOMENTS
    jobdir: bool

    def __str__(self) -> str:
        where = "with JOBDIR" if self.jobdir else "without JOBDIR"
        return f"{self.signal} {MOMENTS[self.moment]}, {where}"

    @property
    def id(self) -> str:
        name = self.signal.replace(" ", "-")
        return f"{name}-{self.moment}-{'jobdir' if self.jobdir else 'nojobdir'}"

    @property
    def next_run(self) -> str:
        return "resumed run (same JOBDIR)" if self.jobdir else "repeated run (no JOBDIR)"


SCENARIOS = [
    Scenario(name, moment, jobdir)
    for name in SIGNALS
    for moment in MOMENTS
    for jobdir in (True, False)
]


# --- the site, the database proxy and the truth, shared by the module ----------------------


class Site:
    """One base URL (an HTTP proxy) served by a slow or a fast replica of the same data."""

    def __init__(self, proxy: TcpProxy, slow: ReplicaProcess, fast: ReplicaProcess,
                 access_log: Path) -> None:  # fmt: skip
        self.proxy = proxy
        self.slow_replica = slow
        self.fast_replica = fast
        self.access_log = access_log
        self.base_url = f"http://127.0.0.1:{proxy.port}"

    @staticmethod
    def _address(replica: ReplicaProcess) -> tuple[str, int]:
        host, _, port = (replica.base_url or "").removeprefix("http://").partition(":")
        return host, int(port)

    def slow(self) -> None:
        """New connections go to the slow replica (the run to be killed)."""
        self.proxy.retarget(self._address(self.slow_replica))

    def fast(self) -> None:
        """New connections go to the fast replica (the run that must finish)."""
        self.proxy.retarget(self._address(self.fast_replica))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    access_log = tmp_path_factory.mktemp("kill-matrix") / "slow-access.log"
    slow_args = ["--gallery", SPEC, "--now", NOW, "--fault", "slow=1",
                 "--slow-seconds", str(SLOW_SECONDS), "--access-log", str(access_log)]  # fmt: skip
    with (
        ReplicaProcess(slow_args) as slow,
        ReplicaProcess(["--gallery", SPEC, "--now", NOW]) as fast,
        TcpProxy(("127.0.0.1", 1)) as proxy,
    ):
        site = Site(proxy, slow, fast, access_log)
        site.fast()
        yield site


@pytest.fixture(scope="module")
def database_proxy(pg_admin_url: str) -> Iterator[TcpProxy]:
    with TcpProxy(database_upstream(pg_admin_url)) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return with_listed_posts(replica_truth("--gallery", SPEC, "--now", NOW))


@dataclass
class Bench:
    """What every scenario uses: the site, the database proxy and the truth."""

    site: Site
    database_proxy: TcpProxy
    truth: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return len(truth_of(self.truth, "post"))


@pytest.fixture(scope="module")
def bench(site: Site, database_proxy: TcpProxy, truth: list[dict[str, Any]]) -> Bench:
    return Bench(site, database_proxy, truth)


# --- killing a crawl at a moment ------------------------------------------------------------


@dataclass
class Killed:
    """How the killed run ended."""

    returncode: int | None  # None: it did not end within SHUTDOWN_TIMEOUT (then killed)
    output: str
    stored_at_signal: int  # posts in the database when the (first) signal went

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def reach_moment(
    scenario: Scenario,
    crawl: subprocess.Popen[bytes],
    bench: Bench,
    *,
    access: AccessLog,
    posts: PostCounter,
    log: Path,
) -> None:
    """Return once the running crawl is at the scenario's moment (or fail, naming it)."""

    def wait(condition: Callable[[], bool], what: str) -> None:
        wait_until(condition, what=what, scenario=str(scenario), log=log, process=crawl,
                   timeout=MOMENT_TIMEOUT)  # fmt: skip

    if scenario.moment == "list":
        wait(lambda: bool(access.served("list", page="1")), "list page 1 to be served")
        if access.served("view"):
            raise MomentMissed(f"[{scenario}] view pages were already answered when list page "
                               f"1 was: no list phase to stop in\n{log_tail(log)}")  # fmt: skip
    elif scenario.moment == "views":
        total = bench.total
        third = math.ceil(total / 3)
        wait(lambda: posts() >= third, f"at least {third} of {total} posts to be stored")
        if posts() >= total:
            raise MomentMissed(f"[{scenario}] all {total} posts were stored before the signal: "
                               f"no middle of the view pages\n{log_tail(log)}")  # fmt: skip
    else:
        wait(lambda: posts() >= POSTS_BEFORE_CUT, f"{POSTS_BEFORE_CUT} posts to be stored")
        bench.database_proxy.cut()
        offset = len(log.read_bytes())
        wait(lambda: b"Database write failed" in log.read_bytes()[offset:],
             "the crawl to log a database write failure after the cut")  # fmt: skip


def deliver(scenario: Scenario, crawl: subprocess.Popen[bytes], log: Path) -> None:
    """Send the scenario's signal(s) to the crawl."""
    if scenario.signal == "SIGKILL":
        crawl.kill()
    elif scenario.signal == "SIGTERM":
        crawl.send_signal(signal.SIGTERM)
    elif scenario.signal == "SIGINT":
        crawl.send_signal(signal.SIGINT)
    else:  # SIGINT twice: the second while the first shutdown is in progress
        offset = len(log.read_bytes())
        crawl.send_signal(signal.SIGINT)
        wait_until(lambda: FIRST_SIGINT.encode() in log.read_bytes()[offset:],
                   what="the crawl to log the first SIGINT", scenario=str(scenario), log=log,
                   process=crawl, timeout=MOMENT_TIMEOUT, interval=0.005)  # fmt: skip
        if crawl.poll() is not None:
            raise MomentMissed(f"[{scenario}] the first SIGINT's shutdown ended (exit "
                               f"{crawl.returncode}) before the second SIGINT could be sent\n"
                               f"{log_tail(log)}")  # fmt: skip
        crawl.send_signal(signal.SIGINT)


def kill_a_crawl(
    scenario: Scenario,
    bench: Bench,
    database_url: str,
    *,
    settings: dict[str, object],
    log: Path,
) -> Killed:
    """Start a crawl against the slow replica, signal it at the moment, wait for its end."""
    site, database_proxy = bench.site, bench.database_proxy
    database_proxy.restore()
    site.slow()
    access = AccessLog(site.access_log, since=time.monotonic())
    url = through_proxy(database_url, database_proxy)
    crawl = start_crawl(site.base_url, url, ARGUMENTS, settings, log=log)
    try:
        with PostCounter(database_url) as posts:
            reach_moment(scenario, crawl, bench, access=access, posts=posts, log=log)
            at_signal = posts()
            deliver(scenario, crawl, log)
        returncode = ended(crawl, SHUTDOWN_TIMEOUT)
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
        database_proxy.restore()
        site.fast()
    return Killed(returncode, log.read_text(errors="replace"), at_signal)


def check_killed_run(scenario: Scenario, killed: Killed) -> None:
    """The killed run's exit code and last words tell the truth."""
    where = f"[{scenario}] killed run"
    if scenario.signal == "SIGKILL":
        assert killed.returncode == -signal.SIGKILL, (
            f"{where}: expected to die of SIGKILL (-9), ended {killed.returncode}\n{killed.tail()}"
        )
        return
    assert killed.returncode is not None, (
        f"{where}: still running {SHUTDOWN_TIMEOUT:.0f} s after the signal (killed)\n"
        f"{killed.tail()}"
    )
    assert killed.returncode != 0, (
        f"{where}: exited 0, but it stopped before the end\n{killed.tail()}"
    )
    assert killed.returncode == 1, f"{where}: expected exit 1, got {killed.returncode}\n" + (
        killed.tail()
    )
    assert SUMMARY.search(killed.output), f"{where}: no summary line\n{killed.tail()}"
    verdicts = VERDICT.findall(killed.output)
    if scenario.signal != "SIGINT twice":
        assert verdicts == ["1"], (
            f"{where}: expected one line 'Crawl ... (exit code 1)', found exit codes "
            f"{verdicts}\n{killed.tail()}"
        )
        if scenario.moment != "db-down":
            unwritten = UNWRITTEN.findall(killed.output)
            assert unwritten[-1:] == ["0"], (
                f"{where}: buffered items were not all written at the graceful shutdown "
                f"('dccrawl/db/unwritten' in the stats: {unwritten or 'absent'})\n"
                f"{killed.tail()}"
            )
    else:
        assert set(verdicts) <= {"1"}, (
            f"{where}: a line names an exit code other than 1: {verdicts}\n{killed.tail()}"
        )


def run_next(
    scenario: Scenario, base_url: str, url: str, settings: dict[str, object]
) -> CrawlResult:
    """The run after the kill: same arguments and settings (a resume with JOBDIR)."""
    try:
        return run_crawl(base_url, url, ARGUMENTS, settings, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as timeout:
        output = timeout.output or b""
        text = output.decode(errors="replace") if isinstance(output, bytes) else output
        tail = "\n".join(text.splitlines()[-40:])
        pytest.fail(f"[{scenario}] {scenario.next_run}: still running after {RUN_TIMEOUT:.0f} s"
                    f"\n{tail}")  # fmt: skip


def check_next_run(
    scenario: Scenario,
    again: CrawlResult,
    database_url: str,
    truth: list[dict[str, Any]],
    killed: Killed,
) -> None:
    """The resumed or repeated run exits 0 and the database equals the truth."""
    where = (
        f"[{scenario}] {scenario.next_run} (the killed run ended {killed.returncode}, "
        f"{killed.stored_at_signal} post(s) stored at the signal)"
    )
    tail = "\n".join(again.output.splitlines()[-40:])
    problems = truth_differences(database_url, truth)
    summary = f"{len(problems)} difference(s) from the truth, first: {problems[:5]}"
    if again.returncode == 0:
        assert not problems, f"{where}: exited 0 but the database is wrong: {summary}\n{tail}"
    assert again.returncode == 0, (
        f"{where}: exited {again.returncode}, expected 0"
        f" ({summary if problems else 'the database equals the truth'})\n{tail}"
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_a_killed_crawl_ends_at_the_truth_with_honest_exit_codes(
    scenario: Scenario, bench: Bench, database_url: str, tmp_path: Path
) -> None:
    settings = dict(SETTINGS)
    jobdir = tmp_path / "job"
    if scenario.jobdir:
        settings["JOBDIR"] = str(jobdir)
    killed = kill_a_crawl(scenario, bench, database_url, settings=settings,
                          log=tmp_path / "killed.log")  # fmt: skip
    check_killed_run(scenario, killed)

    url = through_proxy(database_url, bench.database_proxy)
    again = run_next(scenario, bench.site.base_url, url, settings)
    check_next_run(scenario, again, database_url, bench.truth, killed)
    if scenario.signal == "SIGKILL" and scenario.jobdir:
        warned = [
            line
            for line in again.output.splitlines()
            if "WARNING" in line and ("JOBDIR" in line or str(jobdir) in line)
        ]
        assert warned, (
            f"[{scenario}] {scenario.next_run}: no WARNING that the JOBDIR was not closed "
            f"cleanly\n{again}"
        )


def test_a_jobdir_made_with_other_arguments_is_refused(
    bench: Bench, database_url: str, tmp_path: Path
) -> None:
    """A JOBDIR belongs to one crawl: other arguments, gallery or base URL get one line and
    exit 2, touch nothing, and leave the JOBDIR resumable by its own crawl."""
    scenario = Scenario("SIGTERM", "list", jobdir=True)
    settings = {**SETTINGS, "JOBDIR": str(tmp_path / "job")}
    killed = kill_a_crawl(scenario, bench, database_url, settings=settings,
                          log=tmp_path / "killed.log")  # fmt: skip
    check_killed_run(scenario, killed)
    site = bench.site
    url = through_proxy(database_url, bench.database_proxy)
    with PostCounter(database_url) as posts:
        before = posts()
        others = {
            "other arguments (list_num=50)": (site.base_url, {**ARGUMENTS, "list_num": 50}),
            "another gallery": (site.base_url, {**ARGUMENTS, "gallery": "other"}),
            "another base URL": (site.fast_replica.base_url or "", ARGUMENTS),
        }
        for what, (base_url, arguments) in others.items():
            refused = run_crawl(base_url, url, arguments, settings, timeout=RUN_TIMEOUT)
            lines = [line for line in refused.output.splitlines() if line.strip()]
            assert (refused.returncode, len(lines)) == (2, 1), (
                f"[JOBDIR reused with {what}] expected exit 2 and one line, got exit "
                f"{refused.returncode} and {len(lines)} line(s)\n{refused}"
            )
            assert posts() == before, f"[JOBDIR reused with {what}] the refused run wrote posts"
    again = run_next(scenario, site.base_url, url, settings)
    check_next_run(scenario, again, database_url, bench.truth, killed)
