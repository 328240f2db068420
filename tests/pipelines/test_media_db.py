"""``post_media``: the migration, the batch writes and the look-ups that spare re-downloads."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from scrapy.utils.test import get_crawler

from dccrawl import stats as S
from dccrawl.db.media import MEDIA_COLUMNS, MediaRow, Trim, stored_media, write_media_batch
from dccrawl.db.migrate import migrate
from pipelines.media_rows import MediaRowWriter
from tests.pipeline_harness import fetch

T0 = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(hours=1)
SHA = "a" * 40


def row(
    post_no: int,
    kind: str,
    position: int,
    url: str,
    *,
    fetched_at: dt.datetime = T0,
    **outcome: Any,
) -> MediaRow:
    values: dict[str, Any] = {
        "gallery_id": "g",
        "post_no": post_no,
        "kind": kind,
        "position": position,
        "source_url": url,
        "original_filename": None,
        "status": "downloaded",
        "failure": None,
        "stored_path": f"full/aa/{SHA}.png",
        "sha1": SHA,
        "size": 67,
        "content_type": "image/png",
        "fetched_at": fetched_at,
    }
    values.update(outcome)
    return tuple(values[c] for c in MEDIA_COLUMNS)


FAILED = {"status": "failed", "failure": "http 404", "stored_path": None, "sha1": None}


def write(url: str, rows: list[MediaRow], trims: Sequence[Trim] = ()) -> None:
    async def run() -> None:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await write_media_batch(conn, rows, trims)

    asyncio.run(run())


def lookup(url: str, urls: list[str]) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await stored_media(conn, urls)

    return asyncio.run(run())


def media(url: str) -> list[dict[str, Any]]:
    return fetch(url, "SELECT * FROM post_media ORDER BY post_no, kind, position")


@pytest.fixture
def db(database_url: str) -> str:
    migrate(database_url)
    return database_url


def test_the_migration_makes_the_table_and_refuses_inconsistent_rows(db: str) -> None:
    query = "SELECT column_name FROM information_schema.columns WHERE table_name = 'post_media'"
    columns = {r["column_name"] for r in fetch(db, query)}
    assert columns == set(MEDIA_COLUMNS)
    with pytest.raises(psycopg.errors.CheckViolation):
        write(db, [row(1, "image", 1, "u", status="failed", failure=None, stored_path=None)])
    with pytest.raises(psycopg.errors.CheckViolation):
        write(db, [row(1, "image", 1, "u", stored_path=None)])  # downloaded, but where?
    with pytest.raises(psycopg.errors.CheckViolation):
        write(db, [row(1, "audio", 1, "u")])  # no such kind
    assert media(db) == []


def test_an_unchanged_row_is_not_rewritten_and_a_changed_one_is(db: str) -> None:
    write(db, [row(1, "image", 1, "u1"), row(1, "image", 2, "u2", **FAILED)])
    write(db, [row(1, "image", 1, "u1", fetched_at=T1), row(1, "image", 2, "u2", fetched_at=T1)])
    first, second = media(db)
    assert first["fetched_at"] == T0  # same outcome: the time it was really fetched stays
    assert (second["status"], second["fetched_at"]) == ("downloaded", T1)  # retried and got it


def test_a_trim_drops_positions_past_the_posts_counts_but_never_dccons(db: str) -> None:
    rows = [row(1, "image", i, f"i{i}") for i in (1, 2, 3)]
    rows += [row(1, "attachment", i, f"a{i}") for i in (1, 2)]
    rows += [row(1, "video", i, f"v{i}") for i in (1, 2)]
    rows += [row(1, "dccon", 77, "d"), row(2, "image", 1, "other post")]
    write(db, rows)
    write(db, [], [("g", 1, 1, 2, 1)])
    left = [(r["post_no"], r["kind"], r["position"]) for r in media(db)]
    assert left == [
        (1, "attachment", 1),
        (1, "attachment", 2),
        (1, "dccon", 77),
        (1, "image", 1),
        (1, "video", 1),
        (2, "image", 1),
    ]


def test_lookups_prefer_a_download_to_a_failure_whichever_post_recorded_it(db: str) -> None:
    write(
        db,
        [
            row(1, "image", 1, "shared", **FAILED, fetched_at=T1),
            row(2, "image", 1, "shared", fetched_at=T0),
            row(3, "image", 1, "broken", **FAILED),
        ],
    )
    found = lookup(db, ["shared", "broken", "never seen"])
    assert set(found) == {"shared", "broken"}
    assert (found["shared"].status, found["shared"].path) == ("downloaded", f"full/aa/{SHA}.png")
    assert (found["broken"].status, found["broken"].failure) == ("failed", "http 404")


def test_the_writer_batches_rows_and_rejects_only_the_bad_one(db: str) -> None:
    crawler = get_crawler(
        settings_dict={
            "DATABASE_URL": db,
            "DCCRAWL_DB_BATCH_SIZE": 50,
            "DCCRAWL_DB_BATCH_SECONDS": 60,
        }
    )
    writer = MediaRowWriter(crawler)

    async def run() -> None:
        await writer.open()
        await writer.add_post("g", 1, 2, 0, [row(1, "image", 1, "a"), row(1, "image", 2, "b")])
        await writer.add_rows([row(2, "dccon", 9, "c", status="bogus")])  # the database refuses it
        await writer.add_rows([row(3, "dccon", 10, "d")])
        await writer.close()

    asyncio.run(run())
    assert [(r["post_no"], r["source_url"]) for r in media(db)] == [(1, "a"), (1, "b"), (3, "d")]
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    assert stats[S.MEDIA_ROWS_WRITTEN] == 3
    assert stats[S.MEDIA_ROWS_REJECTED] == 1
    assert stats[S.MEDIA_ROWS_UNWRITTEN] == 0
    assert "dccrawl/db/rejected" not in stats  # the posts pipeline's numbers stay its own
