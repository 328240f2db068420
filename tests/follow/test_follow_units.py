"""``follow``'s parts on their own: --every, the cycle line, the rows and their rules, the lock,
the stop, and the loop with a stand-in runner (no crawl: each cycle is what the runner
writes into its row, as a crawl's cycle extension would)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from dccrawl import stats as S
from dccrawl.db import cycles
from dccrawl.db.migrate import migrate
from dccrawl.extensions.cycle import COUNTS, crawl_outcome, crawl_report
from dccrawl.follow.cli import UsageError, parse_every, parse_galleries
from dccrawl.follow.loop import Follower, Plan, next_wait
from dccrawl.follow.report import cycle_line
from dccrawl.follow.runners import LocalRunner, NodeRunner, RecordJob, RunEnd, exit_reason
from dccrawl.follow.stopping import Stop, stop_on_signals
from tests.follow.following import cycle_rows

# --- --every, --gallery ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("10m", 600), ("1h", 3600), ("1d", 86400), ("1h30m", 5400), ("0s", 0),
     ("1.5m", 90), (" 2H ", 7200)],
)  # fmt: skip
def test_every_takes_times_with_units(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "10 m", "1w", "m", "-1m", "1h-30m", "10mm"])
def test_every_refuses_anything_else(text: str) -> None:
    with pytest.raises(UsageError, match="--every"):
        parse_every(text)


def test_galleries_are_checked_with_the_horizon() -> None:
    assert parse_galleries("prog, foo_2", "3d") == ("prog", "foo_2")
    with pytest.raises(UsageError, match="more than once"):
        parse_galleries("prog,prog", "3d")
    with pytest.raises(UsageError, match="gallery"):
        parse_galleries("a b", "3d")
    with pytest.raises(UsageError, match="--horizon"):
        parse_galleries("prog", "3 weeks")


# --- the interval -----------------------------------------------------------------------------


def test_the_interval_runs_from_start_to_start() -> None:
    assert next_wait(started=100.0, every=600.0, now=112.4) == (pytest.approx(587.6), False)
    assert next_wait(started=100.0, every=600.0, now=700.0) == (0.0, False)
    # A cycle longer than the interval: the next starts at once, and that is said.
    assert next_wait(started=100.0, every=600.0, now=750.0) == (0.0, True)
    assert next_wait(started=100.0, every=0.0, now=150.0) == (0.0, False)


# --- the cycle line ---------------------------------------------------------------------------


def a_cycle(**fields: Any) -> cycles.Cycle:
    values: dict[str, Any] = {
        "cycle_id": 17, "gallery_id": "prog", "cycle_no": 3, "horizon": "3d",
        "follower": "host:1", "node": None, "job_id": None,
        "started_at": datetime(2025, 1, 1, tzinfo=UTC), "finished_at": None, "outcome": "ok",
        "exit_code": 0, "close_reason": "finished", "new_posts": 5, "changed_posts": 41,
        "deleted_posts": 2, "deletion_checks": 3, "comment_pages": 9, "requests": 63,
        "requests_saved": 400, "seconds": 12.44, "reason": None,
    }  # fmt: skip
    values.update(fields)
    return cycles.Cycle(**values)


def test_the_cycle_line() -> None:
    assert cycle_line(a_cycle()) == (
        "follow prog #3 ok: 5 new, 41 changed, 2 deleted, 63 requests, 12.4s"
    )
    failed = a_cycle(outcome="failed", exit_code=3, reason="crawl incomplete: 2 page(s) lost")
    assert cycle_line(failed) == (
        "follow prog #3 failed (exit 3): 5 new, 41 changed, 2 deleted, 63 requests, 12.4s; "
        "crawl incomplete: 2 page(s) lost"
    )
    silent = a_cycle(
        outcome="stopped", exit_code=143, new_posts=None, seconds=0.5,
        reason="follow was stopped; the crawl was killed by SIGTERM", close_reason=None,
        node="http://10.0.0.2:6800",
    )  # fmt: skip
    assert cycle_line(silent) == (
        "follow prog #3 stopped (exit 143): no counts (the crawl reported none), 0.5s "
        "on http://10.0.0.2:6800; follow was stopped; the crawl was killed by SIGTERM"
    )


# --- what a crawl reports ---------------------------------------------------------------------


def test_a_crawl_reports_every_count_column() -> None:
    assert set(COUNTS) == set(cycles.COUNT_COLUMNS)


def test_a_crawls_outcome_follows_its_verdict() -> None:
    fine: dict[str, Any] = {"response_received_count": 10, S.REFRESH_NEW: 4,
                            "downloader/request_count": 12}  # fmt: skip
    report = crawl_report("finished", fine)
    assert (report.outcome, report.exit_code, report.reason) == ("ok", 0, None)
    assert report.counts["new_posts"] == 4 and report.counts["requests"] == 12
    assert report.counts["deleted_posts"] == 0
    lost = crawl_report("finished", {**fine, S.PAGES_FAILED: 2})
    assert (lost.outcome, lost.exit_code) == ("failed", 3)
    assert lost.reason is not None and "2 page(s)" in lost.reason
    assert lost.reason.endswith("(close reason: finished)")
    stopped = crawl_report("shutdown", fine)
    assert (stopped.outcome, stopped.exit_code) == ("stopped", 1)
    assert stopped.reason == "crawl stopped before the end (close reason: shutdown)"
    assert crawl_outcome("cancelled", 1) == "failed"


# --- the rows and the lock --------------------------------------------------------------------


def report(outcome: str = "ok", code: int = 0, **counts: int) -> cycles.CrawlReport:
    return cycles.CrawlReport(
        outcome=outcome,
        exit_code=code,
        close_reason="finished" if outcome != "stopped" else "shutdown",
        reason=None if outcome == "ok" else f"crawl {outcome}",
        counts={"new_posts": 1, "requests": 2, **counts},
    )


def test_cycles_are_numbered_per_gallery_and_closed_by_their_rules(database_url: str) -> None:
    migrate(database_url)
    with cycles.connect(database_url) as conn:
        first = cycles.start_cycle(conn, "a", "3d", "h:1")
        other = cycles.start_cycle(conn, "b", "3d", "h:1")
        second = cycles.start_cycle(conn, "a", "3d", "h:1")
        assert (first.cycle_no, other.cycle_no, second.cycle_no) == (1, 1, 2)
        # A crawl reports once.
        assert cycles.record_crawl(conn, first.cycle_id, report())
        assert not cycles.record_crawl(conn, first.cycle_id, report("failed", 1))
        # ... and keeps its ok even when follow was stopped meanwhile.
        closed = cycles.finish_cycle(conn, first.cycle_id, stopped=True, exit_code=0, reason="x")
        assert closed is not None
        assert (closed.outcome, closed.exit_code, closed.new_posts) == ("ok", 0, 1)
        assert closed.finished_at is not None and closed.seconds is not None
        # A crawl that never reported: follow's outcome and reason.
        silent = cycles.finish_cycle(
            conn, other.cycle_id, stopped=False, exit_code=143, reason="killed"
        )
        assert silent is not None
        assert (silent.outcome, silent.exit_code, silent.reason) == ("failed", 143, "killed")
        assert silent.new_posts is None
        # A failed crawl of a stopped follow is a stopped cycle.
        cycles.record_crawl(conn, second.cycle_id, report("failed", 3))
        stopped = cycles.finish_cycle(conn, second.cycle_id, stopped=True, exit_code=3, reason="")
        assert stopped is not None
        assert (stopped.outcome, stopped.reason) == ("stopped", "crawl failed")


def test_the_lock_lets_one_session_run_a_gallery(database_url: str) -> None:
    migrate(database_url)
    with cycles.gallery_lock(database_url, "prog") as held:
        assert held is not None
        with cycles.gallery_lock(database_url, "prog") as second:
            assert second is None
        with cycles.gallery_lock(database_url, "other") as other:
            assert other is not None  # galleries do not wait for each other
    with cycles.gallery_lock(database_url, "prog") as again:
        assert again is not None  # released with its block


def test_lock_keys_are_fixed_int4_pairs() -> None:
    assert cycles.lock_key("prog") == cycles.lock_key("prog")
    assert cycles.lock_key("prog") != cycles.lock_key("prog2")
    for gallery in ("prog", "x" * 100, "한국"):
        assert all(-(2**31) <= key < 2**31 for key in cycles.lock_key(gallery))


# --- stopping ---------------------------------------------------------------------------------


def test_a_signal_becomes_a_stop_request_and_the_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    stop = Stop()
    with stop_on_signals(stop) as deliver:
        os.kill(os.getpid(), signal.SIGTERM)
        deliver()
        assert stop.requested and not stop.forced and stop.signum == signal.SIGTERM
        os.kill(os.getpid(), signal.SIGINT)
        deliver()
        assert stop.forced and stop.count == 2 and stop.signum == signal.SIGINT
    assert signal.getsignal(signal.SIGTERM) is before
    stop.wait(3600)  # forced: returns at once


# --- the runners' commands ----------------------------------------------------------------------


def test_a_local_cycle_is_a_refresh_crawl_with_its_cycle_id() -> None:
    command = LocalRunner({"DATABASE_URL": "postgresql://db"}).command(a_cycle())
    assert command[1:5] == ["-m", "scrapy", "crawl", "gallery"]
    assert command[5:] == ["-a", "gallery=prog", "-a", "refresh=3d", "-a", "cycle=17",
                           "-s", "DATABASE_URL=postgresql://db"]  # fmt: skip
    assert NodeRunner.job_id(a_cycle()) == "follow-prog-3-17"
    assert exit_reason(-15) == "the crawl was killed by SIGTERM"


# --- the loop, with a stand-in runner ----------------------------------------------------------


class StandIn:
    """A runner whose crawls are functions of the cycle: each writes its row (or not)."""

    def __init__(self, url: str, crawl: Callable[[cycles.Cycle, Stop], RunEnd]) -> None:
        self.url = url
        self.crawl = crawl
        self.ran: list[tuple[str, int]] = []

    def describe(self) -> str:
        return "stand-in crawls"

    def run(self, cycle: cycles.Cycle, stop: Stop, record_job: RecordJob) -> RunEnd:
        self.ran.append((cycle.gallery_id, cycle.cycle_no))
        return self.crawl(cycle, stop)


def follower(
    url: str, runner: StandIn, galleries: tuple[str, ...], rounds: int | None
) -> tuple[Follower, list[str], list[str]]:
    migrate(url)
    plan = Plan(galleries=galleries, horizon="1", every=0.0, every_text="0s", cycles=rounds,
                database_url=url)  # fmt: skip
    said: list[str] = []
    warned: list[str] = []
    return Follower(plan, runner, say=said.append, warn=warned.append), said, warned


def reports(url: str, outcome: str = "ok", code: int = 0) -> Callable[[cycles.Cycle], None]:
    def write(cycle: cycles.Cycle) -> None:
        with cycles.connect(url) as conn:
            cycles.record_crawl(conn, cycle.cycle_id, report(outcome, code))

    return write


def test_a_failed_cycle_is_said_and_the_next_one_runs(database_url: str) -> None:
    def crawl(cycle: cycles.Cycle, stop: Stop) -> RunEnd:
        if cycle.cycle_no == 1:
            return RunEnd(1, exit_reason(1))  # died before it could report
        reports(database_url)(cycle)
        return RunEnd(0, exit_reason(0))

    runner = StandIn(database_url, crawl)
    follow, said, _warned = follower(database_url, runner, ("prog",), 2)
    assert follow.run() == 1  # a cycle failed
    assert said[0].startswith("follow prog #1 failed (exit 1): no counts")
    assert said[0].endswith("the crawl exited with code 1 without recording its outcome "
                            "(its log says why)")  # fmt: skip
    assert said[1].startswith("follow prog #2 ok: 1 new, 0 changed, 0 deleted, 2 requests, ")
    assert [row["outcome"] for row in cycle_rows(database_url)] == ["failed", "ok"]


def test_a_second_follow_of_a_gallery_skips_while_the_first_runs_a_cycle(
    database_url: str,
) -> None:
    write = reports(database_url)
    runner = StandIn(database_url, lambda cycle, stop: (write(cycle), RunEnd(0, ""))[1])
    follow, said, warned = follower(database_url, runner, ("prog", "free"), 1)
    with cycles.connect(database_url) as conn:
        cycles.start_cycle(conn, "prog", "1", "elsewhere:42")  # the other follow's cycle
    with cycles.gallery_lock(database_url, "prog") as held:
        assert held is not None
        assert follow.run() == 0
    assert runner.ran == [("free", 1)]
    assert [line.split(":")[0] for line in said] == ["follow free #1 ok"]
    assert warned == [
        "follow prog: skipped: another follow holds the lock of prog (elsewhere:42 runs "
        "cycle #1); trying again at the next interval"
    ]
    assert [(r["gallery_id"], r["outcome"]) for r in cycle_rows(database_url)] == [
        ("free", "ok"),
        ("prog", "running"),  # a live lock holds it: not abandoned
    ]


def test_a_cycle_left_running_is_abandoned_and_the_numbers_go_on(database_url: str) -> None:
    write = reports(database_url)
    runner = StandIn(database_url, lambda cycle, stop: (write(cycle), RunEnd(0, ""))[1])
    follow, said, warned = follower(database_url, runner, ("prog",), 1)
    with cycles.connect(database_url) as conn:
        cycles.start_cycle(conn, "prog", "1", "killed:1")
    assert follow.run() == 0
    assert warned == [
        "follow prog: cycle #1 was left running by a follow that is gone: marked abandoned"
    ]
    assert said[0].startswith("follow prog #2 ok")
    assert [r["outcome"] for r in cycle_rows(database_url)] == ["abandoned", "ok"]


def test_a_stop_during_a_cycle_records_it_stopped_and_starts_no_other(database_url: str) -> None:
    def crawl(cycle: cycles.Cycle, stop: Stop) -> RunEnd:
        stop.request(signal.SIGTERM)  # as the signal handler's delivery would
        with cycles.connect(database_url) as conn:
            cycles.record_crawl(conn, cycle.cycle_id, report("stopped", 1))
        return RunEnd(1, exit_reason(1))

    runner = StandIn(database_url, crawl)
    follow, said, _warned = follower(database_url, runner, ("prog",), None)  # until stopped
    assert follow.run() == 0
    assert runner.ran == [("prog", 1)]
    assert len(said) == 1
    assert said[0].startswith("follow prog #1 stopped (exit 1): 1 new, 0 changed, 0 deleted, ")
    assert said[0].endswith("; crawl stopped")
    assert [r["outcome"] for r in cycle_rows(database_url)] == ["stopped"]


def test_a_runner_that_breaks_leaves_a_closed_failed_cycle(database_url: str) -> None:
    def crawl(cycle: cycles.Cycle, stop: Stop) -> RunEnd:
        raise RuntimeError("no such file: scrapy")

    follow, said, _warned = follower(database_url, StandIn(database_url, crawl), ("prog",), 1)
    assert follow.run() == 1
    (line,) = said
    assert line.startswith("follow prog #1 failed: no counts (the crawl reported none), ")
    assert line.endswith("; the crawl could not be run: RuntimeError: no such file: scrapy")
    assert [r["outcome"] for r in cycle_rows(database_url)] == ["failed"]
