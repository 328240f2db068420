"""``python -m dccrawl nodes/schedule/status/resume`` as a user runs them, without scrapyd nodes.

Mistakes get one line and exit code 2; a node that does not answer is reported
and skipped, its shards wait in the ledger; list-mode planning reads the
replica's list pages and bounds every shard by the post numbers it found there.
(The commands against real scrapyd nodes: ``test_cluster_scrapyd.py``.)
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from testbed.replica.process import ReplicaProcess
from testbed.scrapyd_nodes import free_port
from tests.crawling import dccrawl_cli, is_listed

pytestmark = pytest.mark.integration


def dead_node() -> str:
    return f"http://127.0.0.1:{free_port()}"


def shards(database_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM crawl_shards ORDER BY shard_no").fetchall()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "--gallery", "g", "--posts", "1-9", "--nodes", "http://h:1"], "DATABASE_URL"),
        (
            [
                "schedule",
                "--gallery",
                "g",
                "--nodes",
                "h:1",
                "-a",
                "search=x",
                "-s",
                "DATABASE_URL=x",
            ],
            "-a search: a sharded crawl passes only comments, kind, list_num, media, render, "
            "since, since_no",
        ),
        (
            [
                "schedule",
                "--gallery",
                "g",
                "--posts",
                "9-1",
                "--nodes",
                "h:1",
                "-s",
                "DATABASE_URL=x",
            ],
            "the range is backwards",
        ),
        (
            [
                "schedule",
                "--gallery",
                "g",
                "--nodes",
                "h:1",
                "-a",
                "refresh=3d",
                "-s",
                "DATABASE_URL=x",
            ],
            "-a refresh: a refresh crawl is not split into shards",
        ),
        (
            [
                "schedule",
                "--gallery",
                "g",
                "--posts",
                "1-9",
                "--nodes",
                "h:1",
                "-a",
                "since=2026-01-01",
                "-s",
                "DATABASE_URL=x",
            ],
            "cannot be combined with since",
        ),
        (["nodes", "--nodes", "http://a:1,http://b:1", "--capacity", "1,2,3"], "3 numbers for 2"),
        (["status", "-s", "LOG_LEVEL"], "-s 'LOG_LEVEL': expected NAME=VALUE"),
    ],
)
def test_mistakes_get_one_line_and_exit_code_2(args: list[str], message: str) -> None:
    result = dccrawl_cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_nodes_reports_a_node_that_does_not_answer() -> None:
    node = dead_node()
    result = dccrawl_cli("nodes", "--nodes", node, "--timeout", "2")
    assert result.returncode == 1
    assert f"{node}  UNREACHABLE" in result.stdout


def test_shards_wait_in_the_ledger_while_no_node_answers(database_url: str) -> None:
    node = dead_node()
    database = ["-s", f"DATABASE_URL={database_url}"]
    result = dccrawl_cli(
        "schedule", "--gallery", "g", "--posts", "1-1000", "--shard-size", "300",
        "--nodes", node, *database, "-s", "DOWNLOAD_DELAY=0",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"skipped {node} (daemonstatus.json): does not answer" in result.stderr
    rows = shards(database_url)
    assert [(r["state"], r["arguments"]["posts"]) for r in rows] == [
        ("pending", "701-1000"),
        ("pending", "401-700"),
        ("pending", "101-400"),
        ("pending", "1-100"),
    ]
    assert all(r["settings"] == {"DOWNLOAD_DELAY": "0"} for r in rows)  # no DATABASE_URL

    status = dccrawl_cli("status", *database)
    assert status.returncode == 1  # not done
    assert "pending         4" in status.stdout

    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE crawl_shards SET state = 'failed', job_id = 'j', error = 'cancelled' "
            "WHERE shard_no = 1"
        )
    resumed = dccrawl_cli("resume", "--nodes", node, *database)
    assert "shard 1 (posts 701-1000): job j failed: cancelled" in resumed.stdout
    assert resumed.returncode == 1  # nothing could be sent
    assert [r["state"] for r in shards(database_url)] == ["pending"] * 4


def test_schedule_passes_media_and_since_and_folds_since_no_into_the_plan(
    database_url: str,
) -> None:
    database = ["-s", f"DATABASE_URL={database_url}"]
    result = dccrawl_cli(
        "schedule", "--gallery", "g", "--posts", "1-1000", "--shard-size", "300",
        "-a", "since_no=450", "-a", "media=1", "--nodes", dead_node(), *database,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # no node answers
    assert [r["arguments"] for r in shards(database_url)] == [
        {"gallery": "g", "media": "1", "posts": "701-1000"},
        {"gallery": "g", "media": "1", "posts": "451-700"},
    ]


def test_list_shards_are_bounded_by_the_post_numbers_on_the_list(database_url: str) -> None:
    with ReplicaProcess(["--gallery", "plan:minor:1000"]) as replica:
        truth = replica.truth("plan")
        result = dccrawl_cli(
            "schedule", "--gallery", "plan", "--pages", "2-8", "--shard-size", "3",
            "-a", "list_num=50", "--nodes", dead_node(),
            "-s", f"DATABASE_URL={database_url}", "-s", f"DCCRAWL_BASE_URL={replica.base_url}",
            "-s", "DOWNLOAD_DELAY=0",
        )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    listed = sorted((line["post_no"] for line in truth if is_listed(line)), reverse=True)

    def top(page: int) -> int:
        return listed[(page - 1) * 50]

    rows = shards(database_url)
    assert [(r["page_first"], r["page_last"]) for r in rows] == [(2, 4), (5, 7), (8, 8)]
    assert [r["arguments"] for r in rows] == [
        {"gallery": "plan", "list_num": "50", "kind": "minor", "pages": "1-",
         "since_no": str(top(5)), "until_no": str(top(2))},
        {"gallery": "plan", "list_num": "50", "kind": "minor", "pages": "4-",
         "since_no": str(top(8)), "until_no": str(top(5))},
        {"gallery": "plan", "list_num": "50", "kind": "minor", "pages": "7-",
         "since_no": str(top(9)), "until_no": str(top(8))},
    ]  # fmt: skip
    owned = [n for r in rows for n in listed if r["post_first"] <= n <= r["post_last"]]
    assert owned == listed[50 : 8 * 50]  # pages 2-8, each post in exactly one shard
