"""Real crawls with ``-a media=1|all`` against the replica's image host (``serve --media``).

The replica answers 403 without the post's page as ``Referer`` and 404 for its broken
images, and its truth lists every file with its sha1, so these crawls show that each file
is fetched with the right ``Referer``, stored once by content with the right bytes,
recorded in ``post_media`` as truth says, that failures cost neither the post nor the exit
code, and that a re-crawl fetches nothing it has.
"""

from __future__ import annotations

import hashlib
import html
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from testbed.databases import fresh_database
from testbed.replica.process import ReplicaProcess
from tests.crawling import (
    POST_KEY,
    CrawlResult,
    differences,
    run_crawl,
    stored,
    truth_of,
    with_listed_posts,
)
from tests.readme_queries import README, psycopg_form

pytestmark = pytest.mark.integration

GALLERY = "pics"
REPLICA = ["--gallery", f"{GALLERY}:major:50", "--now", "2026-03-15T00:05:00+09:00", "--media"]
ROW_FIELDS = (
    "source_url",
    "status",
    "failure",
    "sha1",
    "size",
    "content_type",
    "original_filename",
)


@dataclass
class Crawled:
    """A replica, a database crawled once with media=1, and where its files went."""

    replica: ReplicaProcess
    database_url: str
    store: Path
    truth: list[dict[str, Any]]
    first: CrawlResult
    first_requests: int  # image host requests of the first crawl


def expected_rows(truth: list[dict[str, Any]], kinds: tuple[str, ...]) -> dict[tuple, dict]:
    """Truth's media lines as the post_media rows a crawl should record."""
    rows = {}
    for m in with_listed_posts(truth):
        if m["type"] != "media" or m["kind"] not in kinds:
            continue
        ok = m["status"] == "ok"
        rows[(m["post_no"], m["kind"], m["position"])] = {
            "source_url": m["url"],
            "status": "downloaded" if ok else "failed",
            "failure": None if ok else "http 404",
            "sha1": m["sha1"],
            "size": m["size"],
            "content_type": m["content_type"],
            "original_filename": m["filename"],
        }
    return rows


def recorded(database_url: str) -> dict[tuple, dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT * FROM post_media WHERE gallery_id = %s", (GALLERY,))
        return {(r["post_no"], r["kind"], r["position"]): r for r in rows}


def store_files(store: Path) -> dict[str, float]:
    """Every file in the store: relative path → modification time."""
    return {
        str(path.relative_to(store)): path.stat().st_mtime_ns
        for path in store.rglob("*")
        if path.is_file()
    }


def media_requests(replica: ReplicaProcess) -> int:
    return int(replica.stats()["requests"].get("media", 0))


def crawl(replica: ReplicaProcess, database_url: str, store: Path, **args: str) -> CrawlResult:
    """``scrapy crawl gallery`` of the replica gallery with ``args``, files into ``store``."""
    result = run_crawl(
        replica.base_url or "", database_url, {"gallery": GALLERY, **args}, {"FILES_STORE": store}
    )
    assert result.returncode == 0, result
    return result


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaProcess]:
    with ReplicaProcess(REPLICA) as server:
        yield server


