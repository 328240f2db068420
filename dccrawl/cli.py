"""``python -m dccrawl COMMAND``: a small dispatcher over command groups.

Each group is a module with ``register(subparsers)``, which adds its commands and
gives each a ``handler(args) -> int`` (the exit code) through ``set_defaults``.
A command that passes unknown arguments on to another program (``psql``) also
sets ``passthrough=True`` and finds them in ``args.extra``.
Adding a group (``demo``, the scrapyd ``nodes/schedule/...`` commands, ``follow``) is one line
in ``COMMAND_GROUPS``; this module knows nothing about what the commands do. The
groups read settings through ``dccrawl/project.py``, never through this module.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from types import ModuleType

from dccrawl import demo, retry
from dccrawl.cluster import cli as cluster_cli
from dccrawl.cluster import deploy
from dccrawl.db import cli as db_cli
from dccrawl.export import cli as export_cli
from dccrawl.follow import cli as follow_cli
from dccrawl.report import cli as report_cli

COMMAND_GROUPS: tuple[ModuleType, ...] = (
    db_cli,
    demo,
    cluster_cli,
    deploy,
    retry,
    follow_cli,
    export_cli,
    report_cli,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dccrawl", description="dccrawl's command line (besides scrapy crawl)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    return int(args.handler(args) or 0)
