"""cancel, logs, status and ``watch --resume`` on two real scrapyd nodes with basic auth.

The nodes are real ``scrapyd`` processes with dccrawl deployed as an egg (the ``nodes``
fixture of ``tests/conftest.py``); every command is ``python -m dccrawl ...`` in a
subprocess, as a user runs it. The moments the tests act in are states, not times: the
replica holds some view pages of every shard (``--hold-views``) until the test releases
them, so a job is certainly running when it is cancelled, and when its node is killed.

The last test kills node b for good: keep it last in this module.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from testbed.replica.process import ReplicaProcess
from testbed.scrapyd_nodes import PASSWORD, USERNAME, ScrapydNode
from tests.cluster.test_cluster_scrapyd import job_settings, ledger_rows
from tests.crawling import (
    ROOT,
    assert_equal_to_truth,
    crawl_environment,
    dccrawl_cli,
    wait_until,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

# 50 rows a list page: a 120-post gallery is 3 list shards of one page, a 200-post one 4.
LIST = ["--pages", "1-", "--shard-size", "1", "-a", "list_num=50"]


def cli_with_home(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dccrawl ARGS`` with ``home`` as its home folder (its ``~/.netrc``)."""
    return subprocess.run(
        [sys.executable, "-m", "dccrawl", *args],
        cwd=ROOT,
        env=crawl_environment({"HOME": str(home)}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def job_log(nodes: tuple[ScrapydNode, ScrapydNode], row: dict[str, Any]) -> str:
    """A job's log file, read from its node's folder (not through the command under test)."""
    node = next(node for node in nodes if node.url == row["node"])
    path = node.root / "logs" / "dccrawl" / "gallery" / f"{row['job_id']}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def finished_jobs(nodes: tuple[ScrapydNode, ...]) -> set[str]:
    return {
        job["id"] for node in nodes for job in node.api("listjobs.json?project=dccrawl")["finished"]
    }


def state_row(output: str, state: str) -> list[str]:
    """The progress table's line of ``state``: [state, shards, posts, comments]."""
    rows = [line.split() for line in output.splitlines() if line.split()[:1] == [state]]
    assert len(rows) == 1, output
    return rows[0]


def test_cancel_logs_status_and_resume_include_cancelled(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str, tmp_path: Path
) -> None:
    first, second = nodes
    logins = ["--nodes", f"{first.login_url},{second.login_url}"]
    with ReplicaProcess(
        ["--gallery", "ops:major:120", "--hold-views", "20"], quiet=True
    ) as replica:
        settings = job_settings(replica.base_url or "", database_url)
        scheduled = dccrawl_cli(
            "schedule", "--gallery", "ops", *LIST, *logins, "--capacity", "1", *settings
        )
        assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
        rows = ledger_rows(database_url)
        crawl = rows[0]["crawl_id"]
        assert [r["state"] != "pending" for r in rows] == [True, True, False]  # one a node

        def both_run_and_wait_for_held_pages() -> bool:
            now = ledger_rows(database_url)
            running = [r for r in now if r["state"] == "running"]
            opened = all("Spider opened" in job_log(nodes, r) for r in running)
            return len(running) == 2 and opened and replica.stats()["held"] >= 2

        wait_until(both_run_and_wait_for_held_pages, "both jobs run and wait for held pages")
        rows = ledger_rows(database_url)
        urls = [f"{r['node']}/logs/dccrawl/gallery/{r['job_id']}.log" for r in rows[:2]]

        # status --shards: the nodes' credentials from --nodes, or from ~/.netrc.
        db = ["-s", f"DATABASE_URL={database_url}"]
        status = dccrawl_cli("status", "--crawl", crawl, "--shards", *logins, *db)
        assert status.returncode == 1, status.stderr  # not done yet
        assert status.stderr == ""
        assert state_row(status.stdout, "running")[1] == "2"
        assert all(url in status.stdout for url in urls)
        assert PASSWORD not in status.stdout
        home = tmp_path / "home"
        home.mkdir()
        netrc = home / ".netrc"
        netrc.write_text(f"machine 127.0.0.1 login {USERNAME} password {PASSWORD}\n")
        netrc.chmod(0o600)
        from_netrc = cli_with_home(home, "status", "--crawl", crawl, "--shards", *db)
        assert (from_netrc.returncode, from_netrc.stderr) == (1, "")
        assert state_row(from_netrc.stdout, "running")[1] == "2"
        netrc.unlink()
        refused = cli_with_home(home, "status", "--crawl", crawl, *db)
        assert "HTTP 401: wrong or missing credentials" in refused.stderr
        assert state_row(refused.stdout, "unreachable")[1] == "2"  # not asked: not running

        # logs: the job's log as its node serves it, behind the node's auth.
        logs = dccrawl_cli("logs", "--crawl", crawl, "--shard", "1", *logins, *db)
        assert logs.returncode == 0, logs.stderr
        assert "[scrapy.core.engine] INFO: Spider opened" in logs.stdout
        assert not logs.stdout.startswith("==>")  # one shard: no header

        # cancel: the waiting shard, then the running ones (their jobs get SIGINT).
        one = dccrawl_cli("cancel", "--crawl", crawl, "--shards", "3", *logins, *db)
        assert one.returncode == 0, one.stderr
        assert one.stdout.splitlines() == [
            f"shard 3 ({describe(rows[2])}): cancelled (was pending)"
        ]
        cancel = dccrawl_cli("cancel", "--crawl", crawl, *logins, *db)
        assert cancel.returncode == 0, cancel.stderr
        assert cancel.stdout.splitlines() == [
            f"shard {r['shard_no']} ({describe(r)}): cancelled (was running); job {r['job_id']} on "
            f"{r['node']} was running: scrapyd sent it SIGINT (it stops after a graceful shutdown)"
            for r in rows[:2]
        ] + [f"shard 3 ({describe(rows[2])}): cancelled already"]
        wait_until(
            lambda: all("Received SIGINT" in job_log(nodes, r) for r in rows[:2]),
            "scrapyd passed the cancels on to the crawls",
        )
        replica.release()
        jobs = {r["job_id"] for r in rows[:2]}
        wait_until(lambda: jobs <= finished_jobs(nodes), "the cancelled jobs ended")
        # They reported 'failed' (close reason shutdown) as they ended: the ledger kept them.
        assert all("Spider closed (shutdown)" in job_log(nodes, r) for r in rows[:2])
        after = ledger_rows(database_url)
        assert [r["state"] for r in after] == ["cancelled"] * 3
        assert [r["job_id"] for r in after] == [r["job_id"] for r in rows]

        # resume leaves cancelled shards alone, unless asked.
        resumed = dccrawl_cli("resume", "--crawl", crawl, *logins, "--capacity", "2", *db)
        assert resumed.returncode == 0, resumed.stderr
        assert "3 cancelled shard(s) left alone" in resumed.stdout
        assert f"crawl {crawl}: 0 shard(s) to run again" in resumed.stdout
        assert ledger_rows(database_url) == after
        again = dccrawl_cli(
            "resume", "--crawl", crawl, "--include-cancelled", *logins, "--capacity", "2",
            *settings,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert f"crawl {crawl}: 3 shard(s) to run again" in again.stdout
        watched = dccrawl_cli(
            "watch", "--crawl", crawl, *logins, "--capacity", "2", "--interval", "0.5", *settings,
            timeout=240,
        )  # fmt: skip
        assert watched.returncode == 0, watched.stdout[-3000:] + watched.stderr
        truth = replica.truth("ops")

    done = ledger_rows(database_url)
    assert [(r["state"], r["attempts"]) for r in done] == [("done", 2), ("done", 2), ("done", 1)]
    assert_equal_to_truth(database_url, with_listed_posts(truth), "ops")

    tails = dccrawl_cli("logs", "--crawl", crawl, "--tail", "2", *logins, *db)
    assert tails.returncode == 0, tails.stderr
    lines = tails.stdout.splitlines()
    headers = [n for n, line in enumerate(lines) if line.startswith("==> shard ")]
    assert [lines[n] for n in headers] == [
        f"==> shard {r['shard_no']} ({describe(r)}): job {r['job_id']} on {r['node']}, done, "
        f"attempt {r['attempts']} <=="
        for r in done
    ]
    # Each header is followed by the last two lines of that job's log on its node.
    assert [lines[n + 1 : n + 3] for n in headers] == [
        job_log(nodes, r).splitlines()[-2:] for r in done
    ]
    assert len(lines) == 3 * len(done)


def describe(row: dict[str, Any]) -> str:
    """A list shard's range as the commands print it."""
    low = row["post_first"] or "1"
    high = row["post_last"] or "newest"
    return f"pages {row['page_first']}-{row['page_last']} = posts {low}-{high}"


def test_watch_resume_moves_a_dead_nodes_shards_and_finishes_the_crawl(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str, tmp_path: Path
) -> None:
    first, second = nodes
    targets = ["--nodes", f"{first.login_url},{second.login_url}", "--capacity", "2"]
    spec = ["--gallery", "heal:major:200", "--hold-views", "25"]
    with ReplicaProcess(spec, quiet=True) as replica:
        settings = job_settings(replica.base_url or "", database_url)
        scheduled = dccrawl_cli("schedule", "--gallery", "heal", *LIST, *targets, *settings)
        assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
        rows = ledger_rows(database_url)
        on_second = {r["shard_id"] for r in rows if r["node"] == second.url}
        assert len(rows) == 4 and len(on_second) == 2
        output = tmp_path / "watch.out"
        with output.open("w") as out:
            watch = subprocess.Popen(
                [sys.executable, "-m", "dccrawl", "watch", "--resume", *targets,
                 "--interval", "0.5", "--lost-after", "3", "--max-attempts", "3", *settings],
                cwd=ROOT, env=crawl_environment(), stdout=out, stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
        try:

            def second_runs_a_held_shard() -> bool:
                return replica.stats()["held"] > 0 and any(
                    r["node"] == second.url and r["state"] == "running" and r["posts"] > 0
                    for r in ledger_rows(database_url)
                )

            wait_until(second_runs_a_held_shard, f"{second.url} runs a shard held mid-crawl")
            assert second.running_pids(), "node b should be running its crawls"
            second.kill()  # for good: it is not started again
            replica.release()
            watch.wait(timeout=240)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait()
        truth = replica.truth("heal")
    text = output.read_text()
    assert watch.returncode == 0, text[-4000:]
    # While node b was silent its shards were shown unreachable, then moved.
    assert any(line.startswith("unreachable ") for line in text.splitlines()), text[-4000:]
    assert f"node {second.url} has not answered for" in text
    assert "sent again (attempt 2 of 3)" in text
    after = ledger_rows(database_url)
    assert [r["state"] for r in after] == ["done"] * 4
    moved = [r for r in after if r["shard_id"] in on_second]
    assert [(r["node"], r["attempts"]) for r in moved] == [(first.url, 2)] * 2
    assert_equal_to_truth(database_url, with_listed_posts(truth), "heal")
