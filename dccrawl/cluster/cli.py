"""The scrapyd commands of ``python -m dccrawl``: nodes, schedule, watch, status, resume.

They run on any machine that reaches the scrapyd nodes and the PostgreSQL
database the nodes write to. The database is named like a crawl's:
``-s DATABASE_URL=...`` or the ``DATABASE_URL`` environment variable (the
embedded server is refused: nodes cannot reach its Unix socket). ``-s``
settings given to ``schedule`` are recorded with the shards and passed to every
job, except ``DATABASE_URL``, which is never written into the ledger: it is
passed to the jobs a command dispatches whenever that command is given it with
``-s`` (otherwise the nodes need ``DATABASE_URL`` in their own environment).

Exit codes: 0 done as asked; 1 a node or shard needs attention (the output
says which); 2 wrong arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from dccrawl.arguments import ArgumentError, GalleryArguments, parse_arguments
from dccrawl.cluster import ledger
from dccrawl.cluster.dispatch import DATABASE_URL, DispatchReport, dispatch_pending
from dccrawl.cluster.ledger import IN_FLIGHT, Shard
from dccrawl.cluster.nodes import (
    DEFAULT_TIMEOUT,
    JobList,
    NodeAddress,
    NodeError,
    NodeRefused,
    ScrapydNode,
    parse_node,
    parse_nodes,
)
from dccrawl.cluster.planning import (
    PASSED_ARGUMENTS,
    ShardPlan,
    pages_to_probe,
    plan_list,
    plan_posts,
)
from dccrawl.cluster.probe import ProbeError, SiteProbe, urllib_fetch
from dccrawl.cluster.reconcile import JobCheck, check_jobs, failed_shards
from dccrawl.cluster.report import progress_table, shard_table, summarize
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact
from dccrawl.project import project_settings
from dccrawl.site import urls

DEFAULT_PROJECT = "dccrawl"
SPIDER = "gallery"
# Default shard sizes: list pages (x list_num rows) or post numbers; about an
# hour or two per shard at the real site's polite pace.
DEFAULT_SHARD_SIZE = {"list": 50, "posts": 5000}


class UsageError(Exception):
    """Wrong arguments or setup; the message says what to change (exit code 2)."""


# --- shared option parsing --------------------------------------------------------------


def _pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """``NAME=VALUE`` options → a dict, with a clear error for anything else."""
    found: dict[str, str] = {}
    for value in values or ():
        name, sep, rest = value.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{option} {value!r}: expected NAME=VALUE")
        found[name.strip()] = rest
    return found


def settings_pairs(values: Sequence[str] | None) -> dict[str, str]:
    """The ``-s NAME=VALUE`` options of a command (``retry`` uses them too)."""
    return _pairs(values, "-s")


def _database_url(overrides: Mapping[str, str]) -> str:
    """The ledger database: ``-s DATABASE_URL``, the project setting, or the environment."""

    url = overrides.get(DATABASE_URL) or project_settings().get(DATABASE_URL)
    url = url or os.environ.get(DATABASE_URL)
    if not url:
        raise UsageError(
            "the scrapyd commands need the PostgreSQL database the nodes write to: "
            "-s DATABASE_URL=postgresql://user:password@host/db (or DATABASE_URL in the "
            "environment); the embedded server cannot be reached from other machines"
        )
    return str(url)


def _given_nodes(args: argparse.Namespace) -> list[NodeAddress]:
    if not getattr(args, "nodes", None):
        return []
    try:
        return parse_nodes(args.nodes, args.capacity)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _client(address: NodeAddress, args: argparse.Namespace) -> ScrapydNode:
    return ScrapydNode(address, timeout=args.timeout)


def _node_for(url: str, given: Sequence[NodeAddress], args: argparse.Namespace) -> ScrapydNode:
    """A client for a node the ledger names: the ``--nodes`` entry (its credentials) if any."""
    for address in given:
        if address.url == url:
            return _client(address, args)
    return _client(parse_node(url), args)


def _say(message: str) -> None:
    print(message, flush=True)


def _warn(message: str) -> None:
    print(f"dccrawl: {message}", file=sys.stderr, flush=True)


def _setup_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="dccrawl: %(message)s")


def _crawl_id(conn: psycopg.Connection[Any], args: argparse.Namespace) -> str:
    crawl_id = args.crawl or ledger.latest_crawl(conn)
    if crawl_id is None:
        raise UsageError("no crawl has been scheduled in this database yet")
    return str(crawl_id)


def _open_ledger(url: str) -> psycopg.Connection[Any]:
    migrate(url)  # the ledger table comes with the schema (migration 0002)
    return ledger.connect(url)


# --- job checks and dispatch rounds ------------------------------------------------------


def check_in_flight(
    shards: Sequence[Shard],
    given: Sequence[NodeAddress],
    args: argparse.Namespace,
    *,
    reassign_unreachable: bool = False,
) -> tuple[JobCheck, list[str]]:
    """Ask every node that should be running one of ``shards`` for its job list."""
    keys = sorted({(s.node, s.project) for s in shards if s.state in IN_FLIGHT and s.node})
    jobs: dict[tuple[str, str], JobList | None] = {}
    problems: list[str] = []
    for node_url, project in keys:
        assert node_url is not None
        try:
            jobs[(node_url, project)] = _node_for(node_url, given, args).list_jobs(project)
        except NodeError as error:
            jobs[(node_url, project)] = None
            problems.append(f"cannot check its jobs: {error}")
    return check_jobs(shards, jobs, reassign_unreachable=reassign_unreachable), problems


def _print_dispatch(report: DispatchReport) -> None:
    for shard, node, job_id in report.sent:
        _say(f"  shard {shard.shard_no} ({shard.describe_range()}) -> {node} as job {job_id}")
    for shard, node, job_id in report.uncertain:
        _warn(
            f"shard {shard.shard_no}: {node} did not confirm job {job_id}; "
            "`resume` will check whether it has it"
        )
    for problem in report.problems:
        _warn(problem)


def _dispatch(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    given: Sequence[NodeAddress],
    overrides: Mapping[str, str],
    args: argparse.Namespace,
) -> DispatchReport:
    if DATABASE_URL not in overrides:
        _warn(
            "jobs get no DATABASE_URL setting: each node needs DATABASE_URL (this database) "
            "in its environment"
        )
    nodes = [_client(address, args) for address in given]
    report = dispatch_pending(conn, crawl_id, nodes, overrides)
    _print_dispatch(report)
    return report


# --- nodes ---------------------------------------------------------------------------------


def cmd_nodes(args: argparse.Namespace) -> int:
    """One line per node: daemonstatus, capacity, free slots, and whether the project is there."""
    rows: list[str] = []
    unreachable = 0
    for address in _given_nodes(args):
        node = _client(address, args)
        try:
            status = node.daemon_status()
            projects = node.list_projects()
        except NodeError as error:
            unreachable += 1
            label = "REFUSED" if isinstance(error, NodeRefused) else "UNREACHABLE"
            rows.append(f"{address.url}  {label}  {error}")
            continue
        free = max(0, address.capacity - status.running - status.pending)
        deployed = "yes" if args.project in projects else "NO (run scrapyd-deploy)"
        rows.append(
            f"{address.url}  name={status.node_name}  running={status.running}  "
            f"pending={status.pending}  finished={status.finished}  "
            f"capacity={address.capacity}  free={free}  {args.project}: {deployed}"
        )
    for row in rows:
        _say(row)
    return 1 if unreachable else 0


# --- schedule ------------------------------------------------------------------------------


def _spider_arguments(args: argparse.Namespace) -> tuple[GalleryArguments, dict[str, str]]:
    """The crawl's arguments, checked by the spider's own rules; and those every job gets."""
    passed = _pairs(args.argument, "-a")
    refused = sorted(set(passed) - PASSED_ARGUMENTS)
    if refused:
        raise UsageError(
            f"-a {', '.join(refused)}: a sharded crawl passes only "
            f"{', '.join(sorted(PASSED_ARGUMENTS))} (use --pages/--posts for ranges)"
        )
    raw: dict[str, object] = {"gallery": args.gallery, **passed}
    if args.posts:
        raw["posts"] = args.posts
    else:
        raw["pages"] = args.pages or "1-"
    try:
        parsed = parse_arguments(raw)
    except ArgumentError as error:
        raise UsageError(str(error)) from None
    return parsed, {"gallery": parsed.gallery, **passed}


def _plan_list(
    parsed: GalleryArguments,
    base: dict[str, str],
    shard_size: int,
    settings: Mapping[str, str],
) -> list[ShardPlan]:
    """Read the list pages planning needs (kind, last page, boundary tops) and plan."""

    project = project_settings()
    project.setdict(dict(settings), priority="cmdline")
    probe = SiteProbe(
        gallery=parsed.gallery,
        base_url=project.get("DCCRAWL_BASE_URL") or urls.DEFAULT_BASE_URL,
        fetch=urllib_fetch(project.get("USER_AGENT"), project.getfloat("DOWNLOAD_TIMEOUT", 30)),
        list_num=parsed.list_num,
        delay=project.getfloat("DOWNLOAD_DELAY", 0.5),
    )
    kind = parsed.kind or probe.detect_kind()
    base = {**base, "kind": kind}
    assert parsed.pages is not None
    first = parsed.pages.first
    first_page = probe.list_page(kind, first)
    if not first_page.rows:
        raise ProbeError(f"list page {first} of {parsed.gallery} has no posts")
    gallery_last = max(first_page.last_page or first, first)
    last = min(parsed.pages.last or gallery_last, gallery_last)
    tops: dict[int, int | None] = {first: max(row.post_no for row in first_page.rows)}
    wanted = pages_to_probe(first, last, gallery_last, shard_size)
    _say(f"reading {len(wanted)} more list page(s) of {parsed.gallery} to plan the shards")
    for page in wanted:
        if page not in tops:
            tops[page] = probe.top_post(kind, page)
    return plan_list(
        first_page=first,
        last_page=last,
        gallery_last_page=gallery_last,
        shard_size=shard_size,
        tops=tops,
        list_num=parsed.list_num,
        base=base,
    )


def cmd_schedule(args: argparse.Namespace) -> int:
    """Plan the shards, record them, and send what fits to the nodes."""
    overrides = _pairs(args.setting, "-s")
    url = _database_url(overrides)
    given = _given_nodes(args)
    parsed, base = _spider_arguments(args)
    mode = parsed.mode
    if mode == "refresh":
        raise UsageError(
            "a refresh crawl is not split into shards (each one reads the list from page 1 "
            "down to its horizon): run it as one job, e.g. python -m dccrawl follow --nodes ..."
        )
    shard_size = args.shard_size or DEFAULT_SHARD_SIZE[mode]
    if shard_size < 1:
        raise UsageError("--shard-size must be at least 1")
    if mode == "posts":
        assert parsed.posts is not None and parsed.posts.last is not None
        plans = plan_posts(parsed.posts.first, parsed.posts.last, shard_size, base)
    else:
        try:
            plans = _plan_list(parsed, base, shard_size, overrides)
        except (ProbeError, ValueError) as error:
            _warn(f"cannot plan the list shards: {error}")
            return 1
    crawl_id, report = _record_and_dispatch(
        url,
        parsed.gallery,
        plans,
        given=given,
        overrides=overrides,
        args=args,
        what=f"{mode} shard(s)",
    )
    if report.waiting:
        _say(
            f"{report.waiting} shard(s) wait for a free node: "
            f"`python -m dccrawl watch --crawl {crawl_id} --nodes ...` sends them as nodes free up"
        )
    return 1 if not report.sent and not report.uncertain and report.problems else 0


def _record_and_dispatch(
    url: str,
    gallery: str,
    plans: Sequence[ShardPlan],
    *,
    given: Sequence[NodeAddress],
    overrides: Mapping[str, str],
    args: argparse.Namespace,
    what: str,
    tag: str = "",
) -> tuple[str, DispatchReport]:
    """Record a new crawl's shards (``DATABASE_URL`` never among their settings) and send
    what fits to the nodes; its id (``<gallery>-[<tag>-]<UTC time>-<4 hex>``) and the
    dispatch report. ``what`` names the shards in the one line printed."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    crawl_id = "-".join(part for part in (gallery, tag, stamp, secrets.token_hex(2)) if part)
    recorded = {k: v for k, v in overrides.items() if k != DATABASE_URL}
    with _open_ledger(url) as conn:
        shards = ledger.create_crawl(
            conn,
            crawl_id=crawl_id,
            gallery_id=gallery,
            project=args.project,
            spider=SPIDER,
            settings=recorded,
            plans=plans,
        )
        _say(f"crawl {crawl_id}: {len(shards)} {what} of {gallery} in {redact(url)}")
        with ledger.dispatch_lock(conn):
            report = _dispatch(conn, crawl_id, given, overrides, args)
    return crawl_id, report


