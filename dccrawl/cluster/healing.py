"""What ``watch`` learns from the nodes each round, and what ``watch --resume`` does about it.

Each round ``watch`` asks every node that should be running one of the crawl's
shards for its job list (:func:`look`). A node that does not answer is remembered
with the time it first failed to (:class:`SilentNodes`: this process's clock; a
node that answers with an error, such as HTTP 401 for wrong credentials, is not
silent: its jobs may well run); its shards are shown ``unreachable``.

With ``--resume`` the round then heals the crawl, as ``resume`` would, by itself
(:func:`heal`), under the dispatch lock:

* a shard whose job vanished or ended without reporting (``reconcile``) is marked
  ``failed``, with why;
* a shard whose node has not answered for ``lost_after`` seconds is marked
  ``failed`` ("lost"): the next dispatch sends it to a node that answers (nodes
  whose ``daemonstatus.json`` fails get nothing). Should the old job still run
  somewhere, its rows are upserts: running a shard twice is harmless;
* a ``failed`` shard goes back to ``pending`` once its backoff is over:
  ``interval × 2^attempts`` seconds after its attempt ended (``finished_at``, the
  database clock), at most :data:`MAX_BACKOFF`; one that has had ``max_attempts``
  attempts (the ledger's ``attempts`` column: every dispatch counts) stays failed,
  and ``watch`` says so (``resume`` runs it again when asked).

``cancelled`` shards are never touched: only ``failed`` and in-flight shards are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from dccrawl.cluster import ledger
from dccrawl.cluster.ledger import IN_FLIGHT, Shard
from dccrawl.cluster.nodes import JobList, NodeError, NodeNoAnswer, NodeUnreachable, ScrapydNode
from dccrawl.cluster.reconcile import JobCheck, check_jobs

MAX_BACKOFF = 300.0  # seconds: the longest a failed shard waits before it is sent again
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_LOST_AFTER = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon ``watch --resume`` sends a shard again."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    interval: float = 5.0  # watch's --interval: the backoff's unit
    lost_after: float = DEFAULT_LOST_AFTER
    max_backoff: float = MAX_BACKOFF

    def backoff(self, attempts: int) -> float:
        """Seconds a shard whose attempt number ``attempts`` failed waits: interval × 2^attempts,
        capped."""
        return min(self.max_backoff, self.interval * 2.0 ** min(attempts, 62))


def next_try(shard: Shard, policy: RetryPolicy) -> datetime | None:
    """When a failed shard may be sent again (database clock); None once it has had
    ``max_attempts`` attempts."""
    if shard.attempts >= policy.max_attempts:
        return None
    ended = shard.finished_at or shard.reported_at or shard.dispatched_at or shard.created_at
    return ended + timedelta(seconds=policy.backoff(shard.attempts))


def is_silent(error: NodeError) -> bool:
    """The node gave no answer at all (no connection, or none back): it may be gone."""
    return isinstance(error, NodeUnreachable | NodeNoAnswer)


class SilentNodes:
    """Since when each node has not answered, as this process saw it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._since: dict[str, float] = {}

    def saw(self, errors: Mapping[str, NodeError]) -> None:
        """One round: why the nodes that could not be asked were not (``Look.errors``).

        Silence counts in a row: a node that answered, answered with an error, or was not
        asked this round (no shard of the crawl runs there) starts from zero next time.
        """
        now = self.clock()
        self._since = {
            url: self._since.get(url, now) for url, error in errors.items() if is_silent(error)
        }

    def silent_for(self, url: str | None) -> float | None:
        """Seconds since the node first failed to answer (in a row); None if it answers."""
        if url is None or url not in self._since:
            return None
        return self.clock() - self._since[url]


@dataclass(frozen=True)
class Look:
    """A crawl's shards and what their nodes said about their jobs."""

    shards: list[Shard]
    check: JobCheck
    answered: frozenset[str]  # node URLs that listed their jobs
    errors: dict[str, NodeError]  # node URL → why it could not be asked

    @property
    def unreachable(self) -> set[int]:
        """Ids of the in-flight shards whose node could not be asked."""
        return {shard.shard_id for shard in self.check.unknown}

    def problems(self) -> list[str]:
        return [f"cannot check its jobs: {error}" for error in self.errors.values()]


def look(shards: Sequence[Shard], client_for: Callable[[str], ScrapydNode]) -> Look:
    """Ask every node that should be running one of ``shards`` for its job list (once per node
    and project; a node that fails once is not asked again for another project)."""
    keys = sorted({(s.node, s.project) for s in shards if s.state in IN_FLIGHT and s.node})
    jobs: dict[tuple[str, str], JobList | None] = {}
    answered: set[str] = set()
    errors: dict[str, NodeError] = {}
    for node_url, project in keys:
        assert node_url is not None
        if node_url in errors:
            jobs[(node_url, project)] = None
            continue
        try:
            jobs[(node_url, project)] = client_for(node_url).list_jobs(project)
            answered.add(node_url)
        except NodeError as error:
            jobs[(node_url, project)] = None
            errors[node_url] = error
    return Look(list(shards), check_jobs(shards, jobs), frozenset(answered), errors)


@dataclass
class HealReport:
    """What one healing round did, for ``watch``'s output."""

    lines: list[str] = field(default_factory=list)  # one per shard moved
    waiting: list[tuple[Shard, datetime]] = field(default_factory=list)  # failed, sent again at
    given_up: list[Shard] = field(default_factory=list)  # failed, out of attempts


def _label(shard: Shard) -> str:
    return f"shard {shard.shard_no} ({shard.describe_range()})"


def heal(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    seen: Look,
    silent: SilentNodes,
    policy: RetryPolicy,
) -> HealReport:
    """Mark lost shards failed and requeue the failed ones whose backoff is over (see the
    module docstring). Call it under :func:`ledger.dispatch_lock`; every change is a
    compare-and-set from what ``seen`` (or a fresh read) shows, so a job that reported in
    the meantime keeps its report."""
    report = HealReport()
    for item in seen.check.lost:
        if ledger.mark_lost(conn, item.shard, item.why):
            report.lines.append(f"{_label(item.shard)}: {item.why}")
    for shard in seen.check.unknown:
        quiet = silent.silent_for(shard.node)
        if quiet is None or quiet < policy.lost_after:
            continue
        why = (
            f"node {shard.node} has not answered for {quiet:.0f} s: job {shard.job_id} is "
            "taken as lost, the shard runs on another node"
        )
        if ledger.mark_lost(conn, shard, why):
            report.lines.append(f"{_label(shard)}: {why}")
    now = ledger.database_now(conn)
    for shard in ledger.shards(conn, crawl_id):
        if shard.state != "failed":
            continue
        at = next_try(shard, policy)
        if at is None:
            report.given_up.append(shard)
        elif at > now:
            report.waiting.append((shard, at))
        else:
            why = f"attempt {shard.attempts} failed: {shard.error or shard.close_reason}"
            if ledger.requeue(conn, shard, why):
                report.lines.append(
                    f"{_label(shard)}: sent again (attempt {shard.attempts + 1} of "
                    f"{policy.max_attempts})"
                )
    return report
