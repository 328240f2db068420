"""The failure ledger end to end: crawls that lose pages record exactly those, and
``python -m dccrawl retry`` against the healed replica reads them all.

Two ways to lose pages, each followed by a retry that must leave the ledger empty and
the database equal to the truth:

* ``--broken-pages 0.02``: pages (list, view and comment pages alike) that answer an
  empty 200 every time, until ``POST /_replica/heal``. The replica lists the ones it
  served broken; the ledger must hold exactly those pages.
* a block that outlasts ``DCCRAWL_BLOCK_GIVE_UP_SECONDS`` without a JOBDIR: the crawl
  stops with exit 1 and one line, the pages still queued (and where a post range
  stopped) go to the ledger, and nothing else is lost.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    BACKFILL_POST_FIELDS,
    COMMENT_KEY,
    FAST,
    POST_KEY,
    assert_equal_to_truth,
    dccrawl_cli,
    differences,
    replica_truth,
    run_crawl,
    stat_value,
    stored,
    truth_of,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

GALLERY = "ledger"
SPEC = f"{GALLERY}:major:300"


def ledger_rows(database_url: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM crawl_failures ORDER BY page_kind, path").fetchall()


def retry(base_url: str, database_url: str) -> Any:
    """``python -m dccrawl retry --gallery …`` as a user runs it, with the tests' fast pace."""
    settings = {**FAST, "DCCRAWL_BASE_URL": base_url, "DATABASE_URL": database_url}
    pairs = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    return dccrawl_cli("retry", "--gallery", GALLERY, *pairs, timeout=300)


def served_broken(replica: ReplicaProcess) -> set[tuple[str, str | int]]:
    """The pages the replica answered broken, as the ledger names them: list pages by
    path, view pages and comment pages by their post."""
    pages: set[tuple[str, str | int]] = set()
    for page in replica.stats()["broken_pages"]:
        kind, _, rest = page.partition(" ")
        if kind == "list" and "list_num=30" in rest:
            continue  # a probe for the gallery's kind (30 rows): no page of the crawl
        if kind == "list":
            pages.add(("list", rest))
        elif kind == "view":
            pages.add(("view", int(rest.rsplit("no=", 1)[1])))
        else:  # "comments GALLERY POST PAGE"
            pages.add(("comments", int(rest.split()[1])))
    return pages


def recorded(database_url: str) -> set[tuple[str, str | int]]:
    return {
        (row["page_kind"], row["path"] if row["page_kind"] == "list" else row["post_no"])
        for row in ledger_rows(database_url)
    }


def test_pages_that_stay_broken_are_recorded_and_a_retry_reads_them(database_url: str) -> None:
    with ReplicaProcess(["--gallery", SPEC, "--broken-pages", "0.02"]) as replica:
        base_url = replica.base_url or ""
        lost = run_crawl(base_url, database_url, {"gallery": GALLERY})
        assert lost.returncode == 3, lost
        broken = served_broken(replica)
        assert {kind for kind, _ in broken} >= {"view", "comments"}, broken
        assert recorded(database_url) == broken
        assert stat_value(lost.output, "dccrawl/ledger/recorded") == len(broken)
        assert stat_value(lost.output, "dccrawl/pages_failed") == len(broken)

        replica.heal()
        retried = retry(base_url, database_url)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "is empty" in retried.stdout
    assert ledger_rows(database_url) == []
    assert_equal_to_truth(database_url, with_listed_posts(replica_truth("--gallery", SPEC)))


def test_retry_with_an_empty_ledger_has_nothing_to_do(database_url: str) -> None:
    result = retry("http://127.0.0.1:9", database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "holds no page of ledger" in result.stdout


@pytest.mark.parametrize("mode", ["list", "posts"])
def test_a_block_past_the_limit_leaves_the_rest_to_the_ledger_and_retry_completes_it(
    database_url: str, mode: str
) -> None:
    arguments = {"gallery": GALLERY, **({"posts": "1-300"} if mode == "posts" else {})}
    blocking = ["--block-after", "150/1000", "--block-seconds", "900", "--block-shape", "403"]
    settings = {"DCCRAWL_BLOCK_GIVE_UP_SECONDS": 2}
    with ReplicaProcess(["--gallery", SPEC, *blocking]) as replica:
        base_url = replica.base_url or ""
        stopped = run_crawl(base_url, database_url, arguments, settings)
        assert stopped.returncode == 1, stopped
        errors = [line for line in stopped.output.splitlines() if " ERROR: " in line]
        assert len(errors) == 2, errors  # the one line, and the exit code's verdict
        assert "recorded in the failure ledger" in errors[0]
        assert f"python -m dccrawl retry --gallery {GALLERY}" in errors[0]
        assert stat_value(stopped.output, "dccrawl/pages_failed", default=0) == 0
        assert "'finish_reason': 'blocked'" in stopped.output  # drained, then closed
        rows = ledger_rows(database_url)
        assert rows and all(row["reason"].startswith("not fetched") for row in rows)
        if mode == "posts":  # the range's unrequested rest is one row, not one per number
            assert [row["page_kind"] for row in rows].count("posts") == 1
        else:  # the pages after the first unread list page were never reached
            assert any(row["follow_pages"] for row in rows if row["page_kind"] == "list")

        replica.heal()
        retried = retry(base_url, database_url)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert ledger_rows(database_url) == []
    truth = replica_truth("--gallery", SPEC)
    if mode == "list":
        assert_equal_to_truth(database_url, with_listed_posts(truth))
        return
    # A backfill stores every number the site knows; deleted posts keep only their flag.
    posts = [line for line in truth if line["type"] == "post"]
    live = {line["post_no"] for line in posts if not line["is_deleted"]}
    rows_stored = stored(database_url, "posts", GALLERY)
    assert {row["post_no"] for row in rows_stored} == {line["post_no"] for line in posts}
    live_rows = [row for row in rows_stored if row["post_no"] in live]
    live_lines = [line for line in truth if line["post_no"] in live]
    fields = BACKFILL_POST_FIELDS  # read by number: no list row, no list flags
    assert differences(truth_of(live_lines, "post", fields), live_rows, POST_KEY) == []
    comments = stored(database_url, "comments", GALLERY)
    assert differences(truth_of(live_lines, "comment"), comments, COMMENT_KEY) == []
