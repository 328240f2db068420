"""``python -m dccrawl COMMAND``: a small dispatcher over command groups.

Each group is a module with ``register(subparsers)``, which adds its commands and
gives each a ``handler(args) -> int`` (the exit code) through ``set_defaults``.
A command that passes unknown arguments on to another program (``psql``) also
sets ``passthrough=True`` and finds them in ``args.extra``.
Adding a group (``demo``, the scrapyd ``nodes/schedule/...`` commands) is one line
in ``COMMAND_GROUPS``; this module knows nothing about what the commands do.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

COMMAND_GROUPS: tuple[str, ...] = ("dccrawl.db.cli", "dccrawl.demo", "dccrawl.cluster.cli")
SETTINGS_MODULE = "dccrawl.settings"


def project_settings() -> Settings:
    """The Scrapy settings a crawl would see (scrapy.cfg / SCRAPY_SETTINGS_MODULE),
    falling back to ``dccrawl.settings`` when run outside a project folder."""
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "dccrawl":
        settings.setmodule(SETTINGS_MODULE, priority="project")
    return settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dccrawl", description="dccrawl's command line (besides scrapy crawl)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_GROUPS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    return int(args.handler(args) or 0)
