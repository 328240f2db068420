"""The scrapyd commands of ``python -m dccrawl``: nodes, schedule, watch, status, resume,
cancel, logs.

They run on any machine that reaches the scrapyd nodes and the PostgreSQL
database the nodes write to: the ledger's. It is named like a crawl's: the
``DATABASE_URL`` environment variable (or ``-s DATABASE_URL=...``, which shows in
``ps`` on this machine); the embedded server is refused (nodes cannot reach its Unix
socket). ``-s`` settings given to ``schedule`` are recorded with the shards and passed
to every job. Every job any command dispatches gets ``DATABASE_URL`` = the ledger's
database *without its password* (``dispatch.job_settings``): jobs always write where
their crawl's ledger is, and carry no secret; each node supplies the password itself
(its own ``DATABASE_URL`` for the same database and user, ``~/.pgpass`` or
``PGPASSWORD``: ``deploy/README.md``). A job also carries its crawl's id, and refuses to
run where its database does not hold its shard of that crawl
(``dccrawl/extensions/shard.py``).

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
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from dccrawl.arguments import ArgumentError, GalleryArguments, parse_arguments
from dccrawl.cluster import healing, ledger, operations
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
    PLANNED_ARGUMENTS,
    ShardPlan,
    above,
    pages_to_probe,
    plan_list,
    plan_posts,
)
from dccrawl.cluster.probe import ProbeError, SiteProbe, urllib_fetch
from dccrawl.cluster.reconcile import JobCheck, check_jobs, failed_shards
from dccrawl.cluster.report import progress_table, shard_table, summarize
from dccrawl.db.migrate import migrate
from dccrawl.db.redact import redact
from dccrawl.hints import dccrawl_command
from dccrawl.project import project_settings
from dccrawl.runreport import QualityReport
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


def database_url(overrides: Mapping[str, str]) -> str:
    """The database nodes write to: ``-s DATABASE_URL``, the project setting, or the
    environment (never the embedded server: other machines cannot reach its socket)."""

    url = overrides.get(DATABASE_URL) or project_settings().get(DATABASE_URL)
    url = url or os.environ.get(DATABASE_URL)
    if not url:
        raise UsageError(
            "scrapyd nodes need the PostgreSQL database they write to: "
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
    """``--crawl``, which must be in this ledger (a command pointed at another database
    than the crawl's must not send its shards anywhere), else the latest crawl."""
    info = conn.info
    where = f"database {info.dbname} on {info.host}:{info.port}"
    if args.crawl:
        if not ledger.shards(conn, args.crawl):
            raise UsageError(
                f"crawl {args.crawl} is not in the ledger of {where}: give the database it "
                "was scheduled in (DATABASE_URL)"
            )
        return str(args.crawl)
    crawl_id = ledger.latest_crawl(conn)
    if crawl_id is None:
        raise UsageError(f"no crawl has been scheduled in {where} yet")
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
    if "refresh" in passed:
        raise UsageError(
            "-a refresh: a refresh crawl is not split into shards (each one reads the list "
            "from page 1 down to its horizon): run it as one job, e.g. python -m dccrawl "
            "follow --nodes ..."
        )
    refused = sorted(set(passed) - PASSED_ARGUMENTS - PLANNED_ARGUMENTS)
    if refused:
        raise UsageError(
            f"-a {', '.join(refused)}: a sharded crawl passes only "
            f"{', '.join(sorted(PASSED_ARGUMENTS | PLANNED_ARGUMENTS))} (use --pages/--posts "
            "for ranges; search, head and recommend lists have no post-number bounds to "
            "split them by)"
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
    jobs = {k: v for k, v in passed.items() if k not in PLANNED_ARGUMENTS}
    return parsed, {"gallery": parsed.gallery, **jobs}


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
    url = database_url(overrides)
    given = _given_nodes(args)
    parsed, base = _spider_arguments(args)
    mode = parsed.mode
    shard_size = args.shard_size or DEFAULT_SHARD_SIZE[mode]
    if shard_size < 1:
        raise UsageError("--shard-size must be at least 1")
    since_no = parsed.since_no or 0
    if mode == "posts":
        assert parsed.posts is not None and parsed.posts.last is not None
        first = max(parsed.posts.first, since_no + 1)
        if first > parsed.posts.last:
            raise UsageError(f"since_no={since_no} leaves no post of {args.posts} to crawl")
        plans = plan_posts(first, parsed.posts.last, shard_size, base)
    else:
        try:
            plans = _plan_list(parsed, base, shard_size, overrides)
        except (ProbeError, ValueError) as error:
            _warn(f"cannot plan the list shards: {error}")
            return 1
        if since_no:
            plans = above(plans, since_no)
            if not plans:
                _warn(f"since_no={since_no}: no list page holds a newer post; nothing to crawl")
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
            f"`{dccrawl_command(f'watch --crawl {crawl_id} --nodes ...')}` sends them as nodes "
            "free up"
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


def _client_for(
    given: Sequence[NodeAddress], args: argparse.Namespace
) -> Callable[[str], ScrapydNode]:
    """A client for any node the ledger names, with its ``--nodes`` credentials (else ~/.netrc)."""
    return lambda url: _node_for(url, given, args)


def _round(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    given: Sequence[NodeAddress],
    overrides: Mapping[str, str],
    args: argparse.Namespace,
    *,
    dispatch: bool,
) -> healing.Look:
    """One look at a crawl (and, with ``dispatch``, one dispatch round first), under the lock."""
    with ledger.dispatch_lock(conn):
        if dispatch:
            nodes = [_client(address, args) for address in given]
            report = dispatch_pending(conn, crawl_id, nodes, overrides)
            _print_dispatch(report)
        shards = ledger.shards(conn, crawl_id)
        return healing.look(shards, _client_for(given, args))


def _show(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    shards: Sequence[Shard],
    check: JobCheck,
    *,
    per_shard: bool,
) -> bool:
    """The progress table (and the shard table); shards whose node could not be asked are
    shown ``unreachable``. True when every shard is done."""
    lost = {item.shard.shard_id for item in check.lost}
    unreachable = {shard.shard_id for shard in check.unknown}
    progress = summarize(shards, ledger.database_now(conn), lost, unreachable)
    _say(progress_table(crawl_id, shards, progress))
    if reports := [QualityReport.from_json(s.quality) for s in shards if s.quality]:
        closed = f"{len(reports)} of {len(shards)} shards"
        _say(f"{QualityReport.merge(reports).line()} ({closed} reported)")
    if per_shard:
        _say(shard_table(shards, lost, unreachable))
    return progress.done


def cmd_status(args: argparse.Namespace) -> int:
    """The progress table once (with ``--shards``, every shard, with its job's log URL).

    Nodes are asked with the credentials of ``--nodes`` if given, else ``~/.netrc``.
    """
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)  # only their credentials are used: status sends nothing
    with _open_ledger(database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        seen = _round(conn, crawl_id, given, overrides, args, dispatch=False)
        for problem in seen.problems():
            _warn(problem)
        done = _show(conn, crawl_id, seen.shards, seen.check, per_shard=args.shards)
    return 0 if done else 1


def _retry_policy(args: argparse.Namespace) -> healing.RetryPolicy:
    max_attempts = getattr(args, "max_attempts", healing.DEFAULT_MAX_ATTEMPTS)
    lost_after = getattr(args, "lost_after", healing.DEFAULT_LOST_AFTER)
    if max_attempts < 1:
        raise UsageError("--max-attempts must be at least 1")
    if lost_after < 0:
        raise UsageError("--lost-after cannot be negative")
    return healing.RetryPolicy(max_attempts, max(args.interval, 0.0), lost_after)


def _heal(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    seen: healing.Look,
    silent: healing.SilentNodes,
    policy: healing.RetryPolicy,
    *,
    said: set[tuple[int, int, str]],
) -> tuple[list[Shard], int]:
    """One healing round of ``watch --resume``: the crawl's shards after it, and how many
    are still waiting, running or to be sent again. ``said`` keeps what was said already."""
    with ledger.dispatch_lock(conn):
        report = healing.heal(conn, crawl_id, seen, silent, policy)
        shards = ledger.shards(conn, crawl_id)
    for line in report.lines:
        _say(line)
    now = ledger.database_now(conn)
    for shard, at in report.waiting:
        if (shard.shard_id, shard.attempts, "wait") not in said:
            said.add((shard.shard_id, shard.attempts, "wait"))
            wait = max(0.0, (at - now).total_seconds())
            _say(
                f"shard {shard.shard_no} ({shard.describe_range()}): attempt {shard.attempts} "
                f"failed ({shard.error or shard.close_reason}); sent again in {wait:.0f} s"
            )
    for shard in report.given_up:
        if (shard.shard_id, shard.attempts, "gave up") not in said:
            said.add((shard.shard_id, shard.attempts, "gave up"))
            _warn(
                f"shard {shard.shard_no} ({shard.describe_range()}): failed {shard.attempts} "
                f"time(s), not sent again (--max-attempts {policy.max_attempts}): "
                f"{shard.error or shard.close_reason}; `resume` runs it again"
            )
    active = sum(1 for s in shards if s.state in (*IN_FLIGHT, "pending"))
    return shards, active + len(report.waiting)


def cmd_watch(args: argparse.Namespace) -> int:
    """The progress table, refreshed until no shard is waiting or running.

    With ``--nodes`` each refresh also sends waiting shards to nodes with free capacity.
    With ``--resume`` (and ``--nodes``) each round also runs again, by itself, the shards
    whose job failed or vanished, and moves the shards of a node that stopped answering
    (``dccrawl/cluster/healing.py``: attempts, backoff, ``--lost-after``).
    """
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)
    resume = bool(getattr(args, "resume", False))
    if resume and not given:
        raise UsageError("watch --resume needs --nodes: the nodes it may send shards to")
    policy = _retry_policy(args)
    silent = healing.SilentNodes()
    said: set[tuple[int, int, str]] = set()
    clear = sys.stdout.isatty()
    with _open_ledger(database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        while True:
            if clear:
                print("\033[H\033[J", end="")
            seen = _round(conn, crawl_id, given, overrides, args, dispatch=bool(given))
            silent.saw(seen.errors)
            done = _show(conn, crawl_id, seen.shards, seen.check, per_shard=args.shards)
            for problem in seen.problems():
                _warn(problem)
            waiting = sum(1 for s in seen.shards if s.state == "pending")
            if resume:
                shards, active = _heal(conn, crawl_id, seen, silent, policy, said=said)
                done = bool(shards) and all(s.state == "done" for s in shards)
            else:
                check = seen.check
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
    with _open_ledger(database_url(overrides)) as conn:
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
            cancelled = [s for s in shards if s.state == "cancelled"]
            if cancelled and getattr(args, "include_cancelled", False):
                for shard in cancelled:
                    if ledger.requeue(conn, shard, "cancelled; run again (--include-cancelled)"):
                        requeued += 1
                        _say(f"shard {shard.shard_no} ({shard.describe_range()}): cancelled")
            elif cancelled:
                _say(
                    f"{len(cancelled)} cancelled shard(s) left alone "
                    "(resume --include-cancelled runs them again)"
                )
            _say(f"crawl {crawl_id}: {requeued} shard(s) to run again")
            report = _dispatch(conn, crawl_id, given, overrides, args)
        shards = ledger.shards(conn, crawl_id)
        check, _problems = check_in_flight(shards, given, args)
        _show(conn, crawl_id, shards, check, per_shard=False)
    if report.waiting:
        _say(
            f"{report.waiting} shard(s) wait for a free node: "
            f"`{dccrawl_command(f'watch --crawl {crawl_id} --nodes ...')}` sends them"
        )
    return 1 if report.problems and not report.sent else 0


# --- cancel and logs -------------------------------------------------------------------------


def _shard_numbers(text: str | None, option: str) -> list[int] | None:
    """``--shards N,M`` → shard numbers; None when not given."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdigit() for part in parts):
        raise UsageError(f"{option} {text!r}: expected shard numbers N[,N...]")
    return [int(part) for part in parts]


def _pick_shards(shards: Sequence[Shard], numbers: Sequence[int] | None) -> list[Shard]:
    """The shards with these numbers (all for None); a number the crawl lacks is a usage error."""
    if numbers is None:
        return list(shards)
    by_no = {shard.shard_no: shard for shard in shards}
    missing = sorted(set(numbers) - set(by_no))
    if missing:
        have = f"1-{max(by_no)}" if by_no else "none"
        raise UsageError(
            f"the crawl has no shard {', '.join(map(str, missing))} (its shards: {have})"
        )
    return [by_no[number] for number in sorted(set(numbers))]


def cmd_cancel(args: argparse.Namespace) -> int:
    """Cancel a crawl's jobs on their nodes and mark its shards cancelled (``operations``):
    one line per shard; exit 1 when a node could not be reached (that shard is unchanged)."""
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)
    numbers = _shard_numbers(args.shards, "--shards")
    with _open_ledger(database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        with ledger.dispatch_lock(conn):
            shards = _pick_shards(ledger.shards(conn, crawl_id), numbers)
            outcomes = operations.cancel_shards(conn, shards, _client_for(given, args))
    for outcome in outcomes:
        _say(outcome.message)
    unreached = sum(1 for outcome in outcomes if not outcome.reached)
    if unreached:
        _warn(
            f"{unreached} shard(s) not cancelled: their node could not be reached; "
            f"run `{dccrawl_command(f'cancel --crawl {crawl_id} --nodes ...')}` again"
        )
    return 1 if unreached else 0


def cmd_logs(args: argparse.Namespace) -> int:
    """Print the log of each shard's latest job, fetched from its node (several: each under
    a header line); exit 1 when a node could not be asked."""
    overrides = _pairs(args.setting, "-s")
    given = _given_nodes(args)
    if args.tail is not None and args.tail < 0:
        raise UsageError("--tail must be 0 or more lines")
    with _open_ledger(database_url(overrides)) as conn:
        crawl_id = _crawl_id(conn, args)
        shards = _pick_shards(
            ledger.shards(conn, crawl_id), None if args.shard is None else [args.shard]
        )
    several = args.shard is None
    for shard in shards:
        if shard.job_id is None and not several:
            _warn(f"shard {shard.shard_no} is {shard.state}: never sent to a node, no log yet")
    failures = 0
    for item in operations.fetch_logs(shards, _client_for(given, args)):
        shard = item.shard
        if several:
            _say(operations.header(shard))
        if item.error is not None:
            failures += 1
            _warn(
                f"shard {shard.shard_no}: cannot fetch the log of job {shard.job_id}: {item.error}"
            )
        elif item.text is None:
            _warn(
                f"shard {shard.shard_no}: {shard.node} has no log of job {shard.job_id} "
                "(still queued, or its log was removed)"
            )
        else:
            text = operations.tail(item.text, args.tail)
            sys.stdout.write(text if not text or text.endswith("\n") else text + "\n")
            sys.stdout.flush()
    return 1 if failures else 0


# --- retry on nodes (python -m dccrawl retry --nodes) -----------------------------------------


def retry_on_nodes(
    args: argparse.Namespace,
    gallery: str,
    plans: Sequence[tuple[Mapping[str, str], int]],
    overrides: Mapping[str, str],
) -> int:
    """Schedule one retry job per set of crawl arguments (``plans``: arguments, pages) as
    a sharded crawl, and watch it to its end (the exit code of ``watch``)."""
    url = database_url(overrides)
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


def add_setting_option(
    parser: argparse.ArgumentParser,
    description: str = "a setting (repeatable); DATABASE_URL names the database",
) -> None:
    """``-s NAME=VALUE`` (repeatable), read back with :func:`settings_pairs`."""
    parser.add_argument(
        "-s", dest="setting", action="append", metavar="NAME=VALUE", help=description
    )


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
        help="a spider argument for every job: kind, comments, list_num, render, media, "
        "since (list mode), since_no (trims the plan)",
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
            _watch_resume_options(p)
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
    p.add_argument(
        "--include-cancelled",
        action="store_true",
        help="also run again the shards `cancel` cancelled",
    )
    _common(p, nodes="required")
    p.set_defaults(handler=_handler(cmd_resume))

    p = subparsers.add_parser(
        "cancel", help="cancel a sharded crawl's jobs on their nodes and its shards in the ledger"
    )
    p.add_argument("--crawl", required=True, metavar="ID", help="the crawl")
    p.add_argument(
        "--shards",
        metavar="N[,N...]",
        help="only these shards (their numbers, as status --shards lists them; default: all)",
    )
    _credentials_option(p)
    _common(p, nodes=None)
    p.set_defaults(handler=_handler(cmd_cancel))

    p = subparsers.add_parser("logs", help="print a sharded crawl's job logs, from their nodes")
    p.add_argument("--crawl", metavar="ID", help="the crawl (default: the latest)")
    p.add_argument("--shard", type=int, metavar="N", help="only this shard's job (its number)")
    p.add_argument("--tail", type=int, metavar="N", help="only the last N lines of each log")
    _credentials_option(p)
    _common(p, nodes=None)
    p.set_defaults(handler=_handler(cmd_logs))


def _watch_resume_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --nodes: also run again, by itself, the shards whose job failed or "
        "vanished, and move the shards of a node that stopped answering",
    )
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=healing.DEFAULT_MAX_ATTEMPTS,
        metavar="N",
        help="with --resume: attempts a shard gets before it is left failed "
        f"(default {healing.DEFAULT_MAX_ATTEMPTS})",
    )
    parser.add_argument(
        "--lost-after",
        type=float,
        default=healing.DEFAULT_LOST_AFTER,
        metavar="SECONDS",
        help="with --resume: move the shards of a node that has not answered for this long "
        f"(default {healing.DEFAULT_LOST_AFTER:g})",
    )


def _credentials_option(parser: argparse.ArgumentParser) -> None:
    """``--nodes`` for the credentials of the nodes the ledger names (nothing is sent to others)."""
    parser.add_argument(
        "--nodes",
        metavar="URL[,URL...]",
        help="the credentials of the shards' nodes, as http://user:password@host:6800 "
        "(the nodes come from the ledger; ~/.netrc for the others)",
    )
    parser.set_defaults(capacity="1")
