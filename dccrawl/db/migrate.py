"""Bring a database's schema up to date from the versioned SQL files in ``migrations/``.

The files are read with ``importlib.resources`` (never a path built from
``__file__``), so migrating works from a zipped scrapyd egg. Applied versions are
recorded in ``schema_migrations`` with a checksum of the file that was applied.

Several crawlers often start at the same moment (scrapyd runs jobs in parallel):
the whole run holds a session-level advisory lock, so one of them applies the
pending migrations while the others wait, then find nothing left to do.
Each migration runs in its own transaction together with its bookkeeping row,
so a failed migration leaves no half-applied schema behind and is retried on
the next start. Statements that cannot run in a transaction (``CREATE INDEX
CONCURRENTLY``) are therefore not allowed in migration files.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

logger = logging.getLogger(__name__)

MIGRATIONS_PACKAGE = "dccrawl.db.migrations"
# Arbitrary but fixed: the bytes of "dccrawl" as a bigint, shared by every runner.
ADVISORY_LOCK_KEY = int.from_bytes(b"dccrawl", "big")
_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One SQL file: its version, name, text and the checksum of that text."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations(package: str = MIGRATIONS_PACKAGE) -> list[Migration]:
    """Every ``NNNN_name.sql`` in *package*, in version order (duplicate versions refused)."""
    found: dict[int, Migration] = {}
    for entry in resources.files(package).iterdir():
        match = _NAME.match(entry.name)
        if not match:
            continue
        version = int(match["version"])
        if version in found:
            raise RuntimeError(f"two migrations with version {version:04d} in {package}")
        found[version] = Migration(version, match["name"], entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def applied_versions(conn: psycopg.Connection) -> dict[int, str]:
    """Version → checksum of every migration recorded in *conn*'s database."""
    rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    return {version: checksum for version, checksum in rows}


def migrate(url: str, package: str = MIGRATIONS_PACKAGE) -> list[Migration]:
    """Apply every pending migration to the database at *url*; return those applied.

    Safe to call from many processes at once (advisory lock) and any number of
    times (applied versions are skipped). Blocking: call it from a thread when an
    event loop is running.
    """
    migrations = available_migrations(package)
    done: list[Migration] = []
    with psycopg.connect(url, autocommit=True, application_name="dccrawl-migrate") as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            conn.execute(_BOOKKEEPING)
            applied = applied_versions(conn)
            for migration in migrations:
                if migration.version in applied:
                    if applied[migration.version] != migration.checksum:
                        logger.warning(
                            "Migration %04d_%s changed after it was applied; "
                            "add a new migration instead of editing it",
                            migration.version,
                            migration.name,
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)  # no parameters: simple protocol, many statements
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum)"
                        " VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                logger.info("Applied migration %04d_%s", migration.version, migration.name)
                done.append(migration)
        finally:
            if not conn.broken:  # a lost session has released its lock already
                conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return done
