"""cancel, logs and ``watch --resume`` without scrapyd nodes: the rules, on a real ledger.

The ledger is a real database (migrated like a crawl's, so migration 0007's rule that
keeps a cancelled shard cancelled is the database's own); the nodes are scrapyd clients
answered in memory, so a silent node, a refusing node and a job that finishes just as
it is cancelled can be set up exactly. Time is the test's: the backoff is checked by
moving ``finished_at`` back, the silence of a node with a clock the test turns.
(The same commands against real scrapyd nodes: ``test_cluster_operations.py``.)
"""

from __future__ import annotations

import contextlib
import threading
from base64 import b64encode
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
import pytest

from dccrawl.cluster import ledger, operations
from dccrawl.cluster.healing import RetryPolicy, SilentNodes, heal, look, next_try
from dccrawl.cluster.ledger import Shard
from dccrawl.cluster.nodes import (
    JobList,
    NodeAddress,
    NodeError,
    NodeNoAnswer,
    NodeRefused,
    NodeUnreachable,
    ScrapydNode,
)
from dccrawl.cluster.report import progress_table, shard_table, summarize
from dccrawl.db.migrate import migrate
from testbed.scrapyd_nodes import free_port
from tests.cluster import ledger_rows
from tests.crawling import dccrawl_cli

NODE_A = "http://a:6800"
NODE_B = "http://b:6800"
NODE_C = "http://c:6800"


class StubNode(ScrapydNode):
    """A node whose job list and cancel answers are set by the test; it records cancels."""

    def __init__(
        self,
        url: str,
        *,
        jobs: JobList | None = None,
        failure: NodeError | None = None,
        prevstate: str | None = "running",
        on_cancel: Any = None,
    ) -> None:
        super().__init__(NodeAddress(url))
        self.jobs = jobs or JobList()
        self.failure = failure
        self.prevstate = prevstate
        self.on_cancel = on_cancel
        self.cancelled: list[str] = []

    def list_jobs(self, project: str) -> JobList:
        if self.failure is not None:
            raise self.failure
        return self.jobs

    def cancel(self, project: str, job_id: str) -> str | None:
        if self.failure is not None:
            raise self.failure
        self.cancelled.append(job_id)
        if self.on_cancel is not None:
            self.on_cancel()
        return self.prevstate


def new_crawl(conn: psycopg.Connection[Any], shards: int) -> list[Shard]:
    return ledger_rows.new_crawl(conn, shards, crawl_id="c-1", settings={})


def by_no(conn: psycopg.Connection[Any], crawl_id: str = "c-1") -> dict[int, Shard]:
    return {s.shard_no: s for s in ledger.shards(conn, crawl_id)}


def dispatched(conn: psycopg.Connection[Any], shard: Shard, node: str, *, running: bool) -> Shard:
    """The shard claimed for ``node`` (job ``j<no>``), and started if ``running``."""
    assert ledger.claim(conn, shard, node, f"j{shard.shard_no}")
    if running:
        assert ledger.mark_running(conn, shard.shard_id, shard.crawl_id) == "scheduled"
    return by_no(conn, shard.crawl_id)[shard.shard_no]


def failed(conn: psycopg.Connection[Any], shard: Shard, node: str) -> Shard:
    dispatched(conn, shard, node, running=True)
    assert ledger.report_closed(
        conn, shard.shard_id, done=False, reason="finished", exit_code=3, posts=1, comments=0,
        error="pages lost",
    )  # fmt: skip
    return by_no(conn, shard.crawl_id)[shard.shard_no]


def cells(table: str) -> list[list[str]]:
    return [line.split() for line in table.splitlines()]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- backoff and attempts ---------------------------------------------------------------------


