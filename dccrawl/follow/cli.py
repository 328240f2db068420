"""``python -m dccrawl follow --gallery ID[,ID...] --every 10m --horizon 3d``: keep galleries fresh.

Every ``--every`` (``30s``, ``10m``, ``1h``, ``1h30m``; from the start of one cycle to
the start of the next) each gallery gets a refresh cycle: ``scrapy crawl gallery -a
gallery=ID -a refresh=HORIZON -a cycle=N``, which reads the list down to the horizon
(``3d``, ``48h``, ``90m`` or a post number) and fetches only what changed. Locally the
crawl is a subprocess (its log on the terminal, or in ``--log-dir``; its database the
one a crawl would use: ``-s DATABASE_URL``, the environment, else the embedded server).
With ``--nodes`` it is a job on the scrapyd node with the most free slots, given the
same ``-s`` settings and ``DATABASE_URL`` = follow's database without its password (as
``schedule`` does: the nodes supply the password, ``dccrawl/db/connect.py``).

Standard output gets one line per cycle and nothing else (``report.py``): ``follow prog
#3 ok: 5 new, 41 changed, 2 deleted, 63 requests, 12.4s``. Everything else (skips,
late cycles, problems) goes to standard error.

The state is in PostgreSQL, in ``follow_cycles`` (migration 0006): one row per cycle,
which the crawl fills in itself (``dccrawl/extensions/cycle.py``). A restarted follow
numbers its cycles on from the last one. A gallery's cycles never overlap: one follow
runs them one after the other, and a PostgreSQL advisory lock per gallery keeps a
second follow (on this machine or another) from starting one meanwhile: it says so and
skips that cycle. A row left ``running`` by a follow that was killed is marked
``abandoned`` by the next cycle of its gallery.

A cycle that fails is printed with its exit code and reason, and the next one runs at
its time. Ctrl-C or SIGTERM stops cleanly: no new cycle starts; a local crawl gets the
signal (once: it shuts down gracefully and writes what it holds), a scrapyd job is
cancelled (scrapyd sends it SIGINT: the same graceful shutdown) and waited for; the
cycle is recorded ``stopped`` (or ``ok``, if its crawl finished anyway). A second
signal forces the local crawl to stop and stops waiting for a job. Under systemd, use
``KillMode=mixed``: the crawl would otherwise get SIGTERM twice (systemd's and the
forwarded one), and Scrapy takes a second signal as "stop now". A follow killed outright
(SIGKILL, a lost machine) leaves its crawl or job to run to its end: the next follow
marks the cycle ``abandoned``, and the crawl's own report replaces that when it comes.

Exit codes: 0 stopped by a signal, or ``--cycles`` done without a failed cycle; 1 a
cycle failed (``--cycles``) or the database cannot be used; 2 wrong arguments.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg

from dccrawl.arguments import ArgumentError, parse_arguments, parse_horizon
from dccrawl.cluster import cli as cluster_cli
from dccrawl.cluster.dispatch import DATABASE_URL
from dccrawl.cluster.nodes import ScrapydNode, parse_nodes
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact, without_password
from dccrawl.follow.loop import BeforeCycle, Follower, Plan
from dccrawl.follow.runners import LocalRunner, NodeRunner, Runner
from dccrawl.retry import crawl_database_url

EXIT_FAILED, EXIT_USAGE = 1, 2
_EVERY = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class UsageError(Exception):
    """Wrong arguments; the message says what to change (exit code 2)."""


def parse_every(text: str) -> float:
    """``--every`` in seconds: ``30s``, ``10m``, ``1h``, ``1d`` or a sum such as ``1h30m``
    (``0s``: one cycle right after the other)."""
    value = text.strip().lower()
    parts = _EVERY.findall(value)
    if not value or "".join(a + u for a, u in parts) != value:
        raise UsageError(
            f"--every {text!r}: expected a time such as 30s, 10m, 1h or 1h30m "
            "(a number needs its unit)"
        )
    return sum(float(amount) * _UNIT_SECONDS[unit] for amount, unit in parts)


def parse_galleries(text: str, horizon: str) -> tuple[str, ...]:
    """``--gallery ID[,ID...]``, each checked with the horizon by the spider's own rules."""
    galleries = tuple(part.strip() for part in text.split(",") if part.strip())
    if not galleries:
        raise UsageError("--gallery names no gallery")
    twice = sorted({g for g in galleries if galleries.count(g) > 1})
    if twice:
        raise UsageError(f"--gallery names {', '.join(twice)} more than once")
    try:
        parse_horizon(horizon, "--horizon")
        for gallery in galleries:
            parse_arguments({"gallery": gallery, "refresh": horizon})
    except ArgumentError as error:
        raise UsageError(str(error)) from None
    return galleries


