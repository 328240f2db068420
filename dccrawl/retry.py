"""``python -m dccrawl retry --gallery ID``: fetch again what the failure ledger holds.

Every page a crawl gives up (after all its retries, while the site was not blocking)
and every page a block left unfetched is a row of ``crawl_failures``
(``dccrawl/db/failures.py``). This command reruns, for each set of spider arguments
that lost pages of the gallery, the same crawl with ``-a retry=1``: the spider then
starts from those pages instead of the first list page (``spiders/gallery.py``).
A page read clears its row. The command exits 0 only when the gallery's ledger is
empty afterwards; otherwise it lists what is left (3), or says which crawl failed (1).

Locally each crawl is ``scrapy crawl gallery`` in a subprocess (its log on the
terminal, its database the one a crawl would use: ``-s DATABASE_URL``, the
environment, else the embedded server). With ``--nodes`` the crawls are scheduled on
scrapyd nodes as one sharded crawl (``dccrawl/cluster``), watched to their end.

Exit codes: 0 the ledger is empty; 1 a crawl failed or the database cannot be used;
2 wrong arguments; 3 pages are still in the ledger.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from dccrawl.arguments import ArgumentError, parse_arguments
from dccrawl.cluster import cli as cluster_cli
from dccrawl.db.connect import resolve_database
from dccrawl.db.failures import FailureGroup, failure_groups, failures
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact
from dccrawl.hints import dccrawl_command
from dccrawl.project import SETTINGS_MODULE, project_settings

EXIT_EMPTY, EXIT_FAILED, EXIT_USAGE, EXIT_LEFT = 0, 1, 2, 3
SHOWN_ROWS = 20  # rows of a gallery's ledger printed at most


def _say(message: str) -> None:
    print(message, flush=True)


def crawl_database_url(overrides: Mapping[str, str]) -> str:
    """The database a local crawl would use (``-s DATABASE_URL``, the project setting, the
    environment, else the embedded server, started if need be)."""
    settings = project_settings()
    settings.setdict(dict(overrides), priority="cmdline")
    return resolve_database(settings).url


def _groups(url: str, gallery: str) -> list[FailureGroup]:
    with psycopg.connect(url) as conn:
        return failure_groups(conn, gallery)


def _show_left(url: str, gallery: str) -> None:
    with psycopg.connect(url) as conn:
        rows = failures(conn, gallery)
    _say(f"{len(rows)} page(s) of {gallery} are in the failure ledger:")
    for row in rows[:SHOWN_ROWS]:
        _say(
            f"  {row.page_kind:8} {row.path}  ({row.reason}; given up {row.attempts} time(s), "
            f"last {row.last_seen_at:%Y-%m-%d %H:%M})"
        )
    if len(rows) > SHOWN_ROWS:
        _say(f"  ... and {len(rows) - SHOWN_ROWS} more (all are rows of crawl_failures)")


def _shown(arguments: Mapping[str, str], separator: str = " ") -> str:
    """Spider arguments as a user writes them: the gallery first, then the rest by name
    (PostgreSQL's jsonb keeps its own key order)."""
    ordered = sorted(arguments.items(), key=lambda item: (item[0] != "gallery", item[0]))
    return separator.join(f"{name}={value}" for name, value in ordered)


def crawl_command(arguments: Mapping[str, str], overrides: Mapping[str, str]) -> list[str]:
    """The ``scrapy crawl`` command that retries one group's pages."""
    command = [sys.executable, "-m", "scrapy", "crawl", "gallery"]
    for name, value in {**arguments, "retry": "1"}.items():
        command += ["-a", f"{name}={value}"]
    for name, value in overrides.items():
        command += ["-s", f"{name}={value}"]
    return command


def _crawl_locally(groups: Sequence[FailureGroup], overrides: Mapping[str, str]) -> int:
    """Run each group's retry crawl in turn; the worst exit code of them."""
    env = dict(os.environ)
    env.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)  # runs outside the project folder
    worst = 0
    for number, group in enumerate(groups, 1):
        shown = _shown(group.arguments, " -a ")
        _say(f"\n[{number}/{len(groups)}] scrapy crawl gallery -a {shown} -a retry=1")
        code = subprocess.call(crawl_command(group.arguments, overrides), env=env)
        worst = max(worst, code)
    return worst


def cmd_retry(args: argparse.Namespace) -> int:
    try:
        overrides = cluster_cli.settings_pairs(args.setting)
        parse_arguments({"gallery": args.gallery})
    except (ArgumentError, cluster_cli.UsageError) as error:
        print(f"dccrawl retry: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        url = crawl_database_url(overrides)
        migrate(url)
        groups = _groups(url, args.gallery)
    except psycopg.OperationalError as error:
        print(f"dccrawl retry: the database does not answer: {redact(str(error))}", file=sys.stderr)
        return EXIT_FAILED
    if not groups:
        _say(f"The failure ledger holds no page of {args.gallery}: nothing to retry.")
        return EXIT_EMPTY
    _say(f"The failure ledger holds pages of {args.gallery} lost by {len(groups)} crawl(s):")
    for group in groups:
        _say(f"  {_shown(group.arguments)}: {group.describe()}")
    if args.dry_run:
        return EXIT_LEFT
    if args.nodes:
        plans = [(g.arguments, g.pages) for g in groups]
        try:
            code = cluster_cli.retry_on_nodes(args, args.gallery, plans, overrides)
        except cluster_cli.UsageError as error:
            print(f"dccrawl retry: {error}", file=sys.stderr)
            return EXIT_USAGE
    else:
        code = _crawl_locally(groups, overrides)
    left = _groups(url, args.gallery)
    if not left:
        _say(f"\nThe failure ledger of {args.gallery} is empty: every page was read.")
        return EXIT_EMPTY
    _show_left(url, args.gallery)
    if code == 1:
        _say("A retry crawl failed (exit 1): its log says why.")
        return EXIT_FAILED
    _say(f"Run `{dccrawl_command(f'retry --gallery {args.gallery}')}` again later.")
    return EXIT_LEFT


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``retry`` to ``python -m dccrawl``."""
    p = subparsers.add_parser(
        "retry", help="fetch again the pages of a gallery the failure ledger holds"
    )
    p.add_argument("--gallery", required=True, help="the gallery id")
    p.add_argument(
        "--dry-run", action="store_true", help="only show what the ledger holds (exit 3 if any)"
    )
    p.add_argument(
        "-s",
        dest="setting",
        action="append",
        metavar="NAME=VALUE",
        help="a Scrapy setting for the retry crawls (repeatable); DATABASE_URL names the database",
    )
    cluster_cli.add_node_options(p)
    p.set_defaults(handler=cmd_retry)
