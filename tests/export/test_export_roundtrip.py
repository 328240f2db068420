"""Exports of a crawled replica gallery, read back with pyarrow and compared with the database.

One replica gallery (``exp``, 120 post numbers over several years) is crawled into a
database of this module's own; every test exports it into a folder of its own and reads
the files back the way a data tool does: Parquet as a hive-partitioned dataset, CSV with
its column types, JSON lines line by line. Each table must equal its rows in the database,
row for row, and its Arrow types must be the ones the database's column types call for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from dccrawl.cli import main
from dccrawl.db.migrate import migrate
from dccrawl.export import writers
from dccrawl.kst import KST
from testbed.databases import fresh_database
from testbed.replica.process import ReplicaProcess
from tests.crawling import ROOT, crawl_environment, run_crawl

pytestmark = pytest.mark.integration

GALLERY = "exp"
KEYS = {
    "posts": ("post_no",),
    "comments": ("post_no", "comment_no"),
    "post_snapshots": ("post_no", "seen_at"),
}
MONTH_OF = {"posts": "created_at", "comments": "created_at", "post_snapshots": "seen_at"}
# What each PostgreSQL column type must come back as (the export's promise, spelled out
# here rather than taken from dccrawl/export/schemas.py).
ARROW_OF = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "boolean": pa.bool_(),
    "timestamp with time zone": pa.timestamp("us", tz="Asia/Seoul"),
    "text[]": pa.list_(pa.string()),
}
HIVE = ds.partitioning(
    pa.schema([("gallery_id", pa.string()), ("month", pa.string())]), flavor="hive"
)


@pytest.fixture(scope="module")
def crawled(pg_admin_url: str) -> Iterator[str]:
    """The database with the replica's ``exp`` gallery crawled into it."""
    with (
        fresh_database(pg_admin_url) as url,
        ReplicaProcess(["--gallery", f"{GALLERY}:major:120"]) as replica,
    ):
        result = run_crawl(replica.base_url or "", url, {"gallery": GALLERY})
        assert result.returncode == 0, result
        yield url


def export(url: str, out: Path, *arguments: str, gallery: str = GALLERY) -> int:
    """``python -m dccrawl export`` in this process; its exit code."""
    return main(
        ["export", "--gallery", gallery, "--out", str(out), "-s", f"DATABASE_URL={url}", *arguments]
    )


def column_types(url: str, table: str) -> dict[str, str]:
    """The table's columns and their PostgreSQL types, in the table's order."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        ).fetchall()
    return dict(rows)


def db_rows(url: str, table: str, post_nos: set[int] | None = None) -> list[dict[str, Any]]:
    """The gallery's rows of ``table`` (of ``post_nos`` only, if given), in key order."""
    query = sql.SQL("SELECT * FROM {} WHERE gallery_id = %s ORDER BY {}").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, KEYS[table]))
    )
    with psycopg.connect(url, row_factory=dict_row) as conn:
        rows = conn.execute(query, (GALLERY,)).fetchall()
    return [row for row in rows if post_nos is None or row["post_no"] in post_nos]


def kst_month(moment: datetime | None) -> str:
    return moment.astimezone(KST).strftime("%Y-%m") if moment else "unknown"


def read_parquet(folder: Path) -> pa.Table:
    return ds.dataset(folder, format="parquet", partitioning=HIVE).to_table()


def sorted_rows(table: pa.Table, name: str) -> list[dict[str, Any]]:
    return table.sort_by([(key, "ascending") for key in KEYS[name]]).to_pylist()


def assert_types(table: pa.Table, types: dict[str, str]) -> None:
    for column, pg_type in types.items():
        assert table.schema.field(column).type == ARROW_OF[pg_type], column


def assert_parquet_equals_database(url: str, out: Path, name: str) -> None:
    types = column_types(url, name)
    table = read_parquet(out / name)
    assert set(table.column_names) == {*types, "month"}
    assert_types(table, types)
    rows = sorted_rows(table, name)
    for row in rows:
        assert row.pop("month") == kst_month(row[MONTH_OF[name]])
    expected = db_rows(url, name)
    assert rows == expected
    # a time comes back as the same instant, shown in KST
    moments = [row[MONTH_OF[name]] for row in rows if row[MONTH_OF[name]] is not None]
    assert moments and all(m.utcoffset() == timedelta(hours=9) for m in moments)


