"""Database commands of ``python -m dccrawl``: ``psql``, ``migrate``, ``dburl``, ``search``.

All of them use the database a crawl would use (``DATABASE_URL`` setting or
environment variable, else the embedded server, started if needed), so
``python -m dccrawl psql`` always opens the data the crawls wrote.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import warnings
from pathlib import Path

import psycopg

from dccrawl.db import search
from dccrawl.db.connect import DatabaseTarget, resolve_database
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact
from dccrawl.project import project_settings


def _target() -> DatabaseTarget:

    return resolve_database(project_settings())


def _migrated() -> DatabaseTarget:
    """The database in use, its schema brought up to date first: a fresh embedded server
    (or one a newer dccrawl has not crawled into yet) is then queryable at once. A
    database that cannot be migrated is said, and used as it is."""
    target = _target()
    try:
        for migration in migrate(target.url):
            print(f"applied {migration.version:04d}_{migration.name}", file=sys.stderr)
    except psycopg.Error as error:
        print(
            f"dccrawl: could not bring {target.redacted} up to date: {redact(str(error))}",
            file=sys.stderr,
        )
    return target


def psql_executable() -> str:
    """The system ``psql``, else the one bundled in the pgserver wheel."""
    found = shutil.which("psql")
    if found:
        return found
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR warning
        # not re-exported by pgserver/__init__.py; only needed without a system psql
        from pgserver._commands import POSTGRES_BIN_PATH  # noqa: PLC0415

    return str(Path(POSTGRES_BIN_PATH) / "psql")


def psql_command(url: str, extra: list[str]) -> tuple[list[str], dict[str, str]]:
    """argv and environment for psql on *url*: the password goes in ``PGPASSWORD``,
    never on the command line (where ``ps`` would show it)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    password = info.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    conninfo = psycopg.conninfo.make_conninfo(**info)
    return [psql_executable(), conninfo, *extra], env


def cmd_psql(args: argparse.Namespace) -> int:
    extra = list(args.extra)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    argv, env = psql_command(_migrated().url, extra)
    sys.stdout.flush()
    os.execvpe(argv[0], argv, env)  # replace this process: psql owns the terminal


def cmd_migrate(args: argparse.Namespace) -> int:
    target = _target()
    applied = migrate(target.url)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    print(f"{target.redacted}: schema up to date")
    return 0


def cmd_dburl(args: argparse.Namespace) -> int:
    print(_migrated().redacted)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    problem = search.check(args)
    if problem:
        print(f"dccrawl search: {problem}", file=sys.stderr)
        return 2
    target = _migrated()
    try:
        with psycopg.connect(target.url) as conn:
            matches = search.search_posts(conn, args.gallery, args.word, args.limit)
    except psycopg.Error as error:
        print(f"dccrawl search: {target.redacted}: {redact(str(error))}", file=sys.stderr)
        return 1
    for match in matches:
        print(match.line())
    more = " (the newest; --limit shows more)" if len(matches) == args.limit else ""
    print(f"{len(matches)} post(s) of {args.gallery} with {args.word!r}{more}", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the database commands to ``python -m dccrawl``."""
    p = subparsers.add_parser(
        "psql",
        help="open psql on the database in use (embedded or DATABASE_URL); "
        "other arguments go to psql",
        add_help=False,  # -h is psql's --host; psql --help still works
    )
    p.set_defaults(handler=cmd_psql, passthrough=True)

    p = subparsers.add_parser("migrate", help="apply pending schema migrations")
    p.set_defaults(handler=cmd_migrate)

    p = subparsers.add_parser(
        "dburl", help="print the database URL in use (password hidden), its schema up to date"
    )
    p.set_defaults(handler=cmd_dburl)

    p = subparsers.add_parser(
        "search",
        help="posts of a gallery whose title or body contains a word (Korean words of any "
        "length, from the bigram indexes)",
    )
    search.add_arguments(p)
    p.set_defaults(handler=cmd_search)
