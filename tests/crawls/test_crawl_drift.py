"""A site redesign stops the crawl early instead of filling the archive with holes.

Each ``--drift`` of the replica changes one real thing the way a redesign would
(``testbed/replica/README.md``, "Drift"). The crawl of a 2,000-post gallery must stop with
exit 1 within the first check window, with one line naming the field or page kind, and
the database must hold no more than that window of posts with the hole.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from testbed.replica.process import ReplicaProcess
from tests.crawling import run_crawl

pytestmark = pytest.mark.integration

GALLERY = "drifty"
WINDOW = 100  # DCCRAWL_COVERAGE_FIRST_WINDOW


def scalar(url: str, query: str) -> Any:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row else None


@pytest.mark.parametrize(
    ("drift", "line", "holes"),
    [
        ("writer-class", "post field writer_nick is in 0%", "writer_nick IS NULL"),
        ("date-title", "post field created_at is in 0%", "created_at IS NULL"),
        ("comment-key", "comments pages no longer parse", "comment_count > 0"),
        ("list-wrapper", "list pages no longer parse", "true"),
        ("no-esno", "view pages no longer parse (no e_s_n_o", "comment_count > 0"),
    ],
)
def test_a_drift_stops_the_crawl_within_the_first_window(
    database_url: str, drift: str, line: str, holes: str
) -> None:
    with ReplicaProcess(["--gallery", f"{GALLERY}:major:2000", "--drift", drift]) as replica:
        result = run_crawl(replica.base_url or "", database_url, {"gallery": GALLERY})
    assert result.returncode == 1, result
    stopped = [text for text in result.output.splitlines() if "Crawl stopped: " in text]
    assert len(stopped) == 1, result
    assert line in stopped[0] and "e.g. http://127.0.0.1:" in stopped[0]
    stored_holes = scalar(database_url, f"SELECT count(*) FROM posts WHERE {holes}")  # noqa: S608
    assert stored_holes <= WINDOW, f"{stored_holes} posts with the hole stored"
    if drift == "comment-key":
        assert scalar(database_url, "SELECT count(*) FROM comments") == 0


def test_no_drift_no_stop(database_url: str) -> None:
    with ReplicaProcess(["--gallery", f"{GALLERY}:major:300"]) as replica:
        result = run_crawl(replica.base_url or "", database_url, {"gallery": GALLERY})
    assert result.returncode == 0, result
    assert "Crawl stopped" not in result.output
    assert "'dccrawl/quality/coverage/post.created_at': 1.0" in result.output
