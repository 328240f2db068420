"""Which PostgreSQL database dccrawl uses, and starting the embedded one when none is named.

Resolution order:

1. the Scrapy setting ``DATABASE_URL`` (``-s DATABASE_URL=...``, scrapyd ``setting=``);
   without a password (what scrapyd jobs carry: ``dccrawl/cluster/dispatch.py`` never
   sends one) it takes the password of the environment's ``DATABASE_URL`` when that
   names the same database as the same user; else libpq's own ``~/.pgpass`` /
   ``PGPASSFILE`` / ``PGPASSWORD`` supply it;
2. the environment variable ``DATABASE_URL``;
3. an embedded PostgreSQL from the ``pgserver`` wheel, with its data folder at the
   ``DCCRAWL_EMBEDDED_DIR`` setting, else that environment variable, else
   ``~/.local/share/dccrawl/pgdata``.

The embedded server is started once and left running (``cleanup_mode=None``), so
later crawls, ``python -m dccrawl psql`` and concurrent jobs all find the same
server. pgserver starts postgres with ``-h ""`` (no TCP/IP listen address) and
``-k <data folder>``: it accepts connections only on a Unix socket in its data
folder (or, when that path is too long for a socket name, in a per-user runtime
folder), so nothing else on the network can reach it.
Its database is ``dccrawl`` (created on first use), user ``postgres``, trust auth
over that socket. When run as root, pgserver runs the server as a system user
``pgserver`` that it creates.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import psycopg
from psycopg import conninfo, sql

from dccrawl.db.redact import redact, same_server

__all__ = [
    "DEFAULT_EMBEDDED_DIR",
    "EMBEDDED_DATABASE",
    "DatabaseTarget",
    "embedded_dir",
    "permanent_failure",
    "redact",
    "resolve_database",
    "resolve_database_url",
    "start_embedded",
]

DEFAULT_EMBEDDED_DIR = "~/.local/share/dccrawl/pgdata"

# Connection failures that waiting cannot cure: the server answered, and said no.
# (psycopg gives no SQLSTATE for failures during connection, only libpq's text.)
_PERMANENT = re.compile(
    r'database "[^"]*" does not exist|role "[^"]*" does not exist|'
    r"password authentication failed|no pg_hba\.conf entry|permission denied for database|"
    r"invalid (?:URI query parameter|connection option|dsn)|missing \"=\" after"
)
EMBEDDED_DATABASE = "dccrawl"


class SettingsLike(Protocol):
    """What is read from settings: Scrapy's ``Settings`` or any mapping."""

    def get(self, name: str, default: Any = None) -> Any: ...


class DatabaseTarget:
    """A resolved database: its URL and whether it is the embedded server."""

    def __init__(self, url: str, *, embedded: bool, datadir: Path | None = None) -> None:
        self.url = url
        self.embedded = embedded
        self.datadir = datadir

    @property
    def redacted(self) -> str:
        """The URL safe to log."""
        return redact(self.url)

    def describe(self) -> str:
        """One line for logs: which database, redacted."""
        if self.embedded:
            return f"embedded PostgreSQL in {self.datadir} ({self.redacted})"
        return self.redacted

    def __repr__(self) -> str:  # never leak the password through repr() either
        return f"DatabaseTarget({self.redacted!r}, embedded={self.embedded})"


def _setting(settings: SettingsLike | Mapping[str, Any] | None, name: str) -> str | None:
    """A non-empty string setting, else the environment variable of the same name."""
    value = settings.get(name) if settings is not None else None
    if value:
        return str(value)
    return os.environ.get(name) or None


def embedded_dir(settings: SettingsLike | Mapping[str, Any] | None = None) -> Path:
    """The embedded server's data folder (absolute, ``~`` expanded)."""
    raw = _setting(settings, "DCCRAWL_EMBEDDED_DIR") or DEFAULT_EMBEDDED_DIR
    return Path(raw).expanduser().resolve()


def start_embedded(datadir: Path) -> str:
    """Start (or find running) the embedded server in *datadir*; return its ``dccrawl`` URL.

    Blocking (initdb on first use, then ``pg_ctl start``): call it from a thread
    when an event loop is running.
    """
    datadir.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; harmless here.
        warnings.simplefilter("ignore")
        import pgserver  # noqa: PLC0415 - slow import, only needed without DATABASE_URL
        from pgserver.utils import PostmasterInfo  # noqa: PLC0415

    server = pgserver.get_server(datadir, cleanup_mode=None)
    current = PostmasterInfo.read_from_pgdata(server.pgdata)
    if current is None or not current.is_running():
        # get_server() caches its handle per process: a server stopped since then
        # (by hand, by a reboot) is started again here.
        with getattr(type(server), "_lock", contextlib.nullcontext()):
            server.ensure_postgres_running()
    info = server.get_postmaster_info()
    if info.socket_dir is None:  # pragma: no cover - pgserver uses TCP only on Windows
        admin_url = server.get_uri()
        url = _with_dbname(admin_url, EMBEDDED_DATABASE)
    else:
        host = quote(str(info.socket_dir), safe="/")
        admin_url = f"postgresql://postgres@/postgres?host={host}"
        url = f"postgresql://postgres@/{EMBEDDED_DATABASE}?host={host}"
    _ensure_database(admin_url, EMBEDDED_DATABASE)
    return url


def _with_dbname(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**info)


def _ensure_database(admin_url: str, name: str) -> None:
    """Create database *name* unless it exists (two crawlers may race here: both fine)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return
        # A concurrent starter may create it between our check and our CREATE.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _with_local_password(url: str) -> str:
    """A password-less ``url`` given the password of the environment's ``DATABASE_URL`` when
    that is the same database and user (a scrapyd node's own setting); else as it is."""
    local = os.environ.get("DATABASE_URL")
    if not local or local == url:
        return url
    try:
        if conninfo.conninfo_to_dict(url).get("password") is not None:
            return url
        password = conninfo.conninfo_to_dict(local).get("password")
        if password is None or not same_server(url, local):
            return url
        return conninfo.make_conninfo(url, password=password)
    except psycopg.ProgrammingError:  # a malformed URL: connecting will say so
        return url


def resolve_database(settings: SettingsLike | Mapping[str, Any] | None = None) -> DatabaseTarget:
    """The database to use under *settings*; starts the embedded server if none is named."""
    url = _setting(settings, "DATABASE_URL")
    if url:
        return DatabaseTarget(_with_local_password(url), embedded=False)
    datadir = embedded_dir(settings)
    return DatabaseTarget(start_embedded(datadir), embedded=True, datadir=datadir)


def resolve_database_url(settings: SettingsLike | Mapping[str, Any] | None = None) -> str:
    """Shorthand for ``resolve_database(settings).url``."""
    return resolve_database(settings).url


def permanent_failure(error: BaseException) -> bool:
    """True when connecting failed for a reason that retrying cannot change: a database
    or role that does not exist, a refused password, a malformed URL.
    A refused or dropped connection (a server starting or restarting) is not one."""
    return isinstance(error, psycopg.ProgrammingError) or bool(_PERMANENT.search(str(error)))
