"""Migrations: applied once, in order, safely from many processes, and from inside a zip."""

from __future__ import annotations

import logging
import subprocess
import sys
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from dccrawl.db.migrate import available_migrations, migrate
from dccrawl.items import Comment, Post
from tests.paths import ROOT


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def _columns(url: str, table: str) -> dict[str, tuple[str, bool]]:
    """column -> (udt_name, nullable)"""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT column_name, udt_name, is_nullable = 'YES' FROM information_schema.columns"
            " WHERE table_name = %s",
            (table,),
        ).fetchall()
    return {name: (udt, nullable) for name, udt, nullable in rows}


def test_migrate_creates_the_schema_once(database_url: str) -> None:
    applied = migrate(database_url)
    assert [m.version for m in applied] == [m.version for m in available_migrations()]
    assert applied[0].version == 1
    assert {"galleries", "posts", "comments", "post_snapshots", "schema_migrations"} <= (
        _tables(database_url)
    )
    assert migrate(database_url) == []  # idempotent
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    assert rows == [(m.version, m.checksum) for m in available_migrations()]


def test_schema_holds_every_item_field_with_its_type(database_url: str) -> None:
    migrate(database_url)
    posts = _columns(database_url, "posts")
    comments = _columns(database_url, "comments")
    assert set(Post.fields) <= set(posts)
    assert set(Comment.fields) <= set(comments)
    assert {"first_seen_at", "last_seen_at", "updated_at"} <= set(posts) & set(comments)
    assert posts["created_at"][0] == "timestamptz"
    assert posts["crawled_at"][0] == "timestamptz"
    assert posts["image_urls"][0] == "_text"
    assert posts["downvotes"] == ("int4", True)
    assert posts["views"][0] == "int4"
    assert posts["is_deleted"] == ("bool", False)
    assert comments["parent_no"] == ("int8", True)
    snapshots = _columns(database_url, "post_snapshots")
    assert set(snapshots) == {
        "gallery_id",
        "post_no",
        "seen_at",
        "views",
        "recommend",
        "downvotes",
        "comment_count",
    }


def test_concurrent_migrations_apply_each_version_once(database_url: str) -> None:
    with ThreadPoolExecutor(6) as pool:  # six sessions, as six crawlers starting together
        results = list(pool.map(lambda _: migrate(database_url), range(6)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 0, len(available_migrations())]
    with psycopg.connect(database_url) as conn:
        count = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count == (len(available_migrations()),)


@pytest.fixture
def migrations_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package (named like its folder, unique per test) for test migrations."""
    package = tmp_path / f"fake_migrations_{uuid.uuid4().hex}"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return package


def test_runner_is_general(database_url: str, migrations_package: Path) -> None:
    (migrations_package / "0001_first.sql").write_text(
        "CREATE TABLE a (x int);\n"
        "-- 100% sure: no placeholders are parsed\n"
        "INSERT INTO a VALUES (1);"
    )
    (migrations_package / "README.md").write_text("not a migration")
    (migrations_package / "0002_second.sql").write_text("ALTER TABLE a ADD COLUMN y text;")
    applied = migrate(database_url, migrations_package.name)
    assert [(m.version, m.name) for m in applied] == [(1, "first"), (2, "second")]
    # a later release adds 0003, which fails: nothing of it stays, 0001-0002 stay
    (migrations_package / "0003_broken.sql").write_text(
        "CREATE TABLE b (x int); SELECT no_such_function();"
    )
    with pytest.raises(psycopg.errors.UndefinedFunction):
        migrate(database_url, migrations_package.name)
    assert "b" not in _tables(database_url)
    (migrations_package / "0003_broken.sql").write_text("CREATE TABLE b (x int);")
    assert [m.version for m in migrate(database_url, migrations_package.name)] == [3]


def test_duplicate_versions_are_refused(migrations_package: Path) -> None:
    (migrations_package / "0001_a.sql").write_text("SELECT 1;")
    (migrations_package / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(RuntimeError, match="two migrations"):
        available_migrations(migrations_package.name)


def test_an_edited_applied_migration_is_reported(
    database_url: str, migrations_package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (migrations_package / "0001_a.sql").write_text("CREATE TABLE a (x int);")
    migrate(database_url, migrations_package.name)
    (migrations_package / "0001_a.sql").write_text("CREATE TABLE a (x bigint);")
    with caplog.at_level(logging.WARNING, logger="dccrawl.db.migrate"):
        assert migrate(database_url, migrations_package.name) == []
    assert "changed after it was applied" in caplog.text


def test_migrations_are_found_inside_a_zipped_egg(database_url: str, tmp_path: Path) -> None:
    """scrapyd runs the project from a zipped egg: no path may come from __file__."""
    egg = tmp_path / "dccrawl.egg"
    with zipfile.ZipFile(egg, "w") as zf:
        for path in (ROOT / "dccrawl").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(ROOT).as_posix())
    code = (
        "import sys; from dccrawl.db import migrate as m; "
        "assert m.__file__.startswith(sys.argv[1]), m.__file__; "
        "print([x.version for x in m.migrate(sys.argv[2])])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(egg), database_url],
        env={"PYTHONPATH": str(egg), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str([m.version for m in available_migrations()])


def test_migration_0005_adds_its_columns_without_rewriting_rows(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database crawled before 0005 keeps every row where it is (same ctid, same xmin:
    no row rewritten); the new columns read NULL (not known) in those rows."""
    package = tmp_path / "before_0005"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for migration in available_migrations():
        if migration.version < 5:
            (package / f"{migration.version:04d}_{migration.name}.sql").write_text(migration.sql)
    monkeypatch.syspath_prepend(str(tmp_path))
    migrate(database_url, package="before_0005")
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO posts (gallery_id, post_no, crawled_at, first_seen_at, last_seen_at,"
            " updated_at, counts_changed_at) SELECT 'g', n, now(), now(), now(), now(), now()"
            " FROM generate_series(1, 50) AS n"
        )
        before = conn.execute("SELECT post_no, ctid, xmin::text FROM posts ORDER BY 1").fetchall()
    applied = migrate(database_url)
    assert [m.version for m in applied][:1] == [5]  # (and any later ones)
    with psycopg.connect(database_url) as conn:
        after = conn.execute("SELECT post_no, ctid, xmin::text FROM posts ORDER BY 1").fetchall()
        flags = conn.execute("SELECT DISTINCT is_notice, writer_class FROM posts").fetchall()
    assert after == before
    assert flags == [(None, None)]
