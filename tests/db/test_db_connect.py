"""Which database is used: DATABASE_URL (setting, then environment) or the embedded server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import psutil
import psycopg
import pytest
from scrapy.settings import Settings

from dccrawl.db.cli import psql_command, psql_executable
from dccrawl.db.connect import DEFAULT_EMBEDDED_DIR, embedded_dir, resolve_database
from tests.paths import ROOT


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DCCRAWL_EMBEDDED_DIR")}
    env.update(values)
    return env


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dccrawl", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_setting_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://env@h/db")
    assert resolve_database(Settings({"DATABASE_URL": "postgresql://setting@h/db"})).url == (
        "postgresql://setting@h/db"
    )
    target = resolve_database(Settings({"DATABASE_URL": None}))
    assert target.url == "postgresql://env@h/db"
    assert not target.embedded


def test_embedded_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DCCRAWL_EMBEDDED_DIR", raising=False)
    assert embedded_dir(Settings()) == Path(DEFAULT_EMBEDDED_DIR).expanduser()
    monkeypatch.setenv("DCCRAWL_EMBEDDED_DIR", str(tmp_path / "env"))
    assert embedded_dir({}) == tmp_path / "env"
    assert embedded_dir({"DCCRAWL_EMBEDDED_DIR": str(tmp_path / "s")}) == tmp_path / "s"


def test_embedded_server_without_database_url_listens_on_no_tcp_port(
    monkeypatch: pytest.MonkeyPatch, embedded_dir: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    target = resolve_database(Settings({"DCCRAWL_EMBEDDED_DIR": str(embedded_dir)}))
    assert target.embedded
    assert target.datadir == embedded_dir
    with psycopg.connect(target.url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("dccrawl",)
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        (socket_dirs,) = conn.execute("SHOW unix_socket_directories").fetchone()  # type: ignore[misc]
        (pid,) = conn.execute("SELECT pg_backend_pid()").fetchone()  # type: ignore[misc]
        # the postmaster and its processes (this backend too): no TCP or UDP socket at all
        postmaster = psutil.Process(pid).parent()
        processes = [postmaster, *postmaster.children(recursive=True)]
        assert psutil.Process(pid) in processes
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                assert process.net_connections(kind="inet") == [], process
    assert Path(socket_dirs) == embedded_dir  # the socket lives in the data folder
    assert (embedded_dir / ".s.PGSQL.5432").is_socket()
    # A second resolution (another crawl) finds the same running server.
    again = resolve_database(Settings({"DCCRAWL_EMBEDDED_DIR": str(embedded_dir)}))
    assert again.url == target.url
    with psycopg.connect(again.url) as conn:
        assert conn.execute("SELECT pg_backend_pid()").fetchone() != (pid,)
        assert conn.execute("SELECT pg_postmaster_start_time() IS NOT NULL").fetchone() == (True,)
    assert psutil.Process(postmaster.pid).is_running()


def test_cli_on_the_embedded_server(embedded_dir: Path) -> None:
    env = _env(DCCRAWL_EMBEDDED_DIR=str(embedded_dir))
    migrate = _cli("migrate", env=env)
    assert migrate.returncode == 0, migrate.stderr
    assert "schema up to date" in migrate.stdout
    url = _cli("dburl", env=env)
    assert url.returncode == 0, url.stderr
    assert url.stdout.startswith("postgresql://postgres@/dccrawl?host=")
    psql = _cli("psql", "-At", "-c", "SELECT count(*) > 0 FROM schema_migrations", env=env)
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.strip() == "t"


def test_cli_with_database_url_never_prints_the_password(database_url: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    if "host" not in info or str(info["host"]).startswith("/"):
        pytest.skip("needs a TCP server: trust auth ignores the password given here")
    info["password"] = "hunter2"
    url = psycopg.conninfo.make_conninfo(**info)
    env = _env(DATABASE_URL=url)
    out = _cli("dburl", env=env)
    assert out.returncode == 0
    assert "hunter2" not in out.stdout + out.stderr
    assert "password=***" in out.stdout
    psql = _cli("psql", "--", "-At", "-c", "SELECT current_database()", env=env)
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.strip() == info["dbname"]


def test_psql_gets_the_password_through_the_environment() -> None:
    argv, env = psql_command("postgresql://u:hunter2@h:5432/db", ["-c", "select 1"])
    assert not any("hunter2" in a for a in argv)
    assert env["PGPASSWORD"] == "hunter2"
    assert argv[2:] == ["-c", "select 1"]


def test_bundled_psql_is_used_without_a_system_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    executable = psql_executable()
    assert "pgserver" in executable
    out = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("psql (PostgreSQL)")


def test_unknown_arguments_are_refused() -> None:
    out = _cli("dburl", "--nope", env=_env(DATABASE_URL="postgresql://u@h/db"))
    assert out.returncode == 2
    assert "unrecognized arguments" in out.stderr


def test_psql_on_a_fresh_database_finds_the_schema(database_url: str) -> None:
    """No ``migrate`` first: psql (and dburl) bring the schema up to date themselves."""
    env = _env(DATABASE_URL=database_url)
    psql = _cli("psql", "--", "-At", "-c", "SELECT count(*) FROM posts", env=env)
    assert psql.returncode == 0, psql.stderr
    assert psql.stdout.strip() == "0"
    assert "applied 0001_initial" in psql.stderr


def test_a_job_url_without_password_takes_the_nodes_own_for_the_same_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://crawler:s3cret@db.internal:5432/dccrawl")
    same = resolve_database(
        Settings({"DATABASE_URL": "host=db.internal dbname=dccrawl user=crawler"})
    )
    assert psycopg.conninfo.conninfo_to_dict(same.url)["password"] == "s3cret"
    other = resolve_database(
        Settings({"DATABASE_URL": "host=db.internal dbname=other user=crawler"})
    )
    assert "password" not in psycopg.conninfo.conninfo_to_dict(other.url)
    given = resolve_database(
        Settings({"DATABASE_URL": "postgresql://crawler:x@db.internal/dccrawl"})
    )
    assert psycopg.conninfo.conninfo_to_dict(given.url)["password"] == "x"
