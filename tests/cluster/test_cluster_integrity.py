"""A sharded crawl on two real scrapyd nodes cannot be corrupted by a job meant for another
database, and no database password reaches the nodes.

Issue 17's walk-through: ``schedule -s DATABASE_URL=<db2>``, then ``watch`` without it; the
jobs ``watch`` sent used the nodes' own database, where ``shard=3`` was a row of an older,
finished crawl, and overwrote it. Now every job carries its crawl's id and the ledger's
database (``dccrawl/cluster/dispatch.py``), and refuses to run where that database does not
hold its shard of its crawl (``dccrawl/extensions/shard.py``).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import conninfo
from psycopg.rows import dict_row

from testbed.databases import fresh_database
from testbed.replica.process import ReplicaProcess
from testbed.scrapyd_nodes import PASSWORD, ScrapydNode, deploy_config, free_port
from tests.crawling import (
    BACKFILL_POST_FIELDS,
    FAST,
    POST_KEY,
    ROOT,
    dccrawl_cli,
    differences,
    stored,
    truth_of,
    wait_until,
)

pytestmark = pytest.mark.integration

GALLERY = "bound"
POSTS = 120
SCHEDULE = ["--gallery", GALLERY, "--posts", f"1-{POSTS}", "--shard-size", "30"]


@pytest.fixture
def second_database(pg_admin_url: str) -> Iterator[str]:
    with fresh_database(pg_admin_url) as url:
        yield url


def targets(nodes: tuple[ScrapydNode, ScrapydNode]) -> list[str]:
    return ["--nodes", ",".join(node.login_url for node in nodes), "--capacity", "2"]


def job_options(base_url: str, database_url: str) -> list[str]:
    settings = {**FAST, "DCCRAWL_BASE_URL": base_url, "DATABASE_URL": database_url}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def ledger(database_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM crawl_shards ORDER BY shard_id").fetchall()


def crawl_to_the_end(nodes: tuple[ScrapydNode, ScrapydNode], base: str, url: str) -> str:
    """``schedule`` then ``watch`` until every shard is done; the crawl's id."""
    scheduled = dccrawl_cli("schedule", *SCHEDULE, *targets(nodes), *job_options(base, url))
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    crawl_id = scheduled.stdout.split()[1].rstrip(":")
    watched = dccrawl_cli(
        "watch", "--crawl", crawl_id, *targets(nodes), "--interval", "0.5",
        *job_options(base, url), timeout=240,
    )  # fmt: skip
    assert watched.returncode == 0, watched.stdout + watched.stderr
    assert {row["state"] for row in ledger(url)} == {"done"}
    return crawl_id


def test_a_job_sent_to_another_crawls_database_refuses_and_corrupts_nothing(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str, second_database: str
) -> None:
    first_node = nodes[0]
    with ReplicaProcess(["--gallery", f"{GALLERY}:major:{POSTS}"], quiet=True) as replica:
        base = replica.base_url or ""
        crawl_a = crawl_to_the_end(nodes, base, database_url)
        crawl_b = crawl_to_the_end(nodes, base, second_database)
        before_a = ledger(database_url)
        shard_b = ledger(second_database)[2]
        # The two databases number their shards alike: shard id 3 is a row of each crawl.
        assert shard_b["shard_id"] in {row["shard_id"] for row in before_a}

        # `watch` pointed at the wrong database finds no such crawl and sends nothing.
        astray = dccrawl_cli(
            "watch", "--crawl", crawl_b, *targets(nodes), *job_options(base, database_url)
        )
        assert astray.returncode == 2, astray.stdout + astray.stderr
        assert f"crawl {crawl_b} is not in the ledger of" in astray.stderr

        # A stray job of crawl B's shard 3, sent with crawl A's database (as the old
        # `watch` did): it refuses before its first request.
        served = sum(replica.stats()["requests"].values())
        job = first_node.post(
            "schedule.json",
            [
                ("project", "dccrawl"),
                ("spider", "gallery"),
                ("jobid", "stray-job"),
                ("gallery", GALLERY),
                ("posts", f"{shard_b['post_first']}-{shard_b['post_last']}"),
                ("shard", str(shard_b["shard_id"])),
                ("crawl", crawl_b),
                *[("setting", f"{k}={v}") for k, v in FAST.items()],
                ("setting", f"DCCRAWL_BASE_URL={base}"),
                ("setting", f"DATABASE_URL={database_url}"),
            ],
        )
        assert job["status"] == "ok", job
        wait_until(
            lambda: "stray-job" in {j["id"] for j in first_node.api("listjobs.json")["finished"]},
            "the stray job has ended",
        )
        assert sum(replica.stats()["requests"].values()) == served, "the stray job crawled"
        truth = replica.truth(GALLERY)
    log = (first_node.root / "logs" / "dccrawl" / "gallery" / "stray-job.log").read_text()
    assert f"of crawl {crawl_b} is not in the crawl_shards ledger" in log
    assert "(exit code 1)" in log
    assert ledger(database_url) == before_a
    expected = truth_of(truth, "post", BACKFILL_POST_FIELDS)
    for url, crawl_id in ((database_url, crawl_a), (second_database, crawl_b)):
        assert {row["crawl_id"] for row in ledger(url)} == {crawl_id}
        assert differences(expected, stored(url, "posts", GALLERY), POST_KEY) == []


