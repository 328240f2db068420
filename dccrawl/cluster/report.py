"""The progress table of a sharded crawl, from ledger rows: pure formatting, no I/O.

Counts are what the jobs reported (every few seconds while running, final at
close): post and comment rows stored by each shard's latest attempt. The rate
is posts stored per second since the first shard started (until the last one
finished, once all are done); the ETA divides the posts still expected (the
shards' planned size minus what they stored; cancelled shards expect nothing)
by that rate.

A shard the ledger calls scheduled or running whose node could not be asked is
shown as ``unreachable``, on a line of its own, not as running: nothing says it
makes progress. Rate and ETA are shown only while some shard may make progress
(scheduled or running on a node that answers) or once all are done: a crawl whose
shards all failed, or whose only running shards are on a node that stopped
answering, shows ``rate -, ETA -`` rather than a figure that no longer moves.
The ``cancelled`` and ``unreachable`` lines appear only when they count a shard.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from dccrawl.cluster.ledger import IN_FLIGHT, STATES, Shard
from dccrawl.cluster.nodes import job_log_url
from dccrawl.hints import dccrawl_command
from dccrawl.summaries import format_duration


@dataclass(frozen=True)
class StateLine:
    """Shards in one state and what they stored."""

    state: str
    shards: int
    posts: int
    comments: int


@dataclass(frozen=True)
class Progress:
    """A crawl's totals at one moment."""

    lines: list[StateLine]
    shards: int
    posts: int
    comments: int
    rate: float | None  # posts per second
    eta_seconds: float | None
    lost: int

    @property
    def done(self) -> bool:
        return self.shards > 0 and all(
            line.shards == 0 for line in self.lines if line.state != "done"
        )


UNREACHABLE = "unreachable"
# States shown only when some shard is in them.
_OPTIONAL_LINES = ("cancelled", UNREACHABLE)


def shown_state(shard: Shard, unreachable: Collection[int] = ()) -> str:
    """The state a table shows: the ledger's, or ``unreachable`` for an in-flight shard whose
    node could not be asked."""
    if shard.state in IN_FLIGHT and shard.shard_id in unreachable:
        return UNREACHABLE
    return shard.state


def summarize(
    shards: Sequence[Shard],
    now: datetime,
    lost: Collection[int] = (),
    unreachable: Collection[int] = (),
) -> Progress:
    """Totals by state, rate and ETA; ``lost`` are shard ids whose job is gone (see reconcile),
    ``unreachable`` those whose node could not be asked (shown apart, not as running)."""
    shown = [(shown_state(s, unreachable), s) for s in shards]
    lines = [
        StateLine(
            state,
            sum(1 for name, _ in shown if name == state),
            sum(s.posts for name, s in shown if name == state),
            sum(s.comments for name, s in shown if name == state),
        )
        for state in (*STATES, UNREACHABLE)
    ]
    lines = [line for line in lines if line.shards or line.state not in _OPTIONAL_LINES]
    posts = sum(s.posts for s in shards)
    all_done = bool(shards) and all(s.state == "done" for s in shards)
    moving = any(name in IN_FLIGHT for name, _ in shown)
    starts = [s.started_at for s in shards if s.started_at is not None]
    rate: float | None = None
    if starts and (moving or all_done):
        finished = [s.finished_at for s in shards if s.finished_at is not None]
        end = max(finished) if all_done and finished else now
        elapsed = (end - min(starts)).total_seconds()
        rate = posts / elapsed if elapsed > 0 else None
    remaining = sum(
        max(0, s.expected_posts - s.posts) for s in shards if s.state not in ("done", "cancelled")
    )
    eta: float | None = None
    if all_done:
        eta = 0.0
    elif rate:
        eta = remaining / rate
    return Progress(
        lines=lines,
        shards=len(shards),
        posts=posts,
        comments=sum(s.comments for s in shards),
        rate=rate,
        eta_seconds=eta,
        lost=len(set(lost)),
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], right: set[int]) -> list[str]:
    cells = [[str(v) for v in header], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in cells
    ]


def progress_table(crawl_id: str, shards: Sequence[Shard], progress: Progress) -> str:
    """The table ``status`` prints and ``watch`` refreshes."""
    first = shards[0] if shards else None
    title = f"crawl {crawl_id}"
    if first is not None:
        title += f": gallery {first.gallery_id}, {first.mode} mode, {len(shards)} shards"
    rows: list[list[object]] = [
        [line.state, line.shards, line.posts, line.comments] for line in progress.lines
    ]
    rows.append(["total", progress.shards, progress.posts, progress.comments])
    lines = [title, *_table(["state", "shards", "posts", "comments"], rows, {1, 2, 3})]
    rate = "-" if progress.rate is None else f"{progress.rate:.1f} posts/s"
    eta = "-" if progress.eta_seconds is None else format_duration(progress.eta_seconds)
    lines.append(f"rate {rate}, ETA {eta}")
    if progress.lost:
        lines.append(
            f"{progress.lost} shard(s) lost their job (vanished or ended without reporting): "
            f"run `{dccrawl_command('resume --nodes ...')}`"
        )
    return "\n".join(lines)


def log_url(shard: Shard) -> str | None:
    """Where the node of the shard's latest attempt serves its job's log (no credentials)."""
    if shard.node is None or shard.job_id is None:
        return None
    return job_log_url(shard.node, shard.project, shard.spider, shard.job_id)


def shard_table(
    shards: Sequence[Shard], lost: Collection[int] = (), unreachable: Collection[int] = ()
) -> str:
    """One line per shard: what it owns, where it runs, its job's log, how it ended."""
    rows = [
        [
            s.shard_no,
            s.shard_id,
            s.describe_range(),
            shown_state(s, unreachable) + (" (lost)" if s.shard_id in lost else ""),
            s.attempts,
            s.node,
            s.job_id,
            s.posts,
            s.comments,
            s.close_reason,
            log_url(s),
            s.error,
        ]
        for s in shards
    ]
    header = ["no", "id", "range", "state", "tries", "node", "job", "posts", "comments", "close"]
    header += ["log", "note"]
    return "\n".join(_table(header, rows, {0, 1, 4, 7, 8}))