@pytest.fixture(scope="module")
def crawled(
    replica: ReplicaProcess, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    store = tmp_path_factory.mktemp("media") / "files"
    with fresh_database(pg_admin_url) as url:
        first = crawl(replica, url, store, media="1")
        requests = media_requests(replica)
        yield Crawled(replica, url, store, replica.truth(GALLERY), first, requests)


def test_every_file_of_truth_is_recorded_and_stored_once_with_its_sha1(crawled: Crawled) -> None:
    want = expected_rows(crawled.truth, ("image", "attachment"))
    everything = recorded(crawled.database_url)
    got = {key: row for key, row in everything.items() if key[1] != "video"}
    assert sorted(got) == sorted(want)
    problems = [
        f"{key} {field}: expected {want[key][field]!r}, recorded {got[key][field]!r}"
        for key in want
        for field in ROW_FIELDS
        if got[key][field] != want[key][field]
    ]
    assert problems == []
    # Each distinct content is one file, named by its sha1, holding exactly those bytes.
    files = store_files(crawled.store)
    sha1s = {row["sha1"] for row in everything.values() if row["sha1"]}
    assert len(files) == len(sha1s) < sum(1 for row in want.values() if row["sha1"])
    for relative in files:
        data = (crawled.store / relative).read_bytes()
        digest = hashlib.sha1(data).hexdigest()
        assert relative.startswith(f"full/{digest[:2]}/{digest}")
        assert digest in sha1s
    assert {r["stored_path"] for r in everything.values() if r["stored_path"]} == set(files)


def test_an_uploaded_video_is_stored_under_its_player_page(crawled: Crawled) -> None:
    """The player page names the file (``<source src>``); the row is the page's, the bytes
    the file's. Embedded players (YouTube) have no file: only posts.video_urls."""
    players = {
        (line["post_no"], position): url
        for line in with_listed_posts(crawled.truth)
        if line["type"] == "post"
        for position, url in enumerate(
            [u for u in line["video_urls"] if "/movie/movie_view" in u], 1
        )
    }
    assert players, "the replica gallery should have uploaded videos"
    rows = {
        (key[0], key[2]): row
        for key, row in recorded(crawled.database_url).items()
        if key[1] == "video"
    }
    assert {key: row["source_url"] for key, row in rows.items()} == players
    for (post_no, _), url in players.items():
        page = crawled.replica.url(url.split("dcinside.com", 1)[1])
        with urllib.request.urlopen(page, timeout=10) as answer:
            file = re.search(r'<source src="([^"]+)"', answer.read().decode()).group(1)  # type: ignore[union-attr]
        request = urllib.request.Request(html.unescape(file), headers={"Referer": page})
        with urllib.request.urlopen(request, timeout=10) as answer:
            digest = hashlib.sha1(answer.read()).hexdigest()
        assert (rows[(post_no, 1)]["status"], rows[(post_no, 1)]["sha1"]) == ("downloaded", digest)


def test_a_broken_image_is_recorded_as_failed_and_its_post_is_stored(crawled: Crawled) -> None:
    failed = [
        key for key, row in recorded(crawled.database_url).items() if row["status"] == "failed"
    ]
    assert failed, "the replica gallery should have broken images"
    for post_no, kind, position in failed:
        assert re.search(
            rf"WARNING: Media: could not download {kind} {position} of post "
            rf"{GALLERY}/{post_no} \(http 404\)",
            crawled.first.output,
        )
    # Every post, those with broken files too, is stored exactly as truth says.
    lines = with_listed_posts(crawled.truth)
    posts = stored(crawled.database_url, "posts", GALLERY)
    assert differences(truth_of(lines, "post"), posts, POST_KEY) == []
    assert {post_no for post_no, _, _ in failed} <= {p["post_no"] for p in posts}


def test_each_file_was_requested_once_with_its_posts_page_as_referer(crawled: Crawled) -> None:
    rows = recorded(crawled.database_url).values()
    # One request per URL (no retries: the replica runs without faults), none refused:
    # a wrong or missing Referer would have been answered 403 and recorded as failed.
    assert crawled.first_requests == len({row["source_url"] for row in rows}) == len(rows)
    assert {row["failure"] for row in rows} == {None, "http 404"}


def test_a_recrawl_downloads_nothing_new(crawled: Crawled) -> None:
    before_rows = recorded(crawled.database_url)
    before_files = store_files(crawled.store)
    before_requests = media_requests(crawled.replica)
    result = crawl(crawled.replica, crawled.database_url, crawled.store, media="1")
    assert media_requests(crawled.replica) == before_requests  # not even the 404s again
    assert store_files(crawled.store) == before_files
    assert recorded(crawled.database_url) == before_rows  # fetched_at included
    failed = sum(row["status"] == "failed" for row in before_rows.values())
    assert f"'dccrawl/media/known': {len(before_rows) - failed}," in result.output
    assert f"'dccrawl/media/skipped_gone': {failed}," in result.output
    assert "'dccrawl/media/downloaded'" not in result.output


def test_a_file_gone_from_the_store_is_fetched_again(crawled: Crawled) -> None:
    rows = recorded(crawled.database_url).values()
    path = next(r["stored_path"] for r in rows if r["stored_path"])
    users = {r["source_url"] for r in rows if r["stored_path"] == path}
    (crawled.store / path).unlink()
    before = media_requests(crawled.replica)
    crawl(crawled.replica, crawled.database_url, crawled.store, media="1")
    # Fetched again, at most once per URL using it: once one of them has put the file back,
    # the others find it in the store (how many come first depends on the crawl's timing).
    assert 1 <= media_requests(crawled.replica) - before <= len(users)
    assert (crawled.store / path).is_file()


def test_the_readme_query_joins_posts_with_their_files(crawled: Crawled) -> None:
    section = README.read_text().split("## Images and attachments", 1)[1].split("\n## ", 1)[0]
    query = re.search(
        r"#### A gallery's posts with their files\n\n```sql\n(.*?);\n```", section, re.S
    )
    assert query is not None
    with psycopg.connect(crawled.database_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            psycopg_form(query.group(1)), {"gallery_id": GALLERY, "limit": 10_000}
        ).fetchall()
        titles = {
            r["post_no"]: r["title"] for r in conn.execute("SELECT post_no, title FROM posts")
        }
    media = recorded(crawled.database_url)
    assert len(rows) == len(media)
    for row in rows:
        assert row["title"] == titles[row["post_no"]]
        stored_row = media[(row["post_no"], row["kind"], row["position"])]
        assert row["stored_path_or_failure"] == (stored_row["stored_path"] or stored_row["failure"])
    assert [r["post_no"] for r in rows] == sorted((r["post_no"] for r in rows), reverse=True)


def test_media_all_also_downloads_comment_dccons(
    replica: ReplicaProcess, database_url: str, tmp_path: Path
) -> None:
    crawl(replica, database_url, tmp_path / "files", media="all")
    truth = replica.truth(GALLERY)
    want = expected_rows(truth, ("image", "attachment", "dccon"))
    got = {key: row for key, row in recorded(database_url).items() if key[1] != "video"}
    assert sorted(got) == sorted(want)
    dccons = [key for key in want if key[1] == "dccon"]
    assert dccons
    for key in dccons:
        assert {f: got[key][f] for f in ROW_FIELDS} == want[key]


def test_without_media_nothing_is_downloaded(
    replica: ReplicaProcess, database_url: str, tmp_path: Path
) -> None:
    before = media_requests(replica)
    result = crawl(replica, database_url, tmp_path / "files")
    assert media_requests(replica) == before
    assert not (tmp_path / "files").exists()
    assert recorded(database_url) == {}
    assert "pipelines.media.PostMediaPipeline" not in result.output  # not even loaded