def test_backoff_doubles_with_every_attempt_up_to_its_cap() -> None:
    policy = RetryPolicy(max_attempts=3, interval=5.0)
    assert [policy.backoff(n) for n in (0, 1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert policy.backoff(7) == 300.0 == policy.backoff(10_000)  # capped, never overflows
    assert RetryPolicy(interval=0.5, max_backoff=3).backoff(3) == 3


def test_a_failed_shard_is_tried_again_after_its_backoff_until_it_is_out_of_attempts(
    conn: psycopg.Connection[Any],
) -> None:
    shard = failed(conn, new_crawl(conn, 1)[0], NODE_A)
    assert shard.finished_at is not None and shard.attempts == 1
    policy = RetryPolicy(max_attempts=2, interval=5.0)
    assert next_try(shard, policy) == shard.finished_at + timedelta(seconds=10)
    assert next_try(replace(shard, attempts=2), policy) is None


def test_a_node_is_silent_from_the_first_round_it_does_not_answer_in_a_row() -> None:
    clock = Clock()
    silent = SilentNodes(clock)
    silent.saw({NODE_A: NodeUnreachable("a: does not answer")})
    clock.now += 30
    silent.saw({NODE_A: NodeNoAnswer("a: no answer")})
    assert silent.silent_for(NODE_A) == 30  # counted from the first silence
    assert silent.silent_for(NODE_B) is None
    silent.saw({NODE_A: NodeRefused("a: HTTP 401")})  # it answers: a wrong password
    assert silent.silent_for(NODE_A) is None
    silent.saw({NODE_A: NodeUnreachable("a")})
    clock.now += 5
    silent.saw({})  # it answered (or was not asked): silence starts again from zero
    silent.saw({NODE_A: NodeUnreachable("a")})
    assert silent.silent_for(NODE_A) == 0


def test_heal_moves_lost_shards_and_sends_failed_ones_again_after_their_backoff(
    conn: psycopg.Connection[Any],
) -> None:
    shards = new_crawl(conn, 6)
    silent_one = dispatched(conn, shards[0], NODE_A, running=True)  # its node does not answer
    dispatched(conn, shards[1], NODE_B, running=True)  # node b does not list it: vanished
    alive = dispatched(conn, shards[2], NODE_B, running=True)
    failed(conn, shards[3], NODE_B)
    spent = failed(conn, shards[4], NODE_B)
    conn.execute("UPDATE crawl_shards SET attempts = 3 WHERE shard_id = %s", (spent.shard_id,))
    cancelled = failed(conn, shards[5], NODE_B)
    assert ledger.cancel(conn, cancelled, "cancelled")
    nodes = {
        NODE_A: StubNode(NODE_A, failure=NodeUnreachable("a: does not answer")),
        NODE_B: StubNode(NODE_B, jobs=JobList(running=frozenset({alive.job_id or ""}))),
    }
    clock = Clock()
    silent = SilentNodes(clock)
    policy = RetryPolicy(max_attempts=3, interval=5.0, lost_after=60)

    def round_() -> Any:
        seen = look(ledger.shards(conn, "c-1"), nodes.__getitem__)
        silent.saw(seen.errors)
        return seen, heal(conn, "c-1", seen, silent, policy)

    seen, report = round_()
    assert seen.unreachable == {silent_one.shard_id}
    assert [s.shard_no for s in seen.check.alive] == [3]
    states = {no: s.state for no, s in by_no(conn).items()}
    assert states == {1: "running", 2: "failed", 3: "running", 4: "failed", 5: "failed",
                      6: "cancelled"}  # fmt: skip
    assert "vanished" in (by_no(conn)[2].error or "")
    assert [(s.shard_no, at - s.finished_at) for s, at in report.waiting if s.finished_at] == [
        (2, timedelta(seconds=10)),
        (4, timedelta(seconds=10)),
    ]
    assert [s.shard_no for s in report.given_up] == [5]

    clock.now += 61  # node a has not answered for over a minute: its shard is lost
    _seen, report = round_()
    first = by_no(conn)[1]
    assert first.state == "failed"
    assert f"node {NODE_A} has not answered for 61 s" in (first.error or "")
    assert any(line.startswith("shard 1 (posts 51-60): node") for line in report.lines)

    # Their backoff over (the attempts ended an hour ago), the failed shards are sent again.
    conn.execute(
        "UPDATE crawl_shards SET finished_at = now() - interval '1 hour' WHERE state = 'failed'"
    )
    _seen, report = round_()
    after = by_no(conn)
    assert {no: s.state for no, s in after.items()} == {
        1: "pending", 2: "pending", 3: "running", 4: "pending", 5: "failed", 6: "cancelled"
    }  # fmt: skip
    assert (after[4].error or "").startswith("attempt 1 failed: pages lost")
    assert "sent again (attempt 2 of 3)" in " ".join(report.lines)
    assert [s.shard_no for s in report.given_up] == [5]


# --- cancel -----------------------------------------------------------------------------------


def test_a_cancelled_shard_stays_cancelled_whatever_its_job_reports_unless_done(
    conn: psycopg.Connection[Any],
) -> None:
    first, second, third = new_crawl(conn, 3)
    running = dispatched(conn, first, NODE_A, running=True)
    assert ledger.cancel(conn, running, "cancelled")
    # The cancelled job stops gracefully and reports; a stray copy of it starts.
    ledger.report_progress(conn, first.shard_id, 7, 1)
    assert not ledger.report_closed(
        conn, first.shard_id, done=False, reason="shutdown", exit_code=1, posts=7, comments=1,
        error="cancelled",
    )  # fmt: skip
    ledger.mark_running(conn, first.shard_id, first.crawl_id)
    kept = by_no(conn)[1]
    assert (kept.state, kept.posts, kept.error) == ("cancelled", 0, "cancelled")
    assert not ledger.claim(conn, kept, NODE_B, "j1-2")  # nothing dispatches it
    assert not ledger.mark_lost(conn, kept, "lost")
    # A job that finished its whole range wins: its rows are all stored.
    assert ledger.report_closed(
        conn, first.shard_id, done=True, reason="finished", exit_code=0, posts=10, comments=2,
        error=None,
    )  # fmt: skip
    assert (by_no(conn)[1].state, by_no(conn)[1].posts) == ("done", 10)
    assert not ledger.cancel(conn, by_no(conn)[1], "cancelled")  # done stays done
    # resume --include-cancelled: back to pending, then dispatched as usual.
    assert ledger.cancel(conn, second, "cancelled")
    assert ledger.requeue(conn, by_no(conn)[2], "run again")
    assert ledger.claim(conn, by_no(conn)[2], NODE_B, "j2-1")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "UPDATE crawl_shards SET state = 'paused' WHERE shard_id = %s", (third.shard_id,)
        )


def test_cancel_asks_the_node_first_and_leaves_a_shard_whose_node_cannot_be_reached(
    conn: psycopg.Connection[Any],
) -> None:
    shards = new_crawl(conn, 6)
    queued = dispatched(conn, shards[0], NODE_A, running=False)
    running = dispatched(conn, shards[1], NODE_B, running=True)
    finishing = dispatched(conn, shards[2], NODE_C, running=True)
    done = dispatched(conn, shards[3], NODE_A, running=True)
    ledger.report_closed(
        conn, done.shard_id, done=True, reason="finished", exit_code=0, posts=3, comments=0,
        error=None,
    )  # fmt: skip
    broken = failed(conn, shards[4], NODE_A)

    def finish_it() -> None:  # the job reports done just as its cancel arrives
        ledger.report_closed(
            conn, finishing.shard_id, done=True, reason="finished", exit_code=0, posts=9,
            comments=0, error=None,
        )  # fmt: skip

    nodes = {
        NODE_A: StubNode(NODE_A, prevstate="pending"),
        NODE_B: StubNode(NODE_B, failure=NodeUnreachable("http://b:6800: does not answer")),
        NODE_C: StubNode(NODE_C, prevstate=None, on_cancel=finish_it),
    }
    now = by_no(conn)
    outcomes = operations.cancel_shards(
        conn,
        [queued, running, now[3], now[4], broken, shards[5]],
        nodes.__getitem__,
    )
    messages = [o.message for o in outcomes]
    assert [o.reached for o in outcomes] == [True, False, True, True, True, True]
    assert messages[0] == (
        "shard 1 (posts 51-60): cancelled (was scheduled); job j1 on http://a:6800 was queued: "
        "scrapyd dropped it"
    )
    assert messages[1].startswith("shard 2 (posts 41-50): NOT cancelled, left running: ")
    assert messages[2] == (
        "shard 3 (posts 31-40): done before it could be cancelled; job j3 on http://c:6800 was "
        "not on the node any more"
    )
    assert messages[3] == "shard 4 (posts 21-30): done already, left as it is"
    assert messages[4] == "shard 5 (posts 11-20): cancelled (was failed)"
    assert messages[5] == "shard 6 (posts 1-10): cancelled (was pending)"
    assert nodes[NODE_A].cancelled == ["j1"] and nodes[NODE_C].cancelled == ["j3"]
    states = {no: s.state for no, s in by_no(conn).items()}
    assert states == {1: "cancelled", 2: "running", 3: "done", 4: "done", 5: "cancelled",
                      6: "cancelled"}  # fmt: skip


# --- what status shows -------------------------------------------------------------------------


def test_a_shard_whose_node_does_not_answer_is_unreachable_not_running(
    conn: psycopg.Connection[Any],
) -> None:
    shards = new_crawl(conn, 3)
    now = ledger.database_now(conn)
    started = now - timedelta(seconds=10)
    rows = [
        replace(shards[0], state="done", posts=10, started_at=started, finished_at=now),
        replace(shards[1], state="running", posts=5, started_at=started, node=NODE_A, job_id="j2"),
        replace(shards[2], state="failed", posts=1, started_at=started, node=NODE_B, job_id="j3"),
    ]
    gone = {rows[1].shard_id}
    progress = summarize(rows, now, unreachable=gone)
    counts = {line.state: (line.shards, line.posts) for line in progress.lines}
    assert counts["running"] == (0, 0) and counts["unreachable"] == (1, 5)
    assert "cancelled" not in counts  # shown only when a shard is cancelled
    assert (progress.rate, progress.eta_seconds) == (None, None)  # nothing moves
    table = progress_table("c-1", rows, progress)
    assert ["unreachable", "1", "5", "0"] in cells(table) and "rate -, ETA -" in table
    lines = shard_table(rows, unreachable=gone).splitlines()
    assert lines[0].split()[:11] == [
        "no", "id", "range", "state", "tries", "node", "job", "posts", "comments", "close", "log",
    ]  # fmt: skip
    assert " unreachable " in lines[2] and f"{NODE_A}/logs/dccrawl/gallery/j2.log" in lines[2]
    assert f"{NODE_B}/logs/dccrawl/gallery/j3.log" in lines[3]
    # The same shard on a node that answers: it runs, and the rate and ETA are back.
    moving = summarize(rows, now)
    assert moving.rate == pytest.approx(1.6)  # 16 posts in 10 s
    assert moving.eta_seconds == pytest.approx((10 - 5 + 10 - 1) / 1.6)


def test_a_crawl_whose_shards_all_failed_or_were_cancelled_has_no_rate_and_no_eta(
    conn: psycopg.Connection[Any],
) -> None:
    shards = new_crawl(conn, 2)
    now = ledger.database_now(conn)
    started = now - timedelta(seconds=10)
    rows = [
        replace(s, state="failed", posts=4, started_at=started, finished_at=now) for s in shards
    ]
    progress = summarize(rows, now)
    assert (progress.rate, progress.eta_seconds, progress.done) == (None, None, False)
    assert "rate -, ETA -" in progress_table("c-1", rows, progress)
    rows[1] = replace(rows[1], state="cancelled")
    progress = summarize(rows, now)
    assert {line.state: line.shards for line in progress.lines}["cancelled"] == 1
    assert (progress.rate, progress.eta_seconds, progress.done) == (None, None, False)


# --- job logs ------------------------------------------------------------------------------


class LogServer:
    """Serves one log at scrapyd's path, behind basic auth; anything else is 404."""

    def __init__(self, path: str, text: str, auth: tuple[str, str]) -> None:
        expected = "Basic " + b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != expected:
                    status, body = 401, b""
                elif self.path == path:
                    status, body = 200, text.encode()
                else:
                    status, body = 404, b"No Such Resource"
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_job_log_is_fetched_with_the_nodes_credentials() -> None:
    text = "2026-01-01 [scrapy.core.engine] INFO: Spider opened\nline 2\n한글 line 3\n"
    server = LogServer("/logs/dccrawl/gallery/c-1-001-1.log", text, ("u", "pw"))
    try:
        node = ScrapydNode(NodeAddress(server.url, 1, "u", "pw"), timeout=5)
        assert node.job_log("dccrawl", "gallery", "c-1-001-1") == text
        assert node.job_log("dccrawl", "gallery", "c-1-002-1") is None  # not (yet) there
        wrong = ScrapydNode(NodeAddress(server.url, 1, "u", "bad"), timeout=5)
        with pytest.raises(NodeRefused, match="401: wrong or missing credentials"):
            wrong.job_log("dccrawl", "gallery", "c-1-001-1")
    finally:
        server.close()
    with pytest.raises(NodeUnreachable):
        ScrapydNode(NodeAddress(server.url), timeout=5).job_log("dccrawl", "gallery", "x")
    assert operations.tail(text, 2) == "line 2\n한글 line 3\n"
    assert operations.tail(text, 0) == "" and operations.tail(text, None) == text


# --- the commands, against a node that does not answer ------------------------------------------


def test_cancel_logs_and_status_say_which_node_does_not_answer(database_url: str) -> None:
    migrate(database_url)
    dead = f"http://127.0.0.1:{free_port()}"
    with ledger.connect(database_url) as conn:
        shards = new_crawl(conn, 2)
        dispatched(conn, shards[0], dead, running=True)
    db = ["-s", f"DATABASE_URL={database_url}", "--timeout", "2"]

    status = dccrawl_cli("status", "--crawl", "c-1", "--shards", *db)
    assert status.returncode == 1
    assert ["unreachable", "1", "0", "0"] in cells(status.stdout)
    assert "rate -, ETA -" in status.stdout
    assert f"{dead}/logs/dccrawl/gallery/j1.log" in status.stdout
    assert f"cannot check its jobs: {dead} (listjobs.json): does not answer" in status.stderr

    logs = dccrawl_cli("logs", "--crawl", "c-1", *db)
    assert logs.returncode == 1
    assert logs.stdout.startswith("==> shard 1 (posts 11-20): job j1 on ")
    assert f"shard 1: cannot fetch the log of job j1: {dead} (log of job j1)" in logs.stderr

    cancel = dccrawl_cli("cancel", "--crawl", "c-1", *db)
    assert cancel.returncode == 1, cancel.stdout + cancel.stderr
    lines = cancel.stdout.splitlines()
    assert lines[0].startswith("shard 1 (posts 11-20): NOT cancelled, left running: ")
    assert lines[1] == "shard 2 (posts 1-10): cancelled (was pending)"
    assert "1 shard(s) not cancelled: their node could not be reached" in cancel.stderr
    with ledger.connect(database_url) as conn:
        assert [s.state for s in ledger.shards(conn, "c-1")] == ["running", "cancelled"]

    for args, message in (
        (["watch", "--resume"], "watch --resume needs --nodes"),
        (
            ["cancel", "--crawl", "c-1", "--shards", "7"],
            "the crawl has no shard 7 (its shards: 1-2)",
        ),
        (["logs", "--tail", "-1"], "--tail must be 0 or more lines"),
    ):
        wrong = dccrawl_cli(*args, *db)
        assert wrong.returncode == 2 and message in wrong.stderr, wrong.stderr
