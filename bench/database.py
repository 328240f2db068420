"""The PostgreSQL server the benchmarks write to, and a fresh database per measured crawl.

The server is ``--database-url``, else ``DCCRAWL_TEST_DATABASE_URL`` or
``DATABASE_URL`` (as for the tests), else an embedded PostgreSQL from the
``pgserver`` wheel started for this run in a temporary folder and stopped at the
end. Each crawl writes into an empty database of its own (created and dropped
here), so one figure's rows never slow down another's.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator

import psycopg

from testbed.databases import fresh_database


@contextlib.contextmanager
def server(url: str | None) -> Iterator[str]:
    """An admin URL of a running server (see the module docstring for which)."""
    url = url or os.environ.get("DCCRAWL_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        with psycopg.connect(url, connect_timeout=10):
            pass  # fail now, with the server's own message, not in the middle of a figure
        yield url
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgserver's platformdirs warning without XDG dirs
        import pgserver  # noqa: PLC0415 - only when no server is named

    with tempfile.TemporaryDirectory(prefix="dccrawl-bench-pg-") as folder:
        embedded = pgserver.get_server(folder, cleanup_mode="stop")
        yield embedded.get_uri()


@contextlib.contextmanager
def scratch(admin_url: str) -> Iterator[str]:
    """An empty database on the server for one measured run; dropped afterwards."""
    with fresh_database(admin_url, prefix="dccrawl_bench") as url:
        yield url
