"""The shard extension in real crawls: a job started with ``-a shard=ID -a crawl=ID`` reports to
the ledger, and refuses to run where its database does not hold that shard of that crawl.

Each test runs ``scrapy crawl gallery`` in its own process against the replica,
into a fresh database holding one ledger row, as scrapyd would start it.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from dccrawl.cluster import ledger
from dccrawl.cluster.planning import plan_posts
from dccrawl.db.migrate import migrate
from dccrawl.extensions.exitcode import EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK
from dccrawl.extensions.shard import Outcome
from testbed.replica.process import ReplicaProcess
from tests.crawling import run_crawl

pytestmark = pytest.mark.integration


def one_shard(database_url: str, posts: str) -> int:
    """A crawl of one backfill shard in the ledger; returns its shard id."""
    migrate(database_url)
    first, last = (int(n) for n in posts.split("-"))
    with ledger.connect(database_url) as conn:
        (shard,) = ledger.create_crawl(
            conn,
            crawl_id="t-1",
            gallery_id="ext",
            project="dccrawl",
            spider="gallery",
            settings={},
            plans=plan_posts(first, last, last - first + 1, {"gallery": "ext"}),
        )
    return shard.shard_id


def row(database_url: str) -> dict[str, Any]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        found = conn.execute("SELECT * FROM crawl_shards").fetchone()
    assert found is not None
    return found


def count(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as conn:
        found = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    assert found is not None
    return int(found[0])


def test_a_complete_shard_is_done_with_the_rows_it_stored(database_url: str) -> None:
    shard_id = one_shard(database_url, "1-60")
    with ReplicaProcess(["--gallery", "ext:major:60"]) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {"gallery": "ext", "posts": "1-60", "shard": shard_id, "crawl": "t-1"},
            {"DCCRAWL_SHARD_REPORT_INTERVAL": "0.5"},
        )
    assert result.returncode == 0, result
    assert f"Shard {shard_id} of crawl t-1: running (was pending)" in result.output
    stored = row(database_url)
    assert (stored["state"], stored["close_reason"], stored["exit_code"]) == ("done", "finished", 0)
    assert stored["posts"] == count(database_url, "posts") > 40
    assert stored["comments"] == count(database_url, "comments") > 0
    assert stored["started_at"] <= stored["finished_at"]
    assert stored["error"] is None


def test_a_shard_with_pages_lost_is_failed_not_done(database_url: str) -> None:
    shard_id = one_shard(database_url, "1-60")
    with ReplicaProcess(["--gallery", "ext:major:60", "--fault", "empty=0.2"]) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {
                "gallery": "ext",
                "kind": "major",
                "posts": "1-60",
                "comments": 0,
                "shard": shard_id,
                "crawl": "t-1",
            },
            {"RETRY_TIMES": "0"},
        )
    assert result.returncode == EXIT_INCOMPLETE, result
    stored = row(database_url)
    assert (stored["state"], stored["close_reason"], stored["exit_code"]) == (
        "failed",
        "finished",
        EXIT_INCOMPLETE,
    )
    assert "incomplete" in stored["error"]
    assert stored["posts"] == count(database_url, "posts") > 0  # what it did get is kept


def refused(database_url: str, arguments: dict[str, Any]) -> tuple[Any, int]:
    """A job's run against a replica that counts requests: its result, and the requests."""
    with ReplicaProcess(["--gallery", "ext:major:20"]) as replica:
        result = run_crawl(
            replica.base_url or "", database_url, {"gallery": "ext", "posts": "1-20", **arguments}
        )
        served = sum(replica.stats()["requests"].values())
    return result, served


def test_a_shard_missing_from_the_ledger_refuses_the_job(database_url: str) -> None:
    one_shard(database_url, "1-20")
    result, served = refused(database_url, {"shard": 424242, "crawl": "t-1"})
    assert result.returncode == EXIT_FAILED, result
    assert "Shard 424242 of crawl t-1 is not in the crawl_shards ledger" in result.output
    assert "refusing to crawl" in result.output
    assert served == 0 and count(database_url, "posts") == 0
    assert row(database_url)["state"] == "pending"


def test_another_crawls_shard_of_the_same_id_is_not_touched(database_url: str) -> None:
    """The stray job of issue 17: shard 3 of crawl B sent to crawl A's database, where shard
    id 3 is a row of crawl A. It refuses; crawl A's row keeps its state and counts."""
    shard_id = one_shard(database_url, "1-20")
    before = row(database_url)
    result, served = refused(database_url, {"shard": shard_id, "crawl": "another-crawl"})
    assert result.returncode == EXIT_FAILED, result
    assert f"Shard {shard_id} of crawl another-crawl is not in the crawl_shards ledger" in (
        result.output
    )
    assert served == 0
    assert row(database_url) == before


def test_a_stray_job_of_a_done_shard_does_not_crawl_it_again(database_url: str) -> None:
    shard_id = one_shard(database_url, "1-20")
    with ledger.connect(database_url) as conn:
        ledger.mark_running(conn, shard_id, "t-1")
        ledger.report_closed(
            conn, shard_id, done=True, reason="finished", exit_code=0, posts=19, comments=3,
            error=None,
        )  # fmt: skip
    before = row(database_url)
    result, served = refused(database_url, {"shard": shard_id, "crawl": "t-1"})
    assert result.returncode == EXIT_FAILED, result
    assert f"Shard {shard_id} of crawl t-1 is already done" in result.output
    assert served == 0
    assert row(database_url) == before


def test_a_shard_job_without_its_crawl_id_is_a_usage_error(database_url: str) -> None:
    one_shard(database_url, "1-20")
    result, served = refused(database_url, {"shard": 1})
    assert result.returncode == 2, result
    assert "needs crawl=ID" in result.output
    assert served == 0


@pytest.mark.parametrize(
    ("reason", "code", "done"),
    [
        ("finished", EXIT_OK, True),
        ("finished", EXIT_INCOMPLETE, False),
        ("shutdown", EXIT_OK, False),  # scrapyd's cancel: SIGINT, graceful close
        ("closespider_timeout", EXIT_OK, False),
    ],
)
def test_only_a_finished_complete_crawl_is_done(reason: str, code: int, done: bool) -> None:
    assert Outcome(reason, code, "", 0, 0).done is done
