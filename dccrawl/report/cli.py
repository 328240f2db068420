"""``python -m dccrawl report --gallery ID``: one self-contained HTML report of a crawled gallery.

    python -m dccrawl report --gallery programming --out report.html \\
        [--since 2026-11-01] [--until 2026-12-01] [--top 20] [-s DATABASE_URL=...]

The database is the one a crawl would use (``-s DATABASE_URL``, the project setting, the
environment, else the embedded server: ``dccrawl.retry.crawl_database_url``). The report
only reads (a read-only transaction): it never migrates or writes, so it can run with a
read-only role beside running crawls. ``--since``/``--until`` are KST days, ``--until``
excluded as in ``export`` and the README's queries (``period.py``).

It prints where it wrote the file and its size. Exit codes: 0 written; 1 the gallery is
not in the database (the line names those it holds), the database cannot be used, or
the file cannot be written; 2 wrong arguments.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from dccrawl.arguments import ArgumentError, parse_arguments
from dccrawl.cluster import cli as cluster_cli
from dccrawl.db import reading
from dccrawl.db.redact import redact
from dccrawl.hints import dccrawl_command
from dccrawl.kst import KST
from dccrawl.report import charts, page, queries
from dccrawl.report.data import Report
from dccrawl.report.period import Period, parse_day
from dccrawl.retry import crawl_database_url

EXIT_WRITTEN, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_TOP = 20


class ReportError(Exception):
    """Why no report was written, in one line (exit 1)."""


def _fail(message: str, code: int) -> int:
    print(f"dccrawl report: {message}", file=sys.stderr)
    return code


def _size(size: int) -> str:
    return f"{size / 1000:,.1f} kB" if size >= 1000 else f"{size} bytes"


def read_report(url: str, gallery: str, period: Period, top: int) -> Report:
    """Everything the report shows, from the database at ``url``."""
    database = redact(url)
    try:
        with reading.snapshot(url) as conn:
            if not reading.holds_gallery(conn, gallery):
                held = ", ".join(reading.held_galleries(conn)) or "none yet"
                raise ReportError(
                    f"no post or comment of gallery {gallery!r} in {database}; "
                    f"the galleries it holds: {held}"
                )
            return queries.collect(
                conn,
                gallery,
                period,
                top=top,
                generated_at=datetime.now(KST),
                database=database,
            )
    except psycopg.errors.UndefinedTable as error:
        raise ReportError(
            f"{database} has no dccrawl tables ({error.diag.message_primary}): "
            "no crawl has written to it yet"
        ) from None
    except psycopg.errors.UndefinedColumn as error:
        raise ReportError(
            f"the schema of {database} is older than this dccrawl "
            f"({error.diag.message_primary}): run `{dccrawl_command('migrate')}` first"
        ) from None
    except psycopg.OperationalError as error:
        answer = redact(str(error)).strip().replace("\n", " ")
        raise ReportError(f"the database does not answer: {answer}") from None


def cmd_report(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        overrides = cluster_cli.settings_pairs(args.setting)
        parse_arguments({"gallery": args.gallery})
        period = Period(args.since, args.until)
        if args.top < 1:
            raise ValueError(f"--top {args.top}: at least 1")
    except (ArgumentError, ValueError, cluster_cli.UsageError) as error:
        return _fail(str(error), EXIT_USAGE)
    out = Path(args.out or f"report-{args.gallery}.html")
    try:
        report = read_report(crawl_database_url(overrides), args.gallery, period, args.top)
    except ReportError as error:
        return _fail(str(error), EXIT_FAILED)
    html = page.render(report, charts.draw_all(report))
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as error:
        return _fail(f"cannot write {out}: {error.strerror or error}", EXIT_FAILED)
    days = report.activity
    span = f"{days.first_day} – {days.last_day}" if days.first_day else "no post in the period"
    print(
        f"wrote {out.resolve()} ({_size(out.stat().st_size)}) in "
        f"{time.monotonic() - started:.1f} s: {report.gallery}, {span}, "
        f"{report.writers.posts:,} posts, {report.writers.comments:,} comments"
    )
    return EXIT_WRITTEN


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``report`` to ``python -m dccrawl``."""
    p = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report (charts and tables) of a crawled gallery",
    )
    p.add_argument("--gallery", required=True, help="the gallery id")
    p.add_argument(
        "--out", metavar="FILE", help="the HTML file to write (default: report-GALLERY.html)"
    )
    p.add_argument(
        "--since", type=parse_day, metavar="YYYY-MM-DD", help="first KST day (default: the first)"
    )
    p.add_argument(
        "--until",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help="the KST day after the last one (excluded, as in export; default: open)",
    )
    p.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        metavar="N",
        help=f"rows of the most-commented and most-recommended tables (default {DEFAULT_TOP})",
    )
    cluster_cli.add_setting_option(p)
    p.set_defaults(handler=cmd_report)
