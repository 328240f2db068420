"""Handing pending shards to scrapyd nodes: the least loaded node, never past its free capacity.

A node's free capacity is its configured capacity (its ``max_proc``, given with
``--capacity``) minus the jobs ``daemonstatus.json`` says it runs or has queued,
for every project. Each shard goes to the node with the most free slots (ties:
the lower load, then the order of ``--nodes``); when no node has a free slot the
remaining shards stay ``pending`` in the ledger until ``watch --nodes`` or
``resume`` finds room. Nothing waits in a node's own queue longer than a poll.

Each shard is first claimed in the ledger (so no other dispatcher sends it),
then sent with ``schedule.json`` under a job id the ledger already knows. A
node that refuses gets the shard back to ``pending`` and no more shards this
round; a node that took the request but gave no answer may have queued the job,
so the shard stays ``scheduled`` and ``resume`` later finds whether the node
has it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import conninfo

from dccrawl.cluster import ledger
from dccrawl.cluster.ledger import Shard
from dccrawl.cluster.nodes import DaemonStatus, NodeError, ScrapydNode
from dccrawl.db.redact import without_password

DATABASE_URL = "DATABASE_URL"


@dataclass
class NodeLoad:
    """A node as one dispatch round sees it; ``busy`` grows as shards are sent."""

    node: ScrapydNode
    status: DaemonStatus
    busy: int = 0

    def __post_init__(self) -> None:
        self.busy = self.status.running + self.status.pending

    @property
    def capacity(self) -> int:
        return self.node.address.capacity

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.busy)


def pick_node(loads: Sequence[NodeLoad]) -> NodeLoad | None:
    """The node to send the next shard to: most free slots, then least loaded; None if all full."""
    candidates = [load for load in loads if load.free > 0]
    if not candidates:
        return None
    order = {id(load): index for index, load in enumerate(loads)}
    return min(
        candidates,
        key=lambda load: (-load.free, load.busy / load.capacity, order[id(load)]),
    )


def job_id_for(shard: Shard) -> str:
    """The scrapyd job id of the shard's next attempt: readable in scrapyd's web UI and logs."""
    return f"{shard.crawl_id}-{shard.shard_no:03d}-{shard.attempts + 1}"


def job_arguments(shard: Shard) -> dict[str, str]:
    """The spider arguments of a shard's job: the planned ones plus ``shard=ID`` and
    ``crawl=ID``: the job runs only if its database holds that shard of that crawl
    (``dccrawl/extensions/shard.py``), so a job sent to the wrong database refuses."""
    return {**shard.arguments, "shard": str(shard.shard_id), "crawl": shard.crawl_id}


def job_settings(shard: Shard, overrides: Mapping[str, str], database: str) -> dict[str, str]:
    """The Scrapy settings of a shard's job: those recorded at planning, then this command's
    ``-s``, and ``DATABASE_URL``: always the ledger's own database (``database``), without
    its password, whatever ``-s`` said. So a job writes where its crawl's ledger is, and no
    secret reaches scrapyd's job list, the job's command line or its log; the node
    supplies the password (``dccrawl/db/connect.py``)."""
    return {**shard.settings, **overrides, DATABASE_URL: without_password(database)}


# Which database, and how securely to reach it: what a job needs of the ledger's
# connection (not this process's own options, such as its application_name).
_DATABASE_PARAMETERS = (
    "host",
    "port",
    "dbname",
    "user",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "target_session_attrs",
)


def job_database(conn: psycopg.Connection[Any]) -> str:
    """The ledger connection's database as a connection string, without its password
    (libpq never reports it back) nor this process's own connection options."""
    params = conn.info.get_parameters()
    return conninfo.make_conninfo(**{k: params[k] for k in _DATABASE_PARAMETERS if k in params})


@dataclass
class DispatchReport:
    """What one round did, for the command's output."""

    sent: list[tuple[Shard, str, str]] = field(default_factory=list)  # shard, node URL, job id
    uncertain: list[tuple[Shard, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    waiting: int = 0


def node_loads(nodes: Sequence[ScrapydNode], report: DispatchReport) -> list[NodeLoad]:
    """Every node that answers ``daemonstatus.json``; the others are reported and skipped."""
    loads: list[NodeLoad] = []
    for node in nodes:
        try:
            loads.append(NodeLoad(node, node.daemon_status()))
        except NodeError as error:
            report.problems.append(f"skipped {error}")
    return loads


def dispatch_pending(
    conn: psycopg.Connection[Any],
    crawl_id: str,
    nodes: Sequence[ScrapydNode],
    overrides: Mapping[str, str],
) -> DispatchReport:
    """Send the crawl's pending shards to nodes with free capacity.

    Call it under :func:`ledger.dispatch_lock`.
    """
    report = DispatchReport()
    pending = [s for s in ledger.shards(conn, crawl_id) if s.state == "pending"]
    if not pending:
        return report
    loads = node_loads(nodes, report)
    database = job_database(conn)
    taken_elsewhere = 0
    for shard in pending:
        load = pick_node(loads)
        if load is None:
            break
        job_id = job_id_for(shard)
        if not ledger.claim(conn, shard, load.node.url, job_id):
            taken_elsewhere += 1  # another dispatcher sent it meanwhile
            continue
        try:
            load.node.schedule(
                shard.project,
                shard.spider,
                job_id,
                job_arguments(shard),
                job_settings(shard, overrides, database),
            )
        except NodeError as error:
            if error.may_have_acted:
                ledger.note_error(conn, shard.shard_id, job_id, str(error))
                report.uncertain.append((shard, load.node.url, job_id))
                load.busy += 1
            else:
                ledger.release(conn, shard.shard_id, job_id, str(error))
                report.problems.append(f"skipped {error}")
                loads = [other for other in loads if other is not load]
            continue
        load.busy += 1
        report.sent.append((shard, load.node.url, job_id))
    report.waiting = len(pending) - len(report.sent) - len(report.uncertain) - taken_elsewhere
    return report
