"""Operations on a running sharded crawl: cancel its jobs, read their logs.

``cancel`` stops the jobs of a crawl (or of some of its shards) on their nodes with
scrapyd's ``cancel.json`` (a queued job leaves the queue; a running one gets SIGINT,
Scrapy's graceful shutdown) and marks the shards ``cancelled`` in the ledger, with
the crawl's waiting (``pending``) and ``failed`` ones: ``resume`` and ``watch
--resume`` leave them alone, ``resume --include-cancelled`` runs them again. The node
is asked first: a shard whose node cannot be reached keeps its state (and its job
runs on), so the ledger never calls a job cancelled that may still be writing
unnoticed; running ``cancel`` again finishes the job. A job that reports after its
cancel cannot undo it (migration 0007): only a ``done`` report wins, from a job that
finished its whole range before the signal reached it (its rows are all stored).

``logs`` fetches each job's log from the node that ran its shard's latest attempt
(``/logs/<project>/<spider>/<job>.log``, behind the node's basic auth).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from dccrawl.cluster import ledger
from dccrawl.cluster.ledger import IN_FLIGHT, Shard
from dccrawl.cluster.nodes import NodeError, ScrapydNode

ClientFor = Callable[[str], ScrapydNode]

_PREVIOUS = {
    "running": "was running: scrapyd sent it SIGINT (it stops after a graceful shutdown)",
    "pending": "was queued: scrapyd dropped it",
    None: "was not on the node any more",
}


@dataclass(frozen=True)
class CancelOutcome:
    """One shard's cancel: ``reached`` is False when its node could not be asked (the shard
    was left as it was)."""

    shard: Shard
    reached: bool
    message: str


def _label(shard: Shard) -> str:
    return f"shard {shard.shard_no} ({shard.describe_range()})"


def cancel_shard(
    conn: psycopg.Connection[Any], shard: Shard, client_for: ClientFor
) -> CancelOutcome:
    """Cancel one shard's job on its node, then the shard in the ledger. Call it under
    :func:`ledger.dispatch_lock`, so no dispatcher sends the shard meanwhile."""
    label = _label(shard)
    if shard.state == "done":
        return CancelOutcome(shard, True, f"{label}: done already, left as it is")
    if shard.state == "cancelled":
        return CancelOutcome(shard, True, f"{label}: cancelled already")
    job = ""
    if shard.state in IN_FLIGHT and shard.node and shard.job_id:
        try:
            previous = client_for(shard.node).cancel(shard.project, shard.job_id)
        except NodeError as error:
            doubt = " (it may have acted on it: run cancel again)" if error.may_have_acted else ""
            return CancelOutcome(
                shard, False, f"{label}: NOT cancelled, left {shard.state}: {error}{doubt}"
            )
        job = f"; job {shard.job_id} on {shard.node} {_PREVIOUS.get(previous, previous)}"
    if ledger.cancel(conn, shard, f"cancelled (was {shard.state})"):
        return CancelOutcome(shard, True, f"{label}: cancelled (was {shard.state}){job}")
    now = next(s for s in ledger.shards(conn, shard.crawl_id) if s.shard_id == shard.shard_id)
    return CancelOutcome(shard, True, f"{label}: {now.state} before it could be cancelled{job}")


def cancel_shards(
    conn: psycopg.Connection[Any], shards: Sequence[Shard], client_for: ClientFor
) -> list[CancelOutcome]:
    """:func:`cancel_shard` for each of ``shards``, in order."""
    return [cancel_shard(conn, shard, client_for) for shard in shards]


@dataclass(frozen=True)
class JobLog:
    """A shard's latest job log as its node serves it: ``text`` None when the node has none,
    ``error`` set when the node could not be asked."""

    shard: Shard
    text: str | None = None
    error: NodeError | None = None


def header(shard: Shard) -> str:
    """The line above a job's log when ``logs`` prints several."""
    return (
        f"==> {_label(shard)}: job {shard.job_id} on {shard.node}, "
        f"{shard.state}, attempt {shard.attempts} <=="
    )


def fetch_logs(shards: Sequence[Shard], client_for: ClientFor) -> Iterator[JobLog]:
    """The log of each shard's latest job (shards never dispatched are skipped), one at a
    time, so a long crawl's logs are printed as they come."""
    for shard in shards:
        if shard.node is None or shard.job_id is None:
            continue
        try:
            text = client_for(shard.node).job_log(shard.project, shard.spider, shard.job_id)
        except NodeError as error:
            yield JobLog(shard, error=error)
            continue
        yield JobLog(shard, text=text)


def tail(text: str, lines: int | None) -> str:
    """The last ``lines`` lines of ``text`` (all of it for None)."""
    if lines is None:
        return text
    if lines <= 0:
        return ""
    kept = text.splitlines(keepends=True)[-lines:]
    return "".join(kept)
