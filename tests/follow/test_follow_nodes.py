"""``follow --nodes``: each cycle is a job on one of two real scrapyd nodes (the ``nodes``
fixture of ``tests/conftest.py``: dccrawl deployed as an egg by ``scrapyd-deploy``).

The job reports into its cycle row exactly as a local crawl does (the cycle extension
runs inside the egg); follow reads the row once the node lists the job as finished.
A stop cancels the running job (scrapyd sends it SIGINT: a graceful shutdown) and
waits for it to report.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from testbed.replica.process import ReplicaProcess
from testbed.scrapyd_nodes import PASSWORD, ScrapydNode
from tests.crawling import assert_equal_to_truth, dccrawl_cli, wait_until, with_listed_posts
from tests.follow.following import cycle_lines, cycle_rows, follow_process, settings

pytestmark = pytest.mark.integration

HORIZON = "1"


def node_options(nodes: tuple[ScrapydNode, ScrapydNode]) -> list[str]:
    return ["--nodes", ",".join(node.login_url for node in nodes), "--interval", "0.2"]


def test_follow_runs_each_cycle_as_a_job_on_a_node(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str
) -> None:
    galleries = ("na", "nb")
    specs = [arg for gallery in galleries for arg in ("--gallery", f"{gallery}:major:60")]
    with ReplicaProcess(specs, quiet=True) as replica:
        result = dccrawl_cli(
            "follow", "--gallery", ",".join(galleries), "--every", "0s", "--horizon", HORIZON,
            "--cycles", "2", *node_options(nodes),
            *settings(replica.base_url or "", database_url), timeout=240,
        )  # fmt: skip
        truths = {gallery: replica.truth(gallery) for gallery in galleries}
    assert result.returncode == 0, result.stderr[-3000:]
    assert PASSWORD not in result.stdout + result.stderr
    lines = cycle_lines(result.stdout)
    assert sorted((line["gallery"], line["no"], line["outcome"]) for line in lines) == [
        (gallery, no, "ok") for gallery in galleries for no in ("1", "2")
    ]
    rows = cycle_rows(database_url)
    urls = {node.url for node in nodes}
    assert all(row["outcome"] == "ok" and row["node"] in urls for row in rows)
    # The two galleries' first cycles start together: one on each node.
    assert {row["node"] for row in rows if row["cycle_no"] == 1} == urls
    for row in rows:
        assert f" on {row['node']}" in next(
            text
            for text in result.stdout.splitlines()
            if text.startswith(f"follow {row['gallery_id']} #{row['cycle_no']} ")
        )
    finished = {
        job["id"] for node in nodes for job in node.api("listjobs.json?project=dccrawl")["finished"]
    }
    assert {row["job_id"] for row in rows} <= finished
    for gallery in galleries:
        # Nothing changed between the cycles: the first stored it all, the second found
        # nothing new (the counts depend on the refresh spider).
        first, second = cycle_rows(database_url, gallery)
        assert first["new_posts"] > 0 and second["new_posts"] == 0
        assert_equal_to_truth(database_url, with_listed_posts(truths[gallery]), gallery)


def test_a_stopped_follow_cancels_its_job_and_records_the_cycle_stopped(
    nodes: tuple[ScrapydNode, ScrapydNode], database_url: str, tmp_path: Path
) -> None:
    gallery = "nstop"
    spec = ["--gallery", f"{gallery}:major:100", "--hold-views", "10"]
    with ReplicaProcess(spec, quiet=True) as replica:
        options = ["--gallery", gallery, "--every", "0s", "--horizon", HORIZON,
                   *node_options(nodes),
                   *settings(replica.base_url or "", database_url)]  # fmt: skip
        follow = follow_process(*options, log=tmp_path / "err")
        try:
            wait_until(lambda: replica.stats()["held"] > 0, "the job waits for held views")
            (row,) = cycle_rows(database_url, gallery)
            node = next(node for node in nodes if node.url == row["node"])
            job_log = node.root / "logs" / "dccrawl" / "gallery" / f"{row['job_id']}.log"
            follow.send_signal(signal.SIGTERM)
            wait_until(
                lambda: "Received SIGINT, shutting down gracefully" in job_log.read_text(),
                "scrapyd passed the cancel on to the crawl",
            )
            replica.release()
            out, _ = follow.communicate(timeout=120)
        finally:
            if follow.poll() is None:
                follow.kill()
                follow.communicate()
    errors = (tmp_path / "err").read_text()
    assert follow.returncode == 0, errors
    (line,) = cycle_lines(out)
    assert (line["no"], line["outcome"]) == ("1", "stopped"), out
    (row,) = cycle_rows(database_url, gallery)
    assert (row["outcome"], row["close_reason"], row["exit_code"]) == ("stopped", "shutdown", 1)
    assert row["job_id"] in {
        job["id"] for job in node.api("listjobs.json?project=dccrawl")["finished"]
    }
