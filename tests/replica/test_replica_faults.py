"""Faults, the per-client rate limit, the access log and the stats endpoint."""

from __future__ import annotations

import http.client
import time
import urllib.error
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType

import pytest

from testbed.replica.cli import parse
from testbed.replica.client import XHR, comment_form, fetch
from testbed.replica.clock import parse_now
from testbed.replica.faults import FaultPlan, RateLimiter
from testbed.replica.options import GallerySpec, ReplicaOptions, parse_fault, parse_fault_kinds
from testbed.replica.process import ReplicaThread
from tests.replica.test_replica_parsing import doc, hidden, parse_rows, post_rows

LIST = "/board/lists/?id=f"
NOW = parse_now("2026-06-15T00:05:00+09:00")


@contextmanager
def replica(**kwargs: object) -> Iterator[ReplicaThread]:
    faults = kwargs.pop("faults", {})
    options = ReplicaOptions(
        galleries=(GallerySpec.parse("f:major:300"),),
        now=NOW,
        faults=MappingProxyType(dict(faults)),  # type: ignore[call-overload]
        **kwargs,  # type: ignore[arg-type]
    )
    with ReplicaThread(options) as server:
        yield server


def test_fault_names_and_rates_are_validated() -> None:
    assert parse_fault("http503=0.25") == ("http503", 0.25)
    assert parse_fault("new_posts=5") == ("new_posts", 5.0)
    for bad in ("http503=2", "nosuch=0.1", "http429"):
        with pytest.raises(ValueError, match="fault"):
            parse_fault(bad)


@pytest.mark.parametrize(
    ("fault", "status", "retry_after"),
    [
        ("http429", 429, "1"),
        ("http503", 503, None),
    ],
)
def test_status_faults(fault: str, status: int, retry_after: str | None) -> None:
    with replica(faults={fault: 1.0}) as server:
        reply = fetch(server.url(LIST))
        assert reply.status == status
        assert reply.headers.get("Retry-After") == retry_after
        assert server.stats()["faults"] == {fault: 1}


def test_empty_and_truncated_bodies() -> None:
    with replica() as server:
        full = fetch(server.url(LIST)).body
    with replica(faults={"empty": 1.0}) as server:
        reply = fetch(server.url(LIST))
        assert reply.status == 200 and reply.body == b""
    with replica(faults={"truncated": 1.0}) as server:
        reply = fetch(server.url(LIST))
        assert reply.status == 200 and full.startswith(reply.body)
        assert 0 < len(reply.body) < len(full)
        assert int(reply.headers["Content-Length"]) == len(reply.body)
    with (
        replica(faults={"truncated_close": 1.0}) as server,
        pytest.raises(http.client.IncompleteRead),
    ):
        fetch(server.url(LIST))


def test_reset_drops_the_connection() -> None:
    with replica(faults={"reset": 1.0}) as server:
        with pytest.raises((ConnectionError, urllib.error.URLError, http.client.HTTPException)):
            fetch(server.url(LIST))
        assert server.stats()["faults"] == {"reset": 1}


def test_slow_delays_the_answer() -> None:
    with replica(faults={"slow": 1.0}, slow_seconds=0.3) as server:
        start = time.monotonic()
        assert fetch(server.url(LIST)).status == 200
        assert time.monotonic() - start >= 0.3


def test_retries_get_fresh_draws_deterministically() -> None:
    def outcomes() -> list[int]:
        with replica(faults={"http503": 0.5}) as server:
            return [fetch(server.url(LIST)).status for _ in range(30)]

    first = outcomes()
    assert 200 in first and 503 in first
    assert first == outcomes()
    plan = FaultPlan(1, {"http503": 0.5})
    draws = [plan.pick("GET /x b''") for _ in range(40)]
    assert None in draws and "http503" in draws


def test_post_bodies_are_part_of_the_request_identity() -> None:
    plan = FaultPlan(3, {"http503": 0.5})
    a = [plan.pick("POST /board/comment/ b'no=1'") for _ in range(20)]
    b = [plan.pick("POST /board/comment/ b'no=2'") for _ in range(20)]
    assert a != b


