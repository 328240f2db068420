"""The shard extension in real crawls: a job started with ``-a shard=ID`` reports to the ledger.

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
            {"gallery": "ext", "posts": "1-60", "shard": shard_id},
            {"DCCRAWL_SHARD_REPORT_INTERVAL": "0.5"},
        )
    assert result.returncode == 0, result
    assert f"Shard {shard_id}: running (was pending)" in result.output
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
            {"gallery": "ext", "kind": "major", "posts": "1-60", "comments": 0, "shard": shard_id},
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


def test_a_shard_missing_from_the_ledger_fails_the_job(database_url: str) -> None:
    one_shard(database_url, "1-20")
    with ReplicaProcess(["--gallery", "ext:major:20"]) as replica:
        result = run_crawl(
            replica.base_url or "",
            database_url,
            {"gallery": "ext", "posts": "1-20", "shard": 424242},
        )
    assert result.returncode == EXIT_FAILED, result
    assert "shard 424242 is not in the crawl_shards ledger" in result.output
    assert row(database_url)["state"] == "pending"


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
