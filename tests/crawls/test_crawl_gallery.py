"""Real crawls of the replica into PostgreSQL, compared with the replica's truth field by field.

Every test runs ``scrapy crawl gallery`` in its own process, as a user would,
against one replica server that serves a gallery of each kind plus the real
``seed`` gallery, and writes into a database of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    assert_equal_to_truth,
    comments_of,
    is_listed,
    replica_truth,
    run_crawl,
    stored,
)

pytestmark = pytest.mark.integration

GALLERIES = ["major1:major:260", "minor1:minor:140", "mini1:mini:70", "person1:person:70"]
REPLICA_ARGS = [*(arg for g in GALLERIES for arg in ("--gallery", g)), "--search-window", "100"]


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaProcess]:
    with ReplicaProcess(REPLICA_ARGS) as server:
        yield server


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    """What ``python -m testbed.replica truth`` says the server serves (seed gallery included)."""
    return replica_truth(*(part for spec in ("seed", *GALLERIES) for part in ("--gallery", spec)))


def listed_posts(truth: list[dict[str, Any]], gallery: str) -> list[dict[str, Any]]:
    """The posts a list crawl must find: not deleted, pinned notices included, newest first."""
    posts = [line for line in truth if line["gallery_id"] == gallery and is_listed(line)]
    return sorted(posts, key=lambda line: -line["post_no"])


def notices_of(truth: list[dict[str, Any]], gallery: str) -> list[dict[str, Any]]:
    """The gallery's pinned notices: every list page shows them (search results do not)."""
    return [p for p in listed_posts(truth, gallery) if p["is_notice"]]


def rows_of(truth: list[dict[str, Any]], gallery: str) -> list[dict[str, Any]]:
    """The list's own rows, newest first: what paging walks (notices apart)."""
    return [p for p in listed_posts(truth, gallery) if not p["is_notice"]]


def assert_stored_exactly(
    database_url: str, gallery: str, posts: list[dict[str, Any]], all_truth: list[dict[str, Any]]
) -> None:
    """``gallery``'s rows in the database are exactly ``posts`` and their comments."""
    assert_equal_to_truth(database_url, [*posts, *comments_of(all_truth, posts)], gallery)


@pytest.mark.parametrize("gallery", ["major1", "minor1", "mini1", "person1"])
def test_each_gallery_kind_is_stored_exactly(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str, gallery: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": gallery})
    assert result.returncode == 0, result
    assert_stored_exactly(database_url, gallery, listed_posts(truth, gallery), truth)


def test_the_seed_gallery_yields_the_real_pages_posts(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "seed"})
    assert result.returncode == 0, result
    posts = listed_posts(truth, "seed")
    assert len(posts) == 51
    assert_stored_exactly(database_url, "seed", posts, truth)


