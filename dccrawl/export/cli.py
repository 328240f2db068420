"""``python -m dccrawl export``: the command, its arguments, its messages and exit codes.

The database is the one a crawl would use (``-s DATABASE_URL=…``, the project setting,
the ``DATABASE_URL`` environment variable, else the embedded server), found the way
``retry`` finds it, and brought up to date with the migrations first (a fresh database
then answers "no such gallery" rather than "no such table").

Exit codes: 0 the files are written; 1 the export cannot be made (the database does not
answer, it holds no such gallery, ``--out`` is not empty, a file cannot be written);
2 wrong arguments (argparse's, a bad date, ``--until`` not after ``--since``).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from dccrawl.cluster import cli as cluster_cli
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact
from dccrawl.export.exporter import ExportError, ExportRequest, UnknownGallery, check_output, export
from dccrawl.export.queries import Selection
from dccrawl.export.writers import FORMATS
from dccrawl.hints import dccrawl_command
from dccrawl.kst import midnight
from dccrawl.retry import crawl_database_url

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SHOWN_GALLERIES = 20
EXAMPLE = "export --gallery programming --format parquet --out programming/"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _error(message: str) -> None:
    _say(f"dccrawl export: {message}")


def _one_line(error: BaseException) -> str:
    """A database error in one line, its password hidden (libpq's messages span lines)."""
    return redact(" ".join(str(error).split()))


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` argument (a day in KST)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date YYYY-MM-DD") from None


def unknown_gallery_message(error: UnknownGallery) -> str:
    """What the database holds instead, with the closest id first when one is close."""
    if not error.held:
        return (
            f"the database holds no gallery yet, so not {error.gallery!r}: "
            f"crawl one first (scrapy crawl gallery -a gallery={error.gallery})"
        )
    close = difflib.get_close_matches(error.gallery, error.held, n=1)
    guess = f" Did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(error.held[:SHOWN_GALLERIES])
    left = len(error.held) - SHOWN_GALLERIES
    more = f" and {left} more" if left > 0 else ""
    return f"the database holds no gallery {error.gallery!r}.{guess} It holds: {shown}{more}"


def _prepare_database(overrides: dict[str, str]) -> str:
    """The database's URL, its schema brought up to date where this user may (an export
    with a read-only role still works on a database that is up to date)."""
    url = crawl_database_url(overrides)
    try:
        migrate(url)
    except psycopg.OperationalError:
        raise  # the database does not answer: the caller says so and stops
    except psycopg.Error as error:
        _error(f"could not bring {redact(url)} up to date ({_one_line(error)}); exporting as it is")
    return url


def cmd_export(args: argparse.Namespace) -> int:
    if args.since and args.until and args.until <= args.since:
        _error(f"--until {args.until} is not after --since {args.since}: no day is in between")
        return EXIT_USAGE
    try:
        overrides = cluster_cli.settings_pairs(args.setting)
    except cluster_cli.UsageError as error:
        _error(str(error))
        return EXIT_USAGE
    request = ExportRequest(
        selection=Selection(
            args.gallery,
            None if args.since is None else midnight(args.since),
            None if args.until is None else midnight(args.until),
        ),
        file_format=args.format,
        out=args.out,
        snapshots=args.snapshots,
        overwrite=args.overwrite,
    )
    try:
        check_output(request.out, overwrite=request.overwrite)  # before starting any server
        url = _prepare_database(overrides)
        export(url, request, say=_say)
    except UnknownGallery as error:
        _error(unknown_gallery_message(error))
        return EXIT_FAILED
    except ExportError as error:
        _error(str(error))
        return EXIT_FAILED
    except psycopg.OperationalError as error:
        _error(f"the database does not answer: {_one_line(error)}")
        return EXIT_FAILED
    except psycopg.Error as error:
        _error(f"the database failed: {_one_line(error)}")
        return EXIT_FAILED
    except OSError as error:  # the disk is full, the folder not writable
        _error(f"could not write the files: {error}")
        return EXIT_FAILED
    _say(f"export: done; read it as {reading_hint(request)}")
    return EXIT_OK


def reading_hint(request: ExportRequest) -> str:
    """Where a reader finds the files (a glob that pandas, polars and DuckDB take)."""
    pattern = "**/*.parquet" if request.file_format == "parquet" else f"*.{request.file_format}"
    return f"{request.out}/<table>/{pattern}"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``export`` to ``python -m dccrawl``."""
    p = subparsers.add_parser(
        "export",
        help="write a gallery's posts and comments as Parquet, CSV or JSON lines files",
        description="Write a gallery's posts and comments (and snapshots) under --out, "
        "one folder per table. Parquet is partitioned by gallery and KST month.",
        epilog="Example: " + dccrawl_command(EXAMPLE),
    )
    p.add_argument("--gallery", required=True, metavar="ID", help="the gallery id")
    p.add_argument(
        "--since",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help="only posts written that day (KST) or later, with their comments",
    )
    p.add_argument(
        "--until",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help="only posts written before that day (KST; the day itself excluded)",
    )
    p.add_argument("--format", required=True, choices=FORMATS, help="the files' format")
    p.add_argument("--out", required=True, type=Path, metavar="PATH", help="the folder to write")
    p.add_argument(
        "--snapshots", action="store_true", help="also the posts' count history (post_snapshots)"
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier export in --out (its table folders and export.json)",
    )
    cluster_cli.add_setting_option(p)
    p.set_defaults(handler=cmd_export)
