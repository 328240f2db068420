"""Fixtures shared by the whole suite: a real PostgreSQL server and fresh databases.

The server is, in order of preference, the one named by ``DCCRAWL_TEST_DATABASE_URL``
or ``DATABASE_URL`` (CI starts Debian's PostgreSQL and sets it), or an embedded
PostgreSQL from the ``pgserver`` wheel started for this test session, so the
suite runs on a machine with no database server at all. Each test that asks for
``database_url`` gets a database of its own, created empty and dropped after.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from dccrawl.cluster.deploy import egg_build_lock
from testbed.databases import fresh_database
from testbed.replica.clock import NOW_VARIABLE, default_now
from testbed.scrapyd_nodes import ROOT as SCRAPYD_ROOT
from testbed.scrapyd_nodes import ScrapydNode, deploy_config, scrapyd_deploy
from tests.pipeline_harness import stop_embedded

with warnings.catch_warnings():
    # pgserver asks platformdirs for a runtime folder at import, which warns where
    # XDG_RUNTIME_DIR is unset (containers, CI); with filterwarnings=error that
    # would fail whichever test imported it first.
    warnings.simplefilter("ignore")
    import pgserver

SAMPLES = Path(__file__).parent / "samples"

# One replica clock for the whole session (testbed/replica/clock.py): a replica served and a
# truth printed on either side of midnight KST would otherwise date every post a day apart.
# Replica processes inherit it from this process's environment.
os.environ.setdefault(NOW_VARIABLE, default_now().isoformat())


def _server_from_environment() -> str | None:
    return os.environ.get("DCCRAWL_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")


@pytest.fixture(scope="session")
def pgdata_root() -> Iterator[Path]:
    """A folder for this session's embedded PostgreSQL data folders, outside pytest's.

    As root, pgserver runs PostgreSQL as its own ``pgserver`` user, which must traverse
    the data folder's parents; pytest makes ``/tmp/pytest-of-root`` 0700 again whenever
    another session starts, so servers under it failed to start or stop while a second
    suite ran beside this one. Removed at the end of the session."""
    root = Path(tempfile.mkdtemp(prefix="dccrawl-test-pg-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_url(pgdata_root: Path) -> Iterator[str]:
    """URL of a database on a running server, used only to create and drop test databases."""
    url = _server_from_environment()
    if url:
        yield url
        return
    server = pgserver.get_server(pgdata_root / "admin", cleanup_mode="stop")
    yield server.get_uri()


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test; dropped afterwards."""
    with fresh_database(pg_admin_url) as url:
        yield url


# --- Fixtures for the database layer's tests (tests/test_db_*, tests/test_pipeline_*) ---


@pytest.fixture(scope="session")
def embedded_dir(pgdata_root: Path) -> Iterator[Path]:
    """A data folder for dccrawl's embedded PostgreSQL (``DCCRAWL_EMBEDDED_DIR``).

    Tests start the server through ``dccrawl.db.connect``; it is stopped at the end
    of the session (dccrawl itself leaves it running on purpose)."""
    datadir = pgdata_root / "embedded" / "pgdata"
    yield datadir
    stop_embedded(datadir)


# --- Two scrapyd nodes (tests/cluster/test_cluster_scrapyd.py, tests/follow/) ---------


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScrapydNode, ScrapydNode]]:
    """Two scrapyd nodes with dccrawl deployed by ``scrapyd-deploy``, for one test module."""
    root = tmp_path_factory.mktemp("scrapyd")
    first, second = ScrapydNode(root / "a"), ScrapydNode(root / "b")
    try:
        first.launch()
        second.launch()
        env = deploy_config(root / "deploy", {"node-a": first, "node-b": second})
        egg = root / "dccrawl.egg"
        with egg_build_lock(SCRAPYD_ROOT):  # another worker may be building one too
            building = scrapyd_deploy("--build-egg", str(egg), env=env)
            _out, errors = building.communicate(timeout=180)
        assert building.returncode == 0, errors
        check_egg(egg)
        first.wait_ready()
        second.wait_ready()
        # Both uploads at once, of the egg scrapyd-deploy built (each node lists its spiders).
        uploads = [
            scrapyd_deploy(target, "--egg", str(egg), env=env) for target in ("node-a", "node-b")
        ]
        for upload in uploads:
            out, errors = upload.communicate(timeout=180)
            assert upload.returncode == 0, out + errors
            assert '"status": "ok"' in out and '"spiders": 1' in out, out + errors
        yield first, second
    finally:
        first.stop()
        second.stop()


def check_egg(egg: Path) -> None:
    """The egg holds the code the jobs run and the SQL files migrations read from it."""
    names = set(zipfile.ZipFile(egg).namelist())
    migrations = {
        f"dccrawl/db/migrations/{entry.name}"
        for entry in resources.files("dccrawl.db.migrations").iterdir()
        if entry.name.endswith(".sql")
    }
    assert "dccrawl/db/migrations/0002_crawl_shards.sql" in migrations
    assert "dccrawl/db/migrations/0006_follow_cycles.sql" in migrations
    assert "dccrawl/db/migrations/0007_cancelled_shards.sql" in migrations
    assert "dccrawl/db/migrations/0008_shard_quality.sql" in migrations
    assert migrations <= names
    assert {
        "dccrawl/extensions/shard.py",
        "dccrawl/extensions/cycle.py",
        "dccrawl/cluster/ledger.py",
        "spiders/gallery.py",
        "pipelines/postgres.py",
        "pipelines/validation.py",
    } <= names
    assert "dccrawl.settings" in zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()


# --- In CI a skipped test is a failed one ---------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With ``CI`` set, a skip fails: the browser and database tests skip only where
    Chromium or a TCP database server is missing, and CI must have both, or a green
    run could hide that every browser test was skipped (``.ci/run`` installs them)."""
    report = yield
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be: {reason}"
    return report