def listed_numbers(server: ReplicaThread, query: str = "") -> list[int]:
    """Post numbers of a list page as served, top to bottom."""
    page = fetch(server.url(LIST + query)).body
    return [int(r["data_no"]) for r in post_rows(parse_rows(doc(page)))]


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    """Wait until ``condition()`` is true; fail loudly after ``timeout`` (a safety net only)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting until {what}")
        time.sleep(0.01)


def arrivals_on_top(before: list[int], after: list[int]) -> list[int]:
    """The numbers above ``before``'s newest that head ``after``: the posts that arrived
    between the two fetches, as far as the page shows them."""
    arrived = [n for n in after if n > before[0]]
    assert after[: len(arrived)] == arrived, "new posts must come first"
    return arrived


def test_new_posts_arrive_at_the_head_while_serving() -> None:
    with replica(faults={"new_posts": 40.0}) as server:
        before = listed_numbers(server)
        start = server.stats()["galleries"]["f"]["arrived"]
        # Timed arrivals: wait for the state (five more posts), not for a time.
        wait_for(lambda: server.stats()["galleries"]["f"]["arrived"] >= start + 5, "5 arrive")
        after = listed_numbers(server)
        assert before[0] >= 300 - 3
        arrived = arrivals_on_top(before, after)
        assert len(arrived) >= 5
        # Consecutive new numbers, newest first; then the page goes on as it was.
        assert arrived == list(range(after[0], after[0] - len(arrived), -1))
        if len(arrived) < len(after):
            assert after[len(arrived)] == before[0]
        truth = {r["post_no"]: r for r in server.truth("f") if r["type"] == "post"}
        assert all(
            n in truth and truth[n]["created_at"] > truth[before[0]]["created_at"] for n in arrived
        )
        assert fetch(server.url(f"/board/view/?id=f&no={arrived[0]}")).status == 200
        assert server.stats()["galleries"]["f"]["arrived"] >= len(arrived)


def test_new_posts_per_request_served_with_the_request_clock() -> None:
    with replica(faults={"new_posts": 0.5}, event_clock="requests") as server:
        # /_replica/ requests are not counted: nothing has arrived yet.
        head = max(r["post_no"] for r in server.truth("f"))
        assert server.stats()["galleries"]["f"]["arrived"] == 0
        first = listed_numbers(server)  # request 1: int(0.5) = 0 arrivals
        assert first[0] == head
        second = listed_numbers(server)  # request 2: int(1.0) = 1
        third = listed_numbers(server)  # request 3: int(1.5) = 1
        fourth = listed_numbers(server)  # request 4: int(2.0) = 2
        assert arrivals_on_top(first, second) == [head + 1]
        assert arrivals_on_top(second, third) == []
        assert arrivals_on_top(third, fourth) == [head + 2]
        assert fourth[:3] == [head + 2, head + 1, head]
        assert server.stats()["galleries"]["f"]["arrived"] == 2
        truth = {r["post_no"]: r for r in server.truth("f") if r["type"] == "post"}
        # Created --now + k/RATE seconds: 2 s and 4 s after NOW.
        assert [truth[head + k]["created_at"] for k in (1, 2)] == [
            "2026-06-15T00:05:02+09:00",
            "2026-06-15T00:05:04+09:00",
        ]


def test_posts_get_deleted_while_serving() -> None:
    with replica(faults={"delete_posts": 3.0}, event_clock="requests") as server:

        def deleted() -> set[int]:
            """Deleted now (/_replica/ requests do not move the request clock)."""
            return {r["post_no"] for r in server.truth("f") if r["type"] == "post"
                    and r["is_deleted"]}  # fmt: skip

        start = [r for r in server.truth("f") if r["type"] == "post"]
        listed_at_start = {r["post_no"] for r in start if not r["is_deleted"] and not r["notice"]}
        deleted_at_start = deleted()
        top = listed_numbers(server, "&list_num=100")  # request 1: 3 deletions before it
        assert not set(top) & deleted()
        for n in top[:5]:
            fetch(server.url(f"/board/view/?id=f&no={n}"))
        for page in (1, 2, 3):
            rows = listed_numbers(server, f"&list_num=100&page={page}")
            # No page shows a post deleted before it was served.
            assert rows and not set(rows) & deleted(), page
        requests = 1 + 5 + 3
        by_faults = deleted() - deleted_at_start
        # Exactly 3 per request served, each one a post that was listed: a deletion,
        # not a post that never existed or was deleted already.
        assert len(by_faults) == 3 * requests
        assert server.stats()["galleries"]["f"]["fault_deleted"] == 3 * requests
        assert by_faults <= listed_at_start
        # Deleted while served: some were on page 1 when it was first fetched (the pick is
        # a pure function of the seed, so this holds or fails on every run alike).
        assert set(top) & by_faults
        for n in sorted(by_faults):
            assert fetch(server.url(f"/board/view/?id=f&no={n}")).text.startswith(
                '<script type="text/javascript">location.replace("/derror/deleted/f")'
            ), n


def test_timed_deletions_happen_while_serving() -> None:
    with replica(faults={"delete_posts": 40.0}) as server:
        listed = set(listed_numbers(server, "&list_num=100"))
        wait_for(lambda: server.stats()["galleries"]["f"]["fault_deleted"] >= 10, "10 deleted")
        now = set(listed_numbers(server, "&list_num=100"))
        # Read after the page: every deletion the page reflects is in it.
        deleted = {r["post_no"] for r in server.truth("f") if r["type"] == "post"
                   and r["is_deleted"]}  # fmt: skip
        assert len(deleted) >= 10
        assert listed - now and listed - now <= deleted


def test_rate_limit_answers_429_past_n_per_second() -> None:
    with replica(rate_limit=5) as server:
        statuses = [fetch(server.url(LIST)).status for _ in range(12)]
        assert statuses[:5] == [200] * 5 and 429 in statuses
        limited = fetch(server.url(LIST))
        assert limited.status == 429 and limited.headers["Retry-After"] == "1"
        # The bucket refills with time: wait for the state (answered again), not a time.
        wait_for(lambda: fetch(server.url(LIST)).status == 200, "answered again")
        assert server.stats()["rate_limited"] >= 1
    bucket = RateLimiter(2)
    assert [bucket.allow("a", t) for t in (0.0, 0.0, 0.0, 0.5, 0.6)] == [
        True,
        True,
        False,
        True,
        False,
    ]


def test_access_log_and_stats(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    with replica(access_log=str(log)) as server:
        fetch(server.url(LIST))
        fetch(server.url("/board/view/?id=f&no=999999"))
        fetch(server.url("/board/comment/"), {"id": "f"})
        stats = server.stats()
    assert stats["requests"] == {"list": 1, "view": 1, "comment": 1}
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    assert [(m, p, s) for _, _, m, p, s, _, _ in lines] == [
        ("GET", LIST, "200"),
        ("GET", "/board/view/?id=f&no=999999", "404"),
        ("POST", "/board/comment/", "200"),
    ]
    assert all(
        0 < float(t) <= float(done) and c == "127.0.0.1" and int(b) > 0
        for t, c, _, _, _, b, done in lines
    )


def test_access_log_times_are_arrivals(tmp_path: Path) -> None:
    """The first field is when the request arrived, even when the answer came later."""
    log = tmp_path / "access.log"
    with replica(access_log=str(log), faults={"slow": 1.0}, slow_seconds=0.3) as server:
        sent = time.monotonic()  # ReplicaThread: the server's clock is this process's
        assert fetch(server.url(LIST)).status == 200
        answered = time.monotonic()
    [(arrived, *_, done)] = [line.split("\t") for line in log.read_text().splitlines()]
    # It arrived after it was sent and at least the slow delay before the answer came;
    # the time the answer was done is the last field.
    assert sent <= float(arrived) <= answered - 0.3
    assert float(arrived) + 0.3 <= float(done) <= answered


def test_fault_only_limits_request_faults_to_those_kinds() -> None:
    with replica(faults={"http503": 1.0}, fault_kinds=frozenset({"view"})) as server:
        assert fetch(server.url(LIST)).status == 200
        assert fetch(server.url("/board/view/?id=f&no=100")).status == 503
        token = hidden(doc(fetch(server.url(LIST)).body), "e_s_n_o")
        comments = fetch(server.url("/board/comment/"), comment_form("f", 100, token, "G"), XHR)
        assert comments.status == 200
        assert server.stats()["faults"] == {"http503": 1}
    assert parse_fault_kinds("view,comment") == frozenset({"view", "comment"})
    for bad in ("", "views", "view,nosuch"):
        with pytest.raises(ValueError, match="fault kinds"):
            parse_fault_kinds(bad)


def held_fetch(server: ReplicaThread, pool: ThreadPoolExecutor, no: int) -> Future[int]:
    """GET a view page in the background; its status once answered."""
    return pool.submit(lambda: fetch(server.url(f"/board/view/?id=f&no={no}")).status)


def test_hold_views_holds_multiples_until_released() -> None:
    with replica(hold_views_every=50) as server, ThreadPoolExecutor(4) as pool:
        held = [held_fetch(server, pool, no) for no in (100, 250)]
        wait_for(lambda: server.stats()["held"] == 2, "both are held")
        # Others are answered meanwhile; the held ones still wait.
        assert fetch(server.url("/board/view/?id=f&no=101")).status == 200
        assert fetch(server.url(LIST)).status == 200
        assert not any(future.done() for future in held)
        assert server.release() == 2
        assert [future.result(timeout=30) for future in held] == [200, 200]
        # Nothing is held after the release.
        assert fetch(server.url("/board/view/?id=f&no=150")).status == 200
        stats = server.stats()
        assert (stats["held"], stats["held_total"], stats["released"]) == (0, 2, True)


def test_hold_views_after_answers_the_first_n_only() -> None:
    with replica(hold_views_after=2) as server, ThreadPoolExecutor(4) as pool:
        assert fetch(server.url("/board/view/?id=f&no=101")).status == 200
        assert fetch(server.url("/board/view/?id=f&no=102")).status == 200
        third = held_fetch(server, pool, 103)
        wait_for(lambda: server.stats()["held"] == 1, "the third view is held")
        assert fetch(server.url(LIST)).status == 200  # other pages are not held
        assert not third.done()
        assert server.release() == 1
        assert third.result(timeout=30) == 200
        assert server.stats()["held_total"] == 1


def test_a_stopping_replica_answers_what_it_holds() -> None:
    with ThreadPoolExecutor(1) as pool:
        with replica(hold_views_every=1) as server:
            held = held_fetch(server, pool, 100)
            wait_for(lambda: server.stats()["held"] == 1, "the view is held")
        assert held.result(timeout=30) == 200


def test_new_options_on_the_command_line() -> None:
    _, options = parse(
        ["serve", "--port", "0", "--fault", "empty=0.5", "--fault-only", "view,list",
         "--event-clock", "requests", "--hold-views", "50", "--hold-views-after", "0"]
    )  # fmt: skip
    assert options.fault_kinds == frozenset({"view", "list"})
    assert options.event_clock == "requests"
    assert (options.hold_views_every, options.hold_views_after) == (50, 0)
    _, default = parse(["serve", "--port", "0"])
    assert (default.fault_kinds, default.event_clock) == (None, "seconds")
    assert (default.hold_views_every, default.hold_views_after) == (None, None)
    for bad in (["--event-clock", "minutes"], ["--fault-only", "views"], ["--hold-views", "0"]):
        with pytest.raises(SystemExit):
            parse(["serve", "--port", "0", *bad])