# --- status and watch -----------------------------------------------------------------------


def _round(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    given: Sequence[NodeAddress],
    overrides: Mapping[str, str],
    args: argparse.Namespace,
    *,
    dispatch: bool,
) -> tuple[list[Shard], JobCheck, list[str]]:
    """One look at a crawl (and, with ``dispatch``, one dispatch round), under the lock."""
    with ledger.dispatch_lock(conn):
        if dispatch:
            nodes = [_client(address, args) for address in given]
            report = dispatch_pending(conn, crawl_id, nodes, overrides)
            _print_dispatch(report)
        shards = ledger.shards(conn, crawl_id)
        check, problems = check_in_flight(shards, given, args)
    return shards, check, problems


def _show(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    shards: Sequence[Shard],
    check: JobCheck,
    *,
    per_shard: bool,
) -> bool:
    lost = {item.shard.shard_id for item in check.lost}
    progress = summarize(shards, ledger.database_now(conn), lost)
    _say(progress_table(crawl_id, shards, progress))
    if per_shard:
        _say(shard_table(shards, lost))
    return progress.done


def cmd_status(args: argparse.Namespace) -> int:
    """The progress table once (with ``--shards``, every shard)."""
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)  # only their credentials are used: status sends nothing
    with _open_ledger(_database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        shards, check, problems = _round(conn, crawl_id, given, overrides, args, dispatch=False)
        for problem in problems:
            _warn(problem)
        done = _show(conn, crawl_id, shards, check, per_shard=args.shards)
    return 0 if done else 1


def cmd_watch(args: argparse.Namespace) -> int:
    """The progress table, refreshed until no shard is waiting or running.

    With ``--nodes`` each refresh also sends waiting shards to nodes with free capacity.
    """
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)
    if given and DATABASE_URL not in overrides:
        _warn("jobs get no DATABASE_URL setting: each node needs DATABASE_URL in its environment")
    clear = sys.stdout.isatty()
    with _open_ledger(_database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        while True:
            if clear:
                print("\033[H\033[J", end="")
            shards, check, problems = _round(
                conn, crawl_id, given, overrides, args, dispatch=bool(given)
            )
            done = _show(conn, crawl_id, shards, check, per_shard=args.shards)
            for problem in problems:
                _warn(problem)
            waiting = sum(1 for s in shards if s.state == "pending")
            active = len(check.alive) + len(check.unknown) + (waiting if given else 0)
            if active == 0:
                break
            _say("")
            time.sleep(args.interval)
    if waiting and not given:
        _warn(f"{waiting} shard(s) wait for a node: run watch or resume with --nodes")
    return 0 if done else 1


# --- resume ---------------------------------------------------------------------------------


def cmd_resume(args: argparse.Namespace) -> int:
    """Requeue failed shards and shards whose job vanished, then dispatch what waits."""
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)
    with _open_ledger(_database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        with ledger.dispatch_lock(conn):
            shards = ledger.shards(conn, crawl_id)
            check, problems = check_in_flight(
                shards, given, args, reassign_unreachable=args.reassign_unreachable
            )
            for problem in problems:
                _warn(problem)
            for shard in check.unknown:
                _warn(
                    f"shard {shard.shard_no} left as it is: its node {shard.node} does not "
                    "answer (--reassign-unreachable runs it elsewhere)"
                )
            requeued = 0
            for item in [*failed_shards(shards), *check.lost]:
                if ledger.requeue(conn, item.shard, item.why):
                    requeued += 1
                    _say(f"shard {item.shard.shard_no} ({item.shard.describe_range()}): {item.why}")
            _say(f"crawl {crawl_id}: {requeued} shard(s) to run again")
            report = _dispatch(conn, crawl_id, given, overrides, args)
        shards = ledger.shards(conn, crawl_id)
        check, _problems = check_in_flight(shards, given, args)
        _show(conn, crawl_id, shards, check, per_shard=False)
    if report.waiting:
        _say(
            f"{report.waiting} shard(s) wait for a free node: "
            f"`python -m dccrawl watch --crawl {crawl_id} --nodes ...` sends them"
        )
    return 1 if report.problems and not report.sent else 0


# --- retry on nodes (python -m dccrawl retry --nodes) -----------------------------------------


def retry_on_nodes(
    args: argparse.Namespace,
    gallery: str,
    plans: Sequence[tuple[Mapping[str, str], int]],
    overrides: Mapping[str, str],
) -> int:
    """Schedule one retry job per set of crawl arguments (``plans``: arguments, pages) as
    a sharded crawl, and watch it to its end (the exit code of ``watch``)."""
    url = _database_url(overrides)
    given = _given_nodes(args)
    shard_plans = [
        ShardPlan(
            shard_no=number,
            mode="posts" if "posts" in arguments else "list",
            arguments={**arguments, "retry": "1"},
            expected_posts=pages,
        )
        for number, (arguments, pages) in enumerate(plans, 1)
    ]
    crawl_id, _report = _record_and_dispatch(
        url,
        gallery,
        shard_plans,
        given=given,
        overrides=overrides,
        args=args,
        what="retry job(s)",
        tag="retry",
    )
    watch = argparse.Namespace(**{**vars(args), "crawl": crawl_id, "shards": False})
    return cmd_watch(watch)


def add_node_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that may run its crawls on scrapyd nodes (``retry``)."""
    parser.add_argument(
        "--nodes",
        metavar="URL[,URL...]",
        help="run the crawls on these scrapyd nodes (default: here, one after the other)",
    )
    parser.add_argument(
        "--capacity", default="1", metavar="N[,N...]", help="with --nodes: jobs per node"
    )
    parser.add_argument("--project", default=DEFAULT_PROJECT, help="scrapyd project")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for a node's answer (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--interval", type=float, default=5.0, help="with --nodes: seconds between checks"
    )


# --- registration -------------------------------------------------------------------------------


def _handler(command: Any) -> Any:
    """Wrap a command: usage errors and unreachable databases become one line and an exit code."""

    def run(args: argparse.Namespace) -> int:
        _setup_logging()
        try:
            return int(command(args))
        except UsageError as error:
            _warn(f"error: {error}")
            return 2
        except psycopg.OperationalError as error:
            _warn(f"error: the database does not answer: {redact(str(error))}")
            return 1
        except KeyboardInterrupt:
            _warn("interrupted; the ledger and the nodes keep their state")
            return 130

    return run


def _common(parser: argparse.ArgumentParser, *, nodes: str | None) -> None:
    if nodes is not None:
        parser.add_argument(
            "--nodes",
            required=nodes == "required",
            metavar="URL[,URL...]",
            help="scrapyd nodes, e.g. http://10.0.0.2:6800 (user:password@ for basic auth, "
            "else ~/.netrc)",
        )
        parser.add_argument(
            "--capacity",
            default="1",
            metavar="N[,N...]",
            help="jobs each node may run at once (its max_proc), for all nodes or one per node "
            "(default 1)",
        )
    parser.add_argument(
        "-s",
        dest="setting",
        action="append",
        metavar="NAME=VALUE",
        help="a Scrapy setting (repeatable), as scrapy crawl -s; DATABASE_URL also names the "
        "ledger database",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to wait for a node's answer (default {DEFAULT_TIMEOUT:g})",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the scrapyd commands to ``python -m dccrawl``."""
    p = subparsers.add_parser("nodes", help="each scrapyd node's status and free capacity")
    _common(p, nodes="required")
    p.add_argument("--project", default=DEFAULT_PROJECT, help="scrapyd project (default dccrawl)")
    p.set_defaults(handler=_handler(cmd_nodes))

    p = subparsers.add_parser(
        "schedule", help="split a gallery crawl into shards and dispatch them to scrapyd nodes"
    )
    p.add_argument("--gallery", required=True, help="the gallery id")
    ranges = p.add_mutually_exclusive_group()
    ranges.add_argument(
        "--pages", metavar="A-B", help="list mode: list pages A..B (A-: to the end)"
    )
    ranges.add_argument("--posts", metavar="A-B", help="backfill mode: post numbers A..B")
    p.add_argument(
        "--shard-size",
        type=int,
        metavar="N",
        help="list pages (list mode, default 50) or post numbers (backfill, default 5000) "
        "per shard",
    )
    p.add_argument(
        "-a",
        dest="argument",
        action="append",
        metavar="NAME=VALUE",
        help="a spider argument for every job: kind, comments, list_num or render",
    )
    p.add_argument("--project", default=DEFAULT_PROJECT, help="scrapyd project (default dccrawl)")
    _common(p, nodes="required")
    p.set_defaults(handler=_handler(cmd_schedule))

    for name, help_text, function in (
        ("status", "a sharded crawl's progress table, once", cmd_status),
        ("watch", "a sharded crawl's live progress table, until it ends", cmd_watch),
    ):
        p = subparsers.add_parser(name, help=help_text)
        p.add_argument("--crawl", metavar="ID", help="the crawl (default: the latest)")
        p.add_argument("--shards", action="store_true", help="also list every shard")
        if name == "watch":
            p.add_argument(
                "--interval", type=float, default=5.0, help="seconds between refreshes (default 5)"
            )
        _common(p, nodes="optional")
        p.set_defaults(handler=_handler(function))

    p = subparsers.add_parser(
        "resume", help="run again the shards whose job failed, was cancelled or vanished"
    )
    p.add_argument("--crawl", metavar="ID", help="the crawl (default: the latest)")
    p.add_argument(
        "--reassign-unreachable",
        action="store_true",
        help="also run elsewhere the shards of nodes that do not answer",
    )
    _common(p, nodes="required")
    p.set_defaults(handler=_handler(cmd_resume))
