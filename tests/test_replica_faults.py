"""Faults, the per-client rate limit, the access log and the stats endpoint."""

from __future__ import annotations

import http.client
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType

import pytest

from tests.replica.client import fetch
from tests.replica.clock import parse_now
from tests.replica.faults import FaultPlan, RateLimiter
from tests.replica.options import GallerySpec, ReplicaOptions, parse_fault
from tests.replica.process import ReplicaThread
from tests.test_replica_parsing import doc, parse_rows, post_rows

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


def test_new_posts_arrive_at_the_head_while_serving() -> None:
    with replica(faults={"new_posts": 40.0}) as server:
        before = [
            int(r["data_no"]) for r in post_rows(parse_rows(doc(fetch(server.url(LIST)).body)))
        ]
        time.sleep(0.4)
        after = [
            int(r["data_no"]) for r in post_rows(parse_rows(doc(fetch(server.url(LIST)).body)))
        ]
        assert after[0] > before[0] >= 300 - 3
        arrived = after[: after.index(before[0])]
        assert arrived == list(range(after[0], before[0], -1))
        truth = {r["post_no"]: r for r in server.truth("f") if r["type"] == "post"}
        assert all(
            n in truth and truth[n]["created_at"] > truth[before[0]]["created_at"] for n in arrived
        )
        view = fetch(server.url(f"/board/view/?id=f&no={arrived[0]}"))
        assert view.status == 200
        assert server.stats()["galleries"]["f"]["arrived"] >= len(arrived)


def test_posts_get_deleted_while_serving() -> None:
    with replica(faults={"delete_posts": 40.0}) as server:
        listed = {
            int(r["data_no"])
            for r in post_rows(parse_rows(doc(fetch(server.url(LIST + "&list_num=100")).body)))
        }
        time.sleep(0.3)
        truth = server.truth("f")
        deleted_now = {r["post_no"] for r in truth if r["type"] == "post" and r["is_deleted"]}
        fresh = [
            n
            for n in deleted_now
            if fetch(server.url(f"/board/view/?id=f&no={n}")).text.startswith(
                '<script type="text/javascript">location.replace("/derror/deleted/f")'
            )
        ]
        assert set(fresh) == deleted_now
        assert server.stats()["galleries"]["f"]["fault_deleted"] >= 10
        rows = []
        for page in (1, 2, 3):
            rows += post_rows(
                parse_rows(doc(fetch(server.url(f"{LIST}&list_num=100&page={page}")).body))
            )
        assert not {int(r["data_no"]) for r in rows} & deleted_now
        assert listed & deleted_now or deleted_now


def test_rate_limit_answers_429_past_n_per_second() -> None:
    with replica(rate_limit=5) as server:
        statuses = [fetch(server.url(LIST)).status for _ in range(12)]
        assert statuses[:5] == [200] * 5 and 429 in statuses
        limited = fetch(server.url(LIST))
        assert limited.status == 429 and limited.headers["Retry-After"] == "1"
        time.sleep(1.1)
        assert fetch(server.url(LIST)).status == 200
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
    assert [(m, p, s) for _, _, m, p, s, _ in lines] == [
        ("GET", LIST, "200"),
        ("GET", "/board/view/?id=f&no=999999", "404"),
        ("POST", "/board/comment/", "200"),
    ]
    assert all(float(t) > 0 and c == "127.0.0.1" and int(b) > 0 for t, c, _, _, _, b in lines)
