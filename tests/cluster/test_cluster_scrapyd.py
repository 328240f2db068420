"""Sharded crawls on two real scrapyd nodes: deploy, schedule, kill a node mid-crawl, resume.

The nodes are real ``scrapyd`` processes (``testbed/scrapyd_nodes.py``) with basic
auth, SQLite job storage and queues, and ``max_proc = 2``; dccrawl reaches them
only as an egg built and uploaded by the real ``scrapyd-deploy`` (the ``nodes``
fixture of ``tests/conftest.py``). Every command
is ``python -m dccrawl ...`` in a subprocess, as a user runs it. One node is
killed with SIGKILL together with its running crawls while they write, then
restarted; ``resume`` and ``watch`` must bring every shard to ``done`` and the
database must equal the replica's truth: no post missing, none extra, every
field right.

The kill moment is a state, not a race: the replica holds the view pages of every
50th post (``--hold-views 50``) until the test releases them, so no shard can finish
before the node is killed, however fast or slow the machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from testbed.replica.process import ReplicaProcess
from testbed.scrapyd_nodes import PASSWORD, ScrapydNode, free_port
from tests.crawling import (
    BACKFILL_POST_FIELDS,
    FAST,
    POST_KEY,
    dccrawl_cli,
    differences,
    listed_posts,
    run_crawl,
    stored,
    truth_of,
    wait_until,
)

pytestmark = pytest.mark.integration

POSTS = 2200  # post numbers of each replica gallery (~2,080 live posts, ~45 deleted)
# Every shard covers more than 50 consecutive post numbers, so it has held views.
HOLD = ["--hold-views", "50"]


def test_nodes_shows_status_capacity_and_the_deployed_project(
    nodes: tuple[ScrapydNode, ScrapydNode],
) -> None:
    first, second = nodes
    wrong = first.login_url.replace(PASSWORD, "bad-password-x9")
    dead = f"http://127.0.0.1:{free_port()}"
    result = dccrawl_cli("nodes", "--nodes", f"{first.login_url},{second.login_url},{dead}")
    assert result.returncode == 1  # the third does not answer
    lines = result.stdout.splitlines()
    for node, line in zip(nodes, lines, strict=False):
        assert line.startswith(f"{node.url}  name=")
        assert "running=0  pending=0" in line and "capacity=1  free=1  dccrawl: yes" in line
    assert "UNREACHABLE" in lines[2]
    refused = dccrawl_cli("nodes", "--nodes", wrong)
    assert refused.returncode == 1
    assert "REFUSED" in refused.stdout and "401: wrong or missing credentials" in refused.stdout
    assert "bad-password-x9" not in refused.stdout + refused.stderr


def job_settings(base_url: str, database_url: str) -> list[str]:
    """``-s`` options for every job: the replica, the test database, no politeness delay."""
    settings = {
        **FAST,
        "DCCRAWL_BASE_URL": base_url,
        "DATABASE_URL": database_url,
        "DCCRAWL_SHARD_REPORT_INTERVAL": "1",
    }
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def ledger_rows(database_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM crawl_shards ORDER BY shard_no").fetchall()


def kill_mid_crawl(
    node: ScrapydNode, database_url: str, replica: ReplicaProcess, timeout: float = 180
) -> set[int]:
    """Wait until the node runs a shard that has stored posts, SIGKILL it and its crawls,
    then release the replica's held pages.

    The replica holds some view pages of every shard (``HOLD``): a running shard stays
    running until the release, so the state waited for cannot pass unseen. Returns the
    ids of the shards the node was running."""
    running: set[int] = set()

    def runs_a_shard_with_posts() -> bool:
        running.update(
            row["shard_id"]
            for row in ledger_rows(database_url)
            if row["node"] == node.url and row["state"] == "running" and row["posts"] > 0
        )
        return bool(running)

    wait_until(runs_a_shard_with_posts, f"{node.url} runs a shard that has stored posts", timeout)
    assert replica.stats()["held"] > 0, "the shards should be waiting for held pages"
    crawls = node.running_pids()
    killed = node.kill()
    assert crawls, "the node should be running crawls"
    assert set(crawls) <= set(killed), "the crawls should die with their node"
    for pid in killed:
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or ") Z " in stat.read_text(), f"{pid} survived"
    # Still running when the node died: the ledger cannot have moved them since.
    assert running <= {
        row["shard_id"] for row in ledger_rows(database_url) if row["state"] == "running"
    }
    replica.release()
    return running


def run_kill_resume_scenario(
    nodes: tuple[ScrapydNode, ScrapydNode],
    database_url: str,
    schedule: list[str],
    replica: ReplicaProcess,
) -> tuple[set[int], str]:
    """schedule → kill node b mid-crawl → restart it → resume → watch until done."""
    first, second = nodes
    assert replica.base_url is not None
    settings = job_settings(replica.base_url, database_url)
    targets = ["--nodes", f"{first.login_url},{second.login_url}", "--capacity", "2"]

    scheduled = dccrawl_cli("schedule", *schedule, *targets, *settings)
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    rows = ledger_rows(database_url)
    on_node = [sum(1 for r in rows if r["node"] == node.url) for node in nodes]
    assert on_node == [2, 2], "two shards per node (its capacity), the rest wait"
    assert sum(1 for r in rows if r["state"] == "pending") == len(rows) - 4

    finished_before = {job["id"] for job in second.api("listjobs.json")["finished"]}
    killed = kill_mid_crawl(second, database_url, replica)
    second.start()
    # SqliteJobStorage: the jobs it had finished are still known after the restart.
    assert finished_before <= {job["id"] for job in second.api("listjobs.json")["finished"]}
    resumed = dccrawl_cli("resume", *targets, *settings)
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output
    assert "vanished" in output
    watched = dccrawl_cli("watch", *targets, "--interval", "1", *settings, timeout=240)
    output += watched.stdout + watched.stderr
    assert watched.returncode == 0, output

    rows = ledger_rows(database_url)
    assert [r["state"] for r in rows] == ["done"] * len(rows), output
    assert all(r["close_reason"] == "finished" and r["exit_code"] == 0 for r in rows)
    assert {r["shard_id"] for r in rows if r["attempts"] >= 2} >= killed
    with psycopg.connect(database_url) as conn:
        post_rows = conn.execute("SELECT count(*) FROM posts").fetchone()
    # Shards own disjoint post numbers: what they report adds up to the rows stored.
    assert post_rows == (sum(r["posts"] for r in rows),)
    return killed, output


def test_backfill_shards_survive_a_killed_node(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str
) -> None:
    with ReplicaProcess(["--gallery", f"dist:major:{POSTS}", *HOLD]) as replica:
        schedule = ["--gallery", "dist", "--posts", f"1-{POSTS}", "--shard-size", "367"]
        schedule += ["-a", "comments=0"]
        run_kill_resume_scenario(nodes, database_url, schedule, replica)
        truth = replica.truth("dist")

    expected = truth_of(truth, "post", BACKFILL_POST_FIELDS)  # by number: no list flags
    assert len(expected) >= 2000
    assert differences(expected, stored(database_url, "posts", "dist"), POST_KEY) == []


ARRIVALS_PER_REQUEST = 0.1


def test_list_shards_lose_nothing_while_new_posts_arrive(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str, tmp_path: Path
) -> None:
    # Arrivals by requests served (--event-clock requests), not by time: one new post
    # every 10 requests, so how far the list shifts depends on the crawl, not the machine.
    log = tmp_path / "access.log"
    replica_args = ["--gallery", f"live:major:{POSTS}", *HOLD, "--access-log", str(log),
                    "--fault", f"new_posts={ARRIVALS_PER_REQUEST}", "--event-clock",
                    "requests"]  # fmt: skip
    with ReplicaProcess(replica_args) as replica:
        listed_before = {p["post_no"] for p in listed_posts(replica.truth("live"))}
        schedule = ["--gallery", "live", "--pages", "1-", "--shard-size", "4"]
        schedule += ["-a", "comments=0"]
        run_kill_resume_scenario(nodes, database_url, schedule, replica)
        truth = replica.truth("live")
        arrived = replica.stats()["galleries"]["live"]["arrived"]

    assert len(listed_before) >= 2000
    # The k-th request served saw int(k * rate) arrivals: between the first and the last
    # list page the shards read, the list shifted by more than a page of 100 rows.
    paths = [line.split("\t") for line in log.read_text().splitlines()]
    order = [path for _, path in sorted((float(f[0]), f[3]) for f in paths)]
    list_reads = [k for k, path in enumerate(order, start=1) if "/lists" in path]
    shift = int(list_reads[-1] * ARRIVALS_PER_REQUEST) - int(list_reads[0] * ARRIVALS_PER_REQUEST)
    assert shift > 100, f"the list shifted by only {shift} posts while the shards read it"
    assert arrived == int(len(order) * ARRIVALS_PER_REQUEST)
    rows = stored(database_url, "posts", "live")
    numbers = {row["post_no"] for row in rows}
    assert sorted(listed_before - numbers) == [], "posts listed before the crawl are missing"
    now_listed = listed_posts(truth)
    assert numbers <= {p["post_no"] for p in now_listed}
    expected = truth_of([p for p in now_listed if p["post_no"] in numbers], "post")
    assert differences(expected, rows, POST_KEY) == []


def test_retry_runs_the_failure_ledger_on_a_node(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str
) -> None:
    """Pages lost by a crawl are fetched again by a scrapyd job (``retry --nodes``): the
    job runs as a shard of its own crawl, and the ledger ends empty."""
    first, _second = nodes
    spec = "again:major:200"
    with ReplicaProcess(
        ["--gallery", spec, "--broken-pages", "0.05", "--fault-only", "view"]
    ) as replica:
        base_url = replica.base_url or ""
        lost = run_crawl(base_url, database_url, {"gallery": "again", "comments": "0"})
        assert lost.returncode == 3, lost
        with psycopg.connect(database_url) as conn:
            (before,) = conn.execute("SELECT count(*) FROM crawl_failures").fetchone() or (0,)
        assert before == len(replica.stats()["broken_pages"]) > 0
        replica.heal()
        settings = job_settings(base_url, database_url)
        result = dccrawl_cli(
            "retry", "--gallery", "again", "--nodes", first.login_url, "--interval", "1",
            *settings, timeout=240,
        )  # fmt: skip
        truth = replica.truth("again")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "is empty" in output
    (shard,) = [row for row in ledger_rows(database_url) if row["gallery_id"] == "again"]
    assert (shard["state"], shard["arguments"]["retry"]) == ("done", "1")
    expected = truth_of(listed_posts(truth), "post")
    assert differences(expected, stored(database_url, "posts", "again"), POST_KEY) == []
