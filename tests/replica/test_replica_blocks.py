"""The replica's block (``--block-after N/W --block-seconds S --block-shape SHAPE``).

A client that sends more than N requests within W seconds is blocked for S seconds:
every request it sends meanwhile, to any URL, gets the block's shape (SITE.md §6's
reports: 429, 403, an empty 200, a "too many requests" page, a reset, a timeout).
The crawler's block handling (issue 14) is tested against this.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testbed.replica.blocks import BLOCK_SHAPES, Blocker, BlockRule
from testbed.replica.cli import parse
from testbed.replica.client import Reply, fetch
from testbed.replica.clock import parse_now
from testbed.replica.options import GallerySpec, ReplicaOptions
from testbed.replica.process import ReplicaThread

NOW = parse_now("2026-06-15T00:05:00+09:00")
LIST = "/board/lists/?id=b&page={}"
VIEW = "/board/view/?id=b&no=5"
ALLOWED = 4  # requests a client may send in the window before a block starts


@contextmanager
def blocking(shape: str, seconds: float = 0.6, log: Path | None = None) -> Iterator[ReplicaThread]:
    options = ReplicaOptions(
        galleries=(GallerySpec.parse("b:major:60"),),
        now=NOW,
        block=BlockRule(ALLOWED, 60.0, seconds, shape),
        access_log=str(log) if log else None,
    )
    with ReplicaThread(options) as server:
        yield server


def trip(server: ReplicaThread) -> list[Reply]:
    """The requests a client may send; each is answered normally."""
    return [fetch(server.url(LIST.format(page))) for page in range(1, ALLOWED + 1)]


def test_requests_up_to_the_limit_are_answered_normally() -> None:
    with blocking("429") as server:
        assert [reply.status for reply in trip(server)] == [200] * ALLOWED


def test_the_request_past_the_limit_and_every_later_one_are_blocked() -> None:
    with blocking("429", seconds=30) as server:
        trip(server)
        statuses = [fetch(server.url(url)).status for url in (LIST.format(9), VIEW, LIST.format(1))]
        assert statuses == [429, 429, 429]


def test_a_blocked_429_says_nothing_of_when_to_come_back() -> None:
    with blocking("429", seconds=30) as server:
        trip(server)
        assert "Retry-After" not in fetch(server.url(VIEW)).headers


def test_after_the_block_the_client_starts_afresh() -> None:
    with blocking("403", seconds=0.3) as server:
        trip(server)
        assert fetch(server.url(VIEW)).status == 403
        time.sleep(0.4)  # the block's own length: time only moves on, whatever the load
        assert [reply.status for reply in trip(server)] == [200] * ALLOWED


@pytest.mark.parametrize(
    ("shape", "status", "words"),
    [("403", 403, "Forbidden"), ("empty", 200, ""), ("page", 200, "너무 많은 요청")],
)
def test_each_answering_shape(shape: str, status: int, words: str) -> None:
    with blocking(shape, seconds=30) as server:
        trip(server)
        reply = fetch(server.url(VIEW))
        assert (reply.status, words in reply.text, bool(reply.body) == bool(words)) == (
            status,
            True,
            True,
        )


def test_a_reset_block_drops_the_connection() -> None:
    with blocking("reset", seconds=30) as server:
        trip(server)
        with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
            fetch(server.url(VIEW))


def test_a_timeout_block_answers_nothing_within_the_clients_timeout() -> None:
    with blocking("timeout", seconds=30) as server:
        trip(server)
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            fetch(server.url(VIEW), timeout=0.5)


def test_blocks_and_blocked_requests_are_counted_and_logged(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    with blocking("429", seconds=30, log=log) as server:
        trip(server)
        fetch(server.url(VIEW))
        fetch(server.url(LIST.format(2)))
        stats = server.stats()
    marks = [line.split("\t")[7:] for line in log.read_text().splitlines()]
    assert (stats["blocks"], stats["blocked"], marks) == (1, 2, [[]] * ALLOWED + [["blocked"]] * 2)


def test_the_rule_counts_only_the_window() -> None:
    blocker = Blocker(BlockRule(2, 10.0, 5.0))
    answers = [blocker.check("c", t) for t in (0.0, 1.0, 11.5, 12.0, 12.5, 13.0, 18.0)]
    assert answers == [False, False, False, False, True, True, False]


def test_the_command_line_sets_the_rule() -> None:
    _, options = parse(["serve", "--port", "0", "--gallery", "b:major:5", "--block-after",
                        "100/10", "--block-seconds", "20", "--block-shape", "reset"])  # fmt: skip
    assert options.block == BlockRule(100, 10.0, 20.0, "reset")


@pytest.mark.parametrize("bad", ["100", "x/10", "0/10", "5/0"])
def test_a_bad_rule_is_refused_with_one_line(bad: str) -> None:
    with pytest.raises(SystemExit, match="block"):
        parse(["serve", "--port", "0", "--gallery", "b:major:5", "--block-after", bad])


def test_every_shape_is_known() -> None:
    assert BLOCK_SHAPES == ("429", "403", "empty", "reset", "timeout", "page")