def _warn(message: str) -> None:
    print(f"dccrawl follow: {message}", file=sys.stderr, flush=True)


def _runner(args: argparse.Namespace, overrides: Mapping[str, str], url: str) -> Runner:
    if not args.nodes:
        if args.log_dir is not None:
            args.log_dir.mkdir(parents=True, exist_ok=True)
        return LocalRunner(overrides, args.log_dir)
    try:
        addresses = parse_nodes(args.nodes, args.capacity)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.log_dir is not None:
        raise UsageError("--log-dir is for local crawls: a job's log is on its node")
    return NodeRunner(
        [ScrapydNode(address, timeout=args.timeout) for address in addresses],
        project=args.project,
        # The follow's own database, without its password: the nodes supply it.
        overrides={**overrides, DATABASE_URL: without_password(url)},
        interval=args.interval,
        warn=_warn,
    )


def _plan(args: argparse.Namespace) -> tuple[Plan, Runner]:
    overrides = cluster_cli.settings_pairs(args.setting)
    every = parse_every(args.every)
    galleries = parse_galleries(args.gallery, args.horizon)
    if args.cycles is not None and args.cycles < 1:
        raise UsageError("--cycles must be at least 1")
    url = cluster_cli.database_url(overrides) if args.nodes else crawl_database_url(overrides)
    runner = _runner(args, overrides, url)
    plan = Plan(
        galleries=galleries,
        horizon=args.horizon.strip(),
        every=every,
        every_text=args.every,
        cycles=args.cycles,
        database_url=url,
    )
    return plan, runner


def cmd_follow(args: argparse.Namespace, *, before_cycle: BeforeCycle | None = None) -> int:
    """Follow the galleries (``before_cycle``: a hook for tests, see ``loop.Follower``)."""
    try:
        plan, runner = _plan(args)
    except (UsageError, cluster_cli.UsageError) as error:
        _warn(f"error: {error}")
        return EXIT_USAGE
    try:
        migrate(plan.database_url)  # follow_cycles comes with the schema (migration 0006)
    except psycopg.OperationalError as error:
        _warn(f"error: the database does not answer: {redact(str(error))}")
        return EXIT_FAILED
    rounds = f"{plan.cycles} cycle(s)" if plan.cycles else "until stopped (Ctrl-C)"
    _warn(
        f"following {', '.join(plan.galleries)} every {args.every} down to {plan.horizon}, "
        f"{rounds}; {runner.describe()}; database {redact(plan.database_url)}"
    )
    return Follower(plan, runner, before_cycle=before_cycle).run()


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``follow`` to ``python -m dccrawl``."""
    p = subparsers.add_parser(
        "follow", help="refresh galleries every interval, here or on scrapyd nodes"
    )
    p.add_argument("--gallery", required=True, metavar="ID[,ID...]", help="the gallery ids")
    p.add_argument(
        "--every",
        required=True,
        metavar="TIME",
        help="from the start of one cycle of a gallery to the next: 30s, 10m, 1h, 1h30m",
    )
    p.add_argument(
        "--horizon",
        required=True,
        metavar="AGE|POST_NO",
        help="how far down the list each cycle reads: 7d, 48h, 90m or a post number",
    )
    p.add_argument(
        "--cycles",
        type=int,
        metavar="N",
        help="stop after N cycles of each gallery (run or skipped); default: until stopped",
    )
    p.add_argument(
        "--log-dir",
        type=Path,
        metavar="DIR",
        help="local crawls: each cycle's log in DIR/follow-ID-N.log (default: the terminal)",
    )
    p.add_argument(
        "-s",
        dest="setting",
        action="append",
        metavar="NAME=VALUE",
        help="a Scrapy setting for the crawls (repeatable); DATABASE_URL names the database",
    )
    cluster_cli.add_node_options(p)
    p.set_defaults(handler=cmd_follow)