def _everything_on(nodes: tuple[ScrapydNode, ScrapydNode]) -> str:
    """What the nodes show or keep of their jobs: job lists, logs, scrapyd's own output,
    item feeds and spool files."""
    texts = [json.dumps([node.api("listjobs.json") for node in nodes])]
    for node in nodes:
        texts.append(node.output())
        for path in node.root.rglob("*"):
            if path.is_file() and path.suffix not in (".egg", ".db"):
                texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def _command_lines(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        path = Path(f"/proc/{pid}/cmdline")
        if path.exists():
            lines.append(path.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return "\n".join(lines)


def test_no_database_password_reaches_the_nodes(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str
) -> None:
    password = f"pw-{secrets.token_hex(6)}"  # the test server trusts: any password works
    with_password = conninfo.make_conninfo(database_url, password=password)
    with ReplicaProcess(
        ["--gallery", f"{GALLERY}:major:{POSTS}", "--hold-views", "25"], quiet=True
    ) as replica:
        base = replica.base_url or ""
        options = job_options(base, with_password)
        scheduled = dccrawl_cli("schedule", *SCHEDULE, *targets(nodes), *options)
        assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
        wait_until(lambda: replica.stats()["held"] > 0, "the jobs run (held views)")
        running = _command_lines([pid for node in nodes for pid in node.running_pids()])
        assert "gallery" in running and "DATABASE_URL=" in running
        assert password not in running
        replica.release()
        watched = dccrawl_cli("watch", *targets(nodes), "--interval", "0.5", *options, timeout=240)
        assert watched.returncode == 0, watched.stdout + watched.stderr
        assert password not in scheduled.stdout + scheduled.stderr + watched.stdout
    assert {row["state"] for row in ledger(database_url)} == {"done"}
    assert password not in json.dumps(ledger(database_url), default=str)
    assert password not in _everything_on(nodes)


def test_deploy_exits_1_when_a_target_fails(
    nodes: tuple[ScrapydNode, ScrapydNode], tmp_path: Path
) -> None:
    """``scrapyd-deploy -a`` exits 0 with a target down; ``python -m dccrawl deploy`` does not."""
    first, second = nodes
    env = deploy_config(tmp_path, {"node-a": first, "node-b": second})
    dead = f"http://127.0.0.1:{free_port()}"
    with (tmp_path / "scrapy.cfg").open("a") as config:
        config.write(f"\n[deploy:gone]\nurl = {dead}\nproject = dccrawl\n")
    result = subprocess.run(
        [sys.executable, "-m", "dccrawl", "deploy", "node-a", "node-b", "gone"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"node-a {first.url}: ok (version ")
    assert lines[1].startswith(f"node-b {second.url}: ok (version ")
    assert lines[2].startswith(f"gone {dead}: FAILED: ")
    assert PASSWORD not in result.stdout + result.stderr
    everything_ok = subprocess.run(
        [sys.executable, "-m", "dccrawl", "deploy", "node-a"],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert everything_ok.returncode == 0, everything_ok.stdout + everything_ok.stderr