def test_parquet_round_trip_with_the_real_command(crawled: str, tmp_path: Path) -> None:
    """The command as a user runs it; every table read back equals the database."""
    out = tmp_path / "out"
    completed = subprocess.run(
        [sys.executable, "-m", "dccrawl", "export", "--gallery", GALLERY, "--format", "parquet",
         "--out", str(out), "-s", f"DATABASE_URL={crawled}"],
        cwd=ROOT, env=crawl_environment(), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    posts, comments = db_rows(crawled, "posts"), db_rows(crawled, "comments")
    assert len(posts) > 100 and len(comments) > 1000
    assert f"export: posts: {len(posts):,} rows," in completed.stderr
    assert f"export: comments: {len(comments):,} rows," in completed.stderr
    assert sorted(path.name for path in out.iterdir()) == ["comments", "export.json", "posts"]
    for name in ("posts", "comments"):
        assert_parquet_equals_database(crawled, out, name)
    # one part file per gallery and KST month
    months = {kst_month(post["created_at"]) for post in posts}
    folders = {path.parent.name for path in (out / "posts").rglob("*.parquet")}
    assert folders == {f"month={month}" for month in months}
    assert {path.name for path in (out / "posts").rglob("*") if path.is_file()} == {
        "part-0.parquet"
    }
    # the plain reader infers the same from the folder names
    assert pq.read_table(out / "comments").num_rows == len(comments)
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["tables"]["posts"]["rows"] == len(posts)
    assert manifest["since"] is None and manifest["format"] == "parquet"


def test_parquet_with_snapshots(crawled: str, tmp_path: Path) -> None:
    assert export(crawled, tmp_path / "out", "--format", "parquet", "--snapshots") == 0
    assert (tmp_path / "out" / "post_snapshots").is_dir()
    assert_parquet_equals_database(crawled, tmp_path / "out", "post_snapshots")


def read_csv(url: str, folder: Path, name: str) -> list[dict[str, Any]]:
    """A CSV table read with its column types (arrays as text, then parsed as JSON)."""
    types = column_types(url, name)
    arrow = {
        column: pa.string() if pg_type == "text[]" else ARROW_OF[pg_type]
        for column, pg_type in types.items()
    }
    table = pcsv.read_csv(
        folder / f"{name}.csv",
        convert_options=pcsv.ConvertOptions(
            column_types=arrow, strings_can_be_null=True, quoted_strings_can_be_null=False
        ),
    )
    assert table.column_names == list(types)
    assert_types(table, {c: t for c, t in types.items() if t != "text[]"})
    rows = table.to_pylist()
    lists = [column for column, pg_type in types.items() if pg_type == "text[]"]
    for row in rows:
        for column in lists:
            row[column] = None if row[column] is None else json.loads(row[column])
    return rows


def test_csv_round_trip(crawled: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(crawled, out, "--format", "csv", "--snapshots") == 0
    for name in ("posts", "comments", "post_snapshots"):
        assert sorted(path.name for path in (out / name).iterdir()) == [f"{name}.csv"]
        assert read_csv(crawled, out / name, name) == db_rows(crawled, name)
    header, first = (out / "posts" / "posts.csv").read_text().splitlines()[:2]
    assert header.startswith('"gallery_id","post_no",')
    assert "+09:00" in first


def test_json_lines_round_trip(crawled: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(crawled, out, "--format", "jsonl") == 0
    for name in ("posts", "comments"):
        types = column_types(crawled, name)
        times = [c for c, t in types.items() if t == "timestamp with time zone"]
        lines = (out / name / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        assert all(list(row) == list(types) for row in rows)
        for row in rows:
            for column in times:
                if row[column] is not None:
                    assert row[column].endswith("+09:00")
                    row[column] = datetime.fromisoformat(row[column])
        assert rows == db_rows(crawled, name)
    assert not (out / "post_snapshots").exists()


def kst_day(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def test_since_and_until_select_posts_and_their_threads(crawled: str, tmp_path: Path) -> None:
    posts = db_rows(crawled, "posts")
    days = sorted(kst_day(post["created_at"]) for post in posts)
    since, until = days[len(days) // 3], days[2 * len(days) // 3]
    assert since < until
    chosen = {
        post["post_no"]
        for post in posts
        if datetime.combine(since, datetime.min.time(), KST)
        <= post["created_at"]
        < datetime.combine(until, datetime.min.time(), KST)
    }
    assert 0 < len(chosen) < len(posts)
    out = tmp_path / "out"
    period = ("--since", since.isoformat(), "--until", until.isoformat())
    assert export(crawled, out, "--format", "parquet", "--snapshots", *period) == 0
    for name in ("posts", "comments", "post_snapshots"):
        table = read_parquet(out / name).drop_columns(["month"])
        assert sorted_rows(table, name) == db_rows(crawled, name, chosen), name
    exported_days = {kst_day(row["created_at"]) for row in db_rows(crawled, "posts", chosen)}
    assert min(exported_days) == since and max(exported_days) < until  # until is excluded
    manifest = json.loads((out / "export.json").read_text())
    assert manifest["since"] == f"{since.isoformat()}T00:00:00+09:00"


def test_a_period_without_posts_exports_nothing_and_succeeds(crawled: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(crawled, out, "--format", "csv", "--since", "2099-01-01") == 0
    assert read_csv(crawled, out / "posts", "posts") == []
    assert read_csv(crawled, out / "comments", "comments") == []


def test_a_non_empty_out_is_refused_and_overwrite_replaces_only_the_export(
    crawled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert export(crawled, out, "--format", "jsonl", "--snapshots") == 0
    (out / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert export(crawled, out, "--format", "csv") == 1
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "posts" / "posts.jsonl").exists()  # untouched
    assert export(crawled, out, "--format", "csv", "--overwrite") == 0
    assert sorted(path.name for path in out.iterdir()) == [
        "comments",
        "export.json",
        "notes.txt",
        "posts",
    ]  # the former export's snapshots went with it; the notes stay
    assert sorted(path.name for path in (out / "posts").iterdir()) == ["posts.csv"]


def test_a_failed_export_leaves_the_former_one_in_place(
    crawled: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert export(crawled, out, "--format", "jsonl") == 0
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}

    def full_disk(self: writers.TableWriter, batch: pa.RecordBatch) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers.JsonLinesTableWriter, "write", full_disk)
    capsys.readouterr()
    assert export(crawled, out, "--format", "jsonl", "--overwrite") == 1
    assert (
        "could not write the files: [Errno 28] No space left on device" in capsys.readouterr().err
    )
    after = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert after == before  # no staging folder left, nothing replaced


def test_an_unknown_gallery_is_named_with_what_the_database_holds(
    crawled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert export(crawled, out, "--format", "parquet", gallery="exq") == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "dccrawl export: the database holds no gallery 'exq'. Did you mean 'exp'? It holds: exp"
    )
    assert not out.exists()


def test_rows_without_a_time_go_to_the_unknown_month(database_url: str, tmp_path: Path) -> None:
    """A post or comment whose time the page did not show keeps its NULLs, in month=unknown."""
    migrate(database_url)
    seen = datetime(2026, 12, 1, 12, tzinfo=KST)
    with psycopg.connect(database_url) as conn:
        values = {"g": GALLERY, "t": seen}
        conn.execute(
            "INSERT INTO galleries (gallery_id, kind, first_seen_at, last_seen_at)"
            " VALUES (%(g)s, NULL, %(t)s, %(t)s)",
            values,
        )
        conn.execute(
            "INSERT INTO posts (gallery_id, post_no, crawled_at, first_seen_at, last_seen_at,"
            " updated_at, counts_changed_at, image_urls) VALUES (%(g)s, 1, %(t)s, %(t)s, %(t)s,"
            " %(t)s, %(t)s, '{}'), (%(g)s, 2, %(t)s, %(t)s, %(t)s, %(t)s, %(t)s, NULL)",
            values,
        )
        conn.execute(
            "INSERT INTO comments (gallery_id, post_no, comment_no, crawled_at, first_seen_at,"
            " last_seen_at, updated_at) VALUES (%(g)s, 1, 10, %(t)s, %(t)s, %(t)s, %(t)s)",
            values,
        )
    out = tmp_path / "out"
    assert export(database_url, out, "--format", "parquet") == 0
    assert [p.relative_to(out).as_posix() for p in sorted(out.rglob("*.parquet"))] == [
        "comments/gallery_id=exp/month=unknown/part-0.parquet",
        "posts/gallery_id=exp/month=unknown/part-0.parquet",
    ]
    posts = sorted_rows(read_parquet(out / "posts"), "posts")
    assert [post["image_urls"] for post in posts] == [[], None]  # empty and NULL stay apart
    assert all(post["created_at"] is None and post["is_notice"] is None for post in posts)
    assert posts[0]["crawled_at"] == seen
