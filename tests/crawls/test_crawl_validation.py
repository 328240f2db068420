"""Items that break the schema are kept out of the database, and never overwrite a good row.

The replica's ``--drift future-date`` shows the view header of every 50th post a year late,
as a site clock bug would: pages that parse, holding a value no archive should keep. A crawl
of that site must store every other post, keep those out, name each with its page, count
them per field and rule, and exit 3 (incomplete); over an archive that holds those posts
already, it must leave their rows as they were.
"""

from __future__ import annotations

import re

import pytest

from testbed.replica.drift import FUTURE_EVERY
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    assert_equal_to_truth,
    replica_truth,
    run_crawl,
    stat_value,
    with_listed_posts,
)

pytestmark = pytest.mark.integration

GALLERY = "latedates"
SPEC = f"{GALLERY}:major:300"


def test_future_dates_are_kept_out_and_never_overwrite_a_stored_post(database_url: str) -> None:
    truth = with_listed_posts(replica_truth("--gallery", SPEC))
    late = sorted(
        line["post_no"]
        for line in truth
        if line["type"] == "post" and line["post_no"] % FUTURE_EVERY == 0
    )
    assert len(late) >= 4
    without_late = [
        line for line in truth if not (line["type"] == "post" and line["post_no"] in late)
    ]

    # A new archive of the drifted site: everything but the late posts.
    with ReplicaProcess(["--gallery", SPEC, "--drift", "future-date"]) as replica:
        drifted = run_crawl(replica.base_url or "", database_url, {"gallery": GALLERY})
    assert drifted.returncode == 3, drifted
    assert f"incomplete: {len(late)} invalid item(s) kept out of the database" in drifted.output
    logged = re.findall(
        r"Invalid post kept out of the database: \S+no=(\d+): created_at: ", drifted.output
    )
    assert sorted(int(no) for no in logged) == late
    assert stat_value(
        drifted.output, "dccrawl/quality/invalid_rules/post.created_at/future"
    ) == len(late)
    assert (
        f"invalid items kept out {len(late)} (post.created_at/future {len(late)})" in drifted.output
    )
    assert_equal_to_truth(database_url, without_late)

    # The honest site fills the archive; the drifted one again changes none of its rows.
    for drift in ([], ["--drift", "future-date"]):
        with ReplicaProcess(["--gallery", SPEC, *drift]) as replica:
            result = run_crawl(replica.base_url or "", database_url, {"gallery": GALLERY})
        assert result.returncode == (3 if drift else 0), result
        assert_equal_to_truth(database_url, truth)
