"""Which shards lost their job: the ledger compared with the nodes' ``listjobs.json``.

A shard the ledger calls ``scheduled`` or ``running`` should have its job in
its node's pending or running list. If the node lists the job as *finished*
while the ledger still says scheduled/running, the job ended without its spider
reporting (killed with SIGKILL, crashed, out of memory, or its database was
unreachable at close). If the node does not list the job at all, it vanished:
the node was restarted (running jobs are not kept across restarts; queued ones
are, with scrapyd's SQLite queue) or its finished list rotated. Either way the
shard must run again. A node that does not answer tells nothing: its shards
stay as they are unless the caller decides to reassign them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dccrawl.cluster.ledger import IN_FLIGHT, Shard
from dccrawl.cluster.nodes import JobList


@dataclass(frozen=True)
class Lost:
    """A shard whose job will never report, and why."""

    shard: Shard
    why: str


@dataclass(frozen=True)
class JobCheck:
    """The in-flight shards sorted by what their nodes say."""

    alive: list[Shard]
    lost: list[Lost]
    unknown: list[Shard]  # their node did not answer


def check_jobs(
    shards: Iterable[Shard],
    jobs: Mapping[tuple[str, str], JobList | None],
    *,
    reassign_unreachable: bool = False,
) -> JobCheck:
    """Sort the in-flight shards by ``jobs``.

    ``jobs`` maps (node URL, project) to the node's job list, or None when the node did not answer.
    """
    alive: list[Shard] = []
    lost: list[Lost] = []
    unknown: list[Shard] = []
    for shard in shards:
        if shard.state not in IN_FLIGHT:
            continue
        if shard.node is None or shard.job_id is None:
            lost.append(Lost(shard, "no node or job id recorded"))
            continue
        listed = jobs.get((shard.node, shard.project))
        if listed is None:
            if reassign_unreachable:
                lost.append(Lost(shard, f"node {shard.node} does not answer; reassigned"))
            else:
                unknown.append(shard)
            continue
        state = listed.state_of(shard.job_id)
        if state in ("pending", "running"):
            alive.append(shard)
        elif state == "finished":
            lost.append(
                Lost(
                    shard,
                    f"job {shard.job_id} ended on {shard.node} without reporting to the ledger "
                    "(killed, crashed, or the database was unreachable; see its log)",
                )
            )
        else:
            lost.append(
                Lost(
                    shard,
                    f"job {shard.job_id} vanished from {shard.node} (node restarted or killed)",
                )
            )
    return JobCheck(alive, lost, unknown)


def failed_shards(shards: Iterable[Shard]) -> list[Lost]:
    """Shards whose spider closed without finishing, with the reason it gave."""
    found: list[Lost] = []
    for shard in shards:
        if shard.state != "failed":
            continue
        why = shard.error or f"closed with reason {shard.close_reason}, exit code {shard.exit_code}"
        found.append(Lost(shard, f"job {shard.job_id} failed: {why}"))
    return found
