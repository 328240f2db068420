"""The one line ``follow`` prints per cycle, from the cycle's row.

``follow prog #3 ok: 5 new, 41 changed, 2 deleted, 63 requests, 12.4s``: the gallery,
the cycle's number, its outcome, what the refresh found, the requests it spent and
how long the cycle took. A cycle that is not ``ok`` adds its exit code and the reason;
one run on a scrapyd node names the node. It is the only thing ``follow`` writes to
standard output, so a script can read it line by line.
"""

from __future__ import annotations

from dccrawl.db.cycles import Cycle


def _counts(cycle: Cycle) -> str:
    if cycle.new_posts is None:
        return "no counts (the crawl reported none)"
    return (
        f"{cycle.new_posts} new, {cycle.changed_posts or 0} changed, "
        f"{cycle.deleted_posts or 0} deleted, {cycle.requests or 0} requests"
    )


def cycle_line(cycle: Cycle) -> str:
    """The cycle's line (see the module docstring)."""
    head = f"follow {cycle.gallery_id} #{cycle.cycle_no} {cycle.outcome}"
    if cycle.outcome != "ok" and cycle.exit_code is not None:
        head += f" (exit {cycle.exit_code})"
    line = f"{head}: {_counts(cycle)}, {cycle.seconds or 0.0:.1f}s"
    if cycle.node:
        line += f" on {cycle.node}"
    if cycle.outcome != "ok" and cycle.reason:
        line += f"; {cycle.reason}"
    return line
