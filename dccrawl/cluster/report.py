"""The progress table of a sharded crawl, from ledger rows: pure formatting, no I/O.

Counts are what the jobs reported (every few seconds while running, final at
close): post and comment rows stored by each shard's latest attempt. The rate
is posts stored per second since the first shard started (until the last one
finished, once all are done); the ETA divides the posts still expected (the
shards' planned size minus what they stored) by that rate.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from dccrawl.cluster.ledger import STATES, Shard
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


def summarize(shards: Sequence[Shard], now: datetime, lost: Collection[int] = ()) -> Progress:
    """Totals by state, rate and ETA; ``lost`` are shard ids whose job is gone (see reconcile)."""
    lines = [
        StateLine(
            state,
            sum(1 for s in shards if s.state == state),
            sum(s.posts for s in shards if s.state == state),
            sum(s.comments for s in shards if s.state == state),
        )
        for state in STATES
    ]
    posts = sum(s.posts for s in shards)
    starts = [s.started_at for s in shards if s.started_at is not None]
    rate: float | None = None
    if starts:
        finished = [s.finished_at for s in shards if s.finished_at is not None]
        all_done = all(s.state == "done" for s in shards)
        end = max(finished) if all_done and finished else now
        elapsed = (end - min(starts)).total_seconds()
        rate = posts / elapsed if elapsed > 0 else None
    remaining = sum(max(0, s.expected_posts - s.posts) for s in shards if s.state != "done")
    eta: float | None = None
    if remaining == 0:
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
            "run `python -m dccrawl resume --nodes ...`"
        )
    return "\n".join(lines)


def shard_table(shards: Sequence[Shard], lost: Collection[int] = ()) -> str:
    """One line per shard: what it owns, where it runs, how it ended."""
    rows = [
        [
            s.shard_no,
            s.shard_id,
            s.describe_range(),
            s.state + (" (lost)" if s.shard_id in lost else ""),
            s.attempts,
            s.node,
            s.job_id,
            s.posts,
            s.comments,
            s.close_reason,
            s.error,
        ]
        for s in shards
    ]
    header = ["no", "id", "range", "state", "tries", "node", "job", "posts", "comments", "close"]
    header.append("note")
    return "\n".join(_table(header, rows, {0, 1, 4, 7, 8}))
