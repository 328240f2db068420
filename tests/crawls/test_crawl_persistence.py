"""Real crawls into PostgreSQL under the conditions the database promises to survive.

Re-crawls that change nothing, re-crawls of a site whose counts grew, two crawls
of one gallery at once, and a database restart in the middle of a crawl: each
ends with the database equal to the replica's truth.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from scrapy.settings import Settings

from dccrawl.db.connect import resolve_database
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    CrawlResult,
    assert_equal_to_truth,
    replica_truth,
    run_crawl,
    start_crawl,
    stat_value,
    wait_until,
    with_listed_posts,
)
from tests.pipeline_harness import stop_embedded

pytestmark = pytest.mark.integration

GALLERY = "persist"
SPEC = f"{GALLERY}:major:150"


def truth(epoch: int = 0) -> list[dict[str, Any]]:
    return with_listed_posts(replica_truth("--gallery", SPEC, "--epoch", str(epoch)))


def scalar(url: str, query: str) -> Any:
    with psycopg.connect(url) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row else None


def crawl(replica: ReplicaProcess, url: str | None, **settings: object) -> CrawlResult:
    result = run_crawl(replica.base_url or "", url, {"gallery": GALLERY}, settings)
    assert result.returncode == 0, result
    return result


def test_a_second_crawl_of_an_unchanged_site_changes_nothing(database_url: str) -> None:
    with ReplicaProcess(["--gallery", SPEC]) as replica:
        crawl(replica, database_url)
        before = scalar(database_url, "SELECT array_agg(updated_at ORDER BY post_no) FROM posts")
        snapshots = scalar(database_url, "SELECT count(*) FROM post_snapshots")
        crawl(replica, database_url)
    assert_equal_to_truth(database_url, truth())
    after = scalar(database_url, "SELECT array_agg(updated_at ORDER BY post_no) FROM posts")
    assert (after, scalar(database_url, "SELECT count(*) FROM post_snapshots")) == (
        before,
        snapshots,
    )


def test_a_recrawl_after_the_site_changed_updates_rows_and_records_snapshots(
    database_url: str,
) -> None:
    with ReplicaProcess(["--gallery", SPEC, "--epoch", "0"]) as replica:
        crawl(replica, database_url)
    first = scalar(database_url, "SELECT count(*) FROM post_snapshots")
    with ReplicaProcess(["--gallery", SPEC, "--epoch", "1"]) as replica:
        crawl(replica, database_url)
    earlier, later = truth(0), truth(1)
    # A list crawl does not see posts deleted since (a refresh confirms them): they stay
    # as the first crawl stored them, with their comments.
    gone = {p["post_no"] for p in earlier if p["type"] == "post"} - {
        p["post_no"] for p in later if p["type"] == "post"
    }
    assert gone, "the replica's epoch 1 deletes posts"
    kept = [line for line in earlier if line["post_no"] in gone]
    assert_equal_to_truth(database_url, later + kept)

    def counts(lines: list[dict[str, Any]]) -> dict[int, tuple[Any, ...]]:
        return {
            p["post_no"]: (p["views"], p["recommend"], p["downvotes"], p["comment_count"])
            for p in lines
            if p["type"] == "post"
        }

    old, new = counts(earlier), counts(later)
    changed = sum(old[no] != new[no] for no in new if no in old)
    arrived = len(new.keys() - old.keys())  # a new post's first sighting is a snapshot too
    assert changed > 0 and arrived > 0
    assert scalar(database_url, "SELECT count(*) FROM post_snapshots") == first + changed + arrived


def test_two_crawls_of_one_gallery_at_once_leave_no_duplicate(database_url: str) -> None:
    results: list[CrawlResult] = []
    with ReplicaProcess(["--gallery", SPEC]) as replica:
        threads = [
            threading.Thread(target=lambda: results.append(crawl(replica, database_url)))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [r.returncode for r in results] == [0, 0]
    assert_equal_to_truth(database_url, truth())


def accepts_connections(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


def stored_posts(url: str) -> int:
    try:
        return int(scalar(url, "SELECT count(*) FROM posts"))
    except psycopg.Error:
        return 0


def test_a_database_restart_in_the_middle_of_a_crawl_loses_nothing(
    tmp_path: Path, pgdata_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    datadir = pgdata_root / f"restart-{uuid.uuid4().hex[:8]}"  # see conftest.pgdata_root
    log = tmp_path / "crawl.log"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings({"DCCRAWL_EMBEDDED_DIR": str(datadir)})
    url = resolve_database(settings).url  # starts the embedded server
    crawl_settings = {"DCCRAWL_EMBEDDED_DIR": str(datadir), "CONCURRENT_REQUESTS": 4,
                      "DCCRAWL_DB_BATCH_SIZE": 20, "DCCRAWL_DB_BATCH_SECONDS": 0.2}  # fmt: skip
    try:
        # The replica answers 40 view pages, then holds the rest until released: the
        # database goes down while the crawl certainly has posts left to write.
        with ReplicaProcess(["--gallery", SPEC, "--hold-views-after", "40"]) as replica:
            crawl = start_crawl(replica.base_url or "", None, {"gallery": GALLERY},
                                crawl_settings, log=log)  # fmt: skip
            try:
                wait_until(lambda: replica.stats()["held"] > 0, "the crawl reaches the hold")
                wait_until(lambda: stored_posts(url) >= 20, "20 posts are stored")
                stop_embedded(datadir)
                wait_until(lambda: not accepts_connections(url), "the database refuses")
                replica.release()  # the other 100-odd posts come in: writes must fail now
                wait_until(lambda: "Database write failed" in log.read_text(errors="replace"),
                           "a write fails and is retried")  # fmt: skip
                resolve_database(settings)  # starts it again
                wait_until(lambda: accepts_connections(url), "the database accepts again")
                assert crawl.wait(timeout=300) == 0, log.read_text()[-6000:]
            finally:
                if crawl.poll() is None:
                    crawl.kill()
                    crawl.wait()
        output = log.read_text()
        assert stat_value(output, "dccrawl/db/retries") > 0, "no write was retried"
        assert_equal_to_truth(url, truth())
    finally:
        stop_embedded(datadir)
