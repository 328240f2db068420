"""The shard ledger in PostgreSQL, dispatching to the least loaded node, and finding lost jobs.

The ledger tests run on a real database (migrated like a crawl's); the nodes
here are scrapyd clients whose two calls dispatching makes are answered in
memory, so capacity, refusals and silent nodes can be set up exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from dccrawl.cluster import ledger
from dccrawl.cluster.dispatch import NodeLoad, dispatch_pending, pick_node
from dccrawl.cluster.ledger import Shard
from dccrawl.cluster.nodes import (
    DaemonStatus,
    JobList,
    NodeAddress,
    NodeError,
    NodeNoAnswer,
    NodeRefused,
    ScrapydNode,
)
from dccrawl.cluster.reconcile import check_jobs, failed_shards
from dccrawl.cluster.report import progress_table, shard_table, summarize
from tests.cluster.ledger_rows import new_crawl


class MemoryNode(ScrapydNode):
    """A node whose daemonstatus and schedule answers are set by the test; it records schedules."""

    def __init__(
        self, url: str, capacity: int, *, busy: int = 0, failure: NodeError | None = None
    ) -> None:
        super().__init__(NodeAddress(url, capacity))
        self.busy = busy
        self.failure = failure
        self.scheduled: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def daemon_status(self) -> DaemonStatus:
        return DaemonStatus("memory", running=self.busy, pending=0, finished=0)

    def schedule(
        self,
        project: str,
        spider: str,
        job_id: str,
        arguments: Mapping[str, str],
        settings: Mapping[str, str],
    ) -> str:
        if self.failure is not None:
            raise self.failure
        self.scheduled.append((job_id, dict(arguments), dict(settings)))
        return job_id


def by_no(conn: psycopg.Connection[Any], crawl_id: str = "g-1") -> dict[int, Shard]:
    return {s.shard_no: s for s in ledger.shards(conn, crawl_id)}


# --- recording and dispatching --------------------------------------------------------------------


def test_a_crawl_is_recorded_pending_and_found_as_the_latest(conn: psycopg.Connection[Any]) -> None:
    new_crawl(conn, 2, "older")
    shards = new_crawl(conn, 3, "newer")
    assert [(s.shard_no, s.state, s.post_first, s.post_last) for s in shards] == [
        (1, "pending", 21, 30),
        (2, "pending", 11, 20),
        (3, "pending", 1, 10),
    ]
    assert ledger.latest_crawl(conn) == "newer"
    assert shards[0].describe_range() == "posts 21-30"


def test_dispatch_fills_free_capacity_least_loaded_first_and_the_rest_wait(
    conn: psycopg.Connection[Any],
) -> None:
    new_crawl(conn, 5)
    busy = MemoryNode("http://a:6800", 3, busy=2)  # one free slot
    idle = MemoryNode("http://b:6800", 2)  # two free slots
    report = dispatch_pending(
        conn, "g-1", [busy, idle], {"DATABASE_URL": "postgresql://db/x", "LOG_LEVEL": "INFO"}
    )
    shards = by_no(conn)
    assert [(s.shard_no, node) for s, node, _ in report.sent] == [
        (1, "http://b:6800"),  # two free slots against one
        (2, "http://b:6800"),  # one free each; b is less loaded (1/2 against 2/3)
        (3, "http://a:6800"),
    ]
    assert report.waiting == 2
    assert [shards[n].state for n in range(1, 6)] == ["scheduled"] * 3 + ["pending"] * 2
    job_id, arguments, settings = idle.scheduled[0]
    assert job_id == "g-1-001-1" == shards[1].job_id
    assert arguments == {
        "gallery": "g",
        "posts": "41-50",
        "shard": str(shards[1].shard_id),
        "crawl": shards[1].crawl_id,
    }
    # The ledger's own database, whatever -s said, and never its password.
    ledger_database = psycopg.conninfo.conninfo_to_dict(settings.pop("DATABASE_URL"))
    assert "password" not in ledger_database
    assert ledger_database["dbname"] == conn.info.dbname
    assert settings == {"DOWNLOAD_DELAY": "0", "LOG_LEVEL": "INFO"}
    assert shards[1].attempts == 1
    assert "DATABASE_URL" not in shards[1].settings  # passed on, never recorded


def test_pick_node_prefers_free_slots_then_low_load_then_order() -> None:
    def load(url: str, capacity: int, busy: int) -> NodeLoad:
        return NodeLoad(MemoryNode(url, capacity), DaemonStatus("n", busy, 0, 0))

    full = load("full", 2, 2)
    assert pick_node([full]) is None
    a, b = load("a", 4, 2), load("b", 2, 0)  # both two free; b is less loaded
    assert pick_node([a, b]) is b
    c, d = load("c", 2, 0), load("d", 2, 0)
    assert pick_node([c, d]) is c


def test_a_refusing_node_gets_no_shard_and_the_others_carry_on(
    conn: psycopg.Connection[Any],
) -> None:
    new_crawl(conn, 2)
    refusing = MemoryNode("http://a:6800", 4, failure=NodeRefused("project 'dccrawl' not found"))
    working = MemoryNode("http://b:6800", 1)
    report = dispatch_pending(conn, "g-1", [refusing, working], {})
    shards = by_no(conn)
    assert [s.shard_no for s, _, _ in report.sent] == [2]
    assert report.problems == ["skipped project 'dccrawl' not found"]
    assert (shards[1].state, shards[1].attempts) == ("pending", 0)
    assert shards[1].error == "project 'dccrawl' not found"
    assert shards[2].node == "http://b:6800"


def test_a_node_that_may_have_queued_the_job_keeps_the_shard_scheduled(
    conn: psycopg.Connection[Any],
) -> None:
    new_crawl(conn, 1)
    silent = MemoryNode("http://a:6800", 1, failure=NodeNoAnswer("read timed out"))
    report = dispatch_pending(conn, "g-1", [silent], {})
    shard = by_no(conn)[1]
    assert [s.shard_no for s, _, _ in report.uncertain] == [1]
    assert (shard.state, shard.job_id, shard.error) == ("scheduled", "g-1-001-1", "read timed out")


def test_a_shard_is_claimed_once(conn: psycopg.Connection[Any]) -> None:
    shard = new_crawl(conn, 1)[0]
    assert ledger.claim(conn, shard, "http://a:6800", "job-a")
    assert not ledger.claim(conn, shard, "http://b:6800", "job-b")
    assert by_no(conn)[1].job_id == "job-a"


# --- what jobs report -----------------------------------------------------------------------------


def test_done_is_never_undone_by_a_failing_attempt(conn: psycopg.Connection[Any]) -> None:
    shard = new_crawl(conn, 1)[0]
    assert ledger.mark_running(conn, shard.shard_id, shard.crawl_id) == "pending"
    ledger.report_progress(conn, shard.shard_id, 5, 7)
    assert (by_no(conn)[1].state, by_no(conn)[1].posts, by_no(conn)[1].comments) == (
        "running",
        5,
        7,
    )
    closed = {"reason": "finished", "exit_code": 0, "posts": 9, "comments": 11, "error": None}
    assert ledger.report_closed(conn, shard.shard_id, done=True, **closed)
    failing = {**closed, "reason": "shutdown", "exit_code": 1, "error": "cancelled"}
    assert not ledger.report_closed(conn, shard.shard_id, done=False, **failing)
    assert ledger.mark_running(conn, shard.shard_id, shard.crawl_id) == "done"
    stored = by_no(conn)[1]
    assert (stored.state, stored.posts, stored.comments, stored.close_reason) == (
        "done",
        9,
        11,
        "finished",
    )
    assert stored.finished_at is not None and stored.started_at is not None
    assert ledger.mark_running(conn, 999_999, shard.crawl_id) is None
    assert ledger.mark_running(conn, shard.shard_id, "another-crawl") is None


def test_a_failed_shard_can_still_be_finished_by_a_later_report(
    conn: psycopg.Connection[Any],
) -> None:
    shard = new_crawl(conn, 1)[0]
    ledger.mark_running(conn, shard.shard_id, shard.crawl_id)
    failing = {"reason": "shutdown", "exit_code": 1, "posts": 1, "comments": 0}
    assert ledger.report_closed(conn, shard.shard_id, done=False, error="cancelled", **failing)
    assert (by_no(conn)[1].state, by_no(conn)[1].error) == ("failed", "cancelled")
    finished = {"reason": "finished", "exit_code": 0, "posts": 3, "comments": 0}
    assert ledger.report_closed(conn, shard.shard_id, done=True, error=None, **finished)
    assert (by_no(conn)[1].state, by_no(conn)[1].error) == ("done", None)


def test_requeue_only_moves_the_state_the_caller_saw(conn: psycopg.Connection[Any]) -> None:
    shard = new_crawl(conn, 1)[0]
    ledger.claim(conn, shard, "http://a:6800", "job-1")
    seen = by_no(conn)[1]
    ledger.mark_running(
        conn, shard.shard_id, shard.crawl_id
    )  # the job started after the caller looked
    assert not ledger.requeue(conn, seen, "vanished")
    running = by_no(conn)[1]
    assert ledger.requeue(conn, running, "vanished")
    assert (by_no(conn)[1].state, by_no(conn)[1].error) == ("pending", "vanished")


# --- lost jobs ------------------------------------------------------------------------------------


def test_jobs_are_alive_finished_without_report_vanished_or_unknown(
    conn: psycopg.Connection[Any],
) -> None:
    new_crawl(conn, 5)
    shards = by_no(conn)
    nodes = {1: ("http://a:6800", "j1"), 2: ("http://a:6800", "j2"), 3: ("http://a:6800", "j3")}
    nodes |= {4: ("http://b:6800", "j4")}
    in_flight = [
        replace(shards[n], state="running", node=node, job_id=job)
        for n, (node, job) in nodes.items()
    ]
    failed = replace(shards[5], state="failed", job_id="j5", close_reason="shutdown", exit_code=1)
    jobs: dict[tuple[str, str], JobList | None] = {
        ("http://a:6800", "dccrawl"): JobList(
            running=frozenset({"j1"}), finished=frozenset({"j2"})
        ),
        ("http://b:6800", "dccrawl"): None,
    }
    check = check_jobs([*in_flight, failed], jobs)
    assert [s.shard_no for s in check.alive] == [1]
    assert [(lost.shard.shard_no, lost.why.split(" ")[2]) for lost in check.lost] == [
        (2, "ended"),
        (3, "vanished"),
    ]
    assert [s.shard_no for s in check.unknown] == [4]
    reassigned = check_jobs(in_flight, jobs, reassign_unreachable=True)
    assert [lost.shard.shard_no for lost in reassigned.lost] == [2, 3, 4]
    assert [lost.why for lost in failed_shards([failed])] == [
        "job j5 failed: closed with reason shutdown, exit code 1"
    ]


# --- the progress table ---------------------------------------------------------------------------


def test_progress_counts_states_and_estimates_the_end(conn: psycopg.Connection[Any]) -> None:
    shards = new_crawl(conn, 4)
    now = ledger.database_now(conn)
    started = now - timedelta(seconds=10)
    rows = [
        replace(shards[0], state="done", posts=10, comments=4, started_at=started, finished_at=now),
        replace(shards[1], state="running", posts=5, comments=1, started_at=started),
        replace(shards[2], state="failed", posts=5),
        shards[3],
    ]
    progress = summarize(rows, now, lost={rows[1].shard_id})
    counts = {line.state: (line.shards, line.posts, line.comments) for line in progress.lines}
    assert counts == {
        "pending": (1, 0, 0),
        "scheduled": (0, 0, 0),
        "running": (1, 5, 1),
        "done": (1, 10, 4),
        "failed": (1, 5, 0),
    }
    assert progress.rate == pytest.approx(2.0)  # 20 posts in 10 s
    assert progress.eta_seconds == pytest.approx((5 + 5 + 10) / 2.0)
    assert not progress.done
    table = progress_table("g-1", rows, progress)
    assert "rate 2.0 posts/s, ETA 0:00:10" in table
    assert "1 shard(s) lost their job" in table
    assert "running (lost)" in shard_table(rows, {rows[1].shard_id})
    all_done = [replace(r, state="done") for r in rows]
    assert summarize(all_done, now).done


def test_an_older_attempt_neither_starts_nor_fails_the_latest(
    conn: psycopg.Connection[Any],
) -> None:
    """A shard re-sent as job-2 while job-1 still ran (cancelled, or thought lost): job-1's
    start and failure change nothing; a finished range wins from any attempt."""
    shard = new_crawl(conn, 1)[0]
    ledger.claim(conn, shard, "http://a:6800", "job-2")
    assert ledger.mark_running(conn, shard.shard_id, shard.crawl_id, "job-1") == "superseded"
    assert by_no(conn)[1].state == "scheduled"
    assert ledger.mark_running(conn, shard.shard_id, shard.crawl_id, "job-2") == "scheduled"
    ledger.report_progress(conn, shard.shard_id, 99, 99, "job-1")
    assert (by_no(conn)[1].posts, by_no(conn)[1].comments) == (0, 0)
    failing = {"reason": "shutdown", "exit_code": 1, "posts": 1, "comments": 0, "error": "x"}
    assert not ledger.report_closed(conn, shard.shard_id, done=False, job_id="job-1", **failing)
    assert by_no(conn)[1].state == "running"
    finished = {"reason": "finished", "exit_code": 0, "posts": 5, "comments": 0, "error": None}
    assert ledger.report_closed(conn, shard.shard_id, done=True, job_id="job-1", **finished)
    assert by_no(conn)[1].state == "done"
