"""Fixtures shared by the whole suite: a real PostgreSQL server and fresh databases.

The server is, in order of preference, the one named by ``DCCRAWL_TEST_DATABASE_URL``
or ``DATABASE_URL`` (CI starts Debian's PostgreSQL and sets it), or an embedded
PostgreSQL from the ``pgserver`` wheel started for this test session, so the
suite runs on a machine with no database server at all. Each test that asks for
``database_url`` gets a database of its own, created empty and dropped after.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_database

with warnings.catch_warnings():
    # pgserver asks platformdirs for a runtime folder at import, which warns where
    # XDG_RUNTIME_DIR is unset (containers, CI); with filterwarnings=error that
    # would fail whichever test imported it first.
    warnings.simplefilter("ignore")
    import pgserver

SAMPLES = Path(__file__).parent / "samples"


def _server_from_environment() -> str | None:
    return os.environ.get("DCCRAWL_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a database on a running server, used only to create and drop test databases."""
    url = _server_from_environment()
    if url:
        yield url
        return
    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    yield server.get_uri()


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test; dropped afterwards."""
    with fresh_database(pg_admin_url) as url:
        yield url


# --- Fixtures for the database layer's tests (tests/test_db_*, tests/test_pipeline_*) ---


@pytest.fixture(scope="session")
def embedded_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder for dccrawl's embedded PostgreSQL (``DCCRAWL_EMBEDDED_DIR``).

    Tests start the server through ``dccrawl.db.connect``; it is stopped at the end
    of the session (dccrawl itself leaves it running on purpose)."""
    from tests.pipeline_harness import stop_embedded  # noqa: PLC0415

    datadir = tmp_path_factory.mktemp("embedded") / "pgdata"
    yield datadir
    stop_embedded(datadir)