def test_pages_range_crawls_only_those_list_pages(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    arguments = {"gallery": "major1", "kind": "major", "pages": "2-3", "list_num": 30}
    result = run_crawl(replica.base_url or "", database_url, arguments)
    assert result.returncode == 0, result
    expected = rows_of(truth, "major1")[30:90] + notices_of(truth, "major1")
    assert_stored_exactly(database_url, "major1", expected, truth)


def test_posts_range_backfills_by_number_with_deleted_posts_marked(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(
        replica.base_url or "", database_url, {"gallery": "major1", "posts": "1-260"}
    )
    assert result.returncode == 0, result
    numbered = [line for line in truth if line["type"] == "post" and line["gallery_id"] == "major1"]
    deleted = {line["post_no"] for line in numbered if line["is_deleted"]}
    assert deleted, "the replica gallery should have deleted posts"
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT post_no, is_deleted FROM posts").fetchall()
    assert {no for no, is_deleted in rows if is_deleted} == deleted
    assert {no for no, _ in rows} == {line["post_no"] for line in numbered}


def test_recommend_follows_the_concept_list(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "minor1", "recommend": 1})
    assert result.returncode == 0, result
    expected = [p for p in rows_of(truth, "minor1") if p.get("recommended")]
    assert expected
    # Every row of the 개념글 list is one; the notices on top are not.
    assert_stored_exactly(database_url, "minor1", expected + notices_of(truth, "minor1"), truth)


def test_search_follows_every_search_window(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    posts = rows_of(truth, "major1")  # search results show no pinned notices
    word = max(
        {w for p in posts for w in p["title"].split() if len(w) >= 2},
        key=lambda w: sum(w in p["title"] for p in posts),
    )
    expected = [p for p in posts if word in p["title"]]
    # --search-window 100: the matches must lie in more than one window of 100 numbers.
    windows = {p["post_no"] // 100 for p in expected}
    assert len(windows) > 1, f"matches should span several windows, all are in {windows}"
    arguments = {"gallery": "major1", "search": word, "search_type": "subject"}
    result = run_crawl(replica.base_url or "", database_url, arguments)
    assert result.returncode == 0, result
    assert_stored_exactly(database_url, "major1", expected, truth)


def test_head_filters_one_head(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    posts = rows_of(truth, "minor1")
    head_id = max(
        {p["head_id"] for p in posts if p.get("head_id")},
        key=lambda h: sum(p.get("head_id") == h for p in posts),
    )
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "minor1", "head": head_id})
    assert result.returncode == 0, result
    expected = [p for p in posts if p.get("head_id") == head_id] + notices_of(truth, "minor1")
    assert_stored_exactly(database_url, "minor1", expected, truth)


def test_since_no_stops_at_the_known_post(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    posts = listed_posts(truth, "major1")
    limit = posts[len(posts) // 3]["post_no"]
    arguments = {"gallery": "major1", "since_no": limit, "list_num": 30}
    result = run_crawl(replica.base_url or "", database_url, arguments)
    assert result.returncode == 0, result
    assert_stored_exactly(database_url, "major1", [p for p in posts if p["post_no"] > limit], truth)
    assert "reaches the since limit" in result.output


def test_since_date_stops_at_older_posts(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    posts = listed_posts(truth, "major1")
    day = posts[len(posts) // 2]["created_at"][:10]
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "major1", "since": day})
    assert result.returncode == 0, result
    expected = [p for p in posts if p["created_at"][:10] >= day]
    assert_stored_exactly(database_url, "major1", expected, truth)


def test_comments_0_stores_posts_only(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "mini1", "comments": 0})
    assert result.returncode == 0, result
    assert stored(database_url, "comments") == []
    assert len(stored(database_url, "posts")) == len(listed_posts(truth, "mini1"))


def test_unknown_gallery_fails_with_one_clear_line(
    replica: ReplicaProcess, database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "nosuchgallery"})
    assert result.returncode == 1, result
    assert "Gallery 'nosuchgallery' does not exist" in result.output


def test_wrong_kind_fails_and_names_the_right_one(
    replica: ReplicaProcess, database_url: str
) -> None:
    result = run_crawl(replica.base_url or "", database_url, {"gallery": "minor1", "kind": "major"})
    assert result.returncode == 1, result
    assert "use -a kind=minor" in result.output


def test_bad_arguments_exit_2_before_crawling(replica: ReplicaProcess) -> None:
    result = run_crawl(replica.base_url or "", None, {"gallery": "major1", "pages": "5-1"})
    assert result.returncode == 2, result
    assert result.output.strip().splitlines() == [
        "dccrawl: error: pages='5-1': the range is backwards (write pages=1-5)"
    ]


def test_feed_export_works_alongside_the_database(
    replica: ReplicaProcess, truth: list[dict[str, Any]], database_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "posts.jsonl"
    result = run_crawl(
        replica.base_url or "", database_url, {"gallery": "person1"}, extra=["-O", str(feed)]
    )
    assert result.returncode == 0, result
    exported = [json.loads(line) for line in feed.read_text().splitlines()]
    exported_posts = sorted(e["post_no"] for e in exported if "title" in e)
    assert exported_posts == sorted(p["post_no"] for p in listed_posts(truth, "person1"))
    assert len(stored(database_url, "posts")) == len(exported_posts)
