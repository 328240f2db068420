"""The follow cycles (``follow_cycles``, migration 0006): the lock, the rows, every change to them.

Three writers touch a cycle row, and the rules keep it right whoever writes last:

* ``python -m dccrawl follow`` inserts it (``running``) while it holds the gallery's
  advisory lock, so two follows never number or run a gallery's cycles at once;
* the crawl's cycle extension (``dccrawl/extensions/cycle.py``) writes its counts,
  verdict and outcome once, at close (``close_reason`` is then set: a crawl reports
  once, and nothing else sets it);
* ``follow`` closes the row after the crawl or job has ended: it fills in the outcome
  of a crawl that never reported (killed, never started), marks a cycle it stopped
  ``stopped`` unless the crawl finished ``ok`` anyway, and never touches the counts.

The lock is a session-level PostgreSQL advisory lock per gallery, so it holds across
machines (two follows on two hosts) and dies with the follow that holds it: a row left
``running`` while nobody holds the lock belongs to a follow that is gone, and the next
cycle of the gallery marks it ``abandoned``. Connections are autocommit.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

CONNECT_TIMEOUT = 10
OUTCOMES = ("running", "ok", "failed", "stopped", "abandoned")
# The counts a crawl reports, in the table's column order.
COUNT_COLUMNS = (
    "new_posts",
    "changed_posts",
    "deleted_posts",
    "deletion_checks",
    "comment_pages",
    "requests",
    "requests_saved",
)
# The first key of every follow lock (PostgreSQL's two-int4 advisory locks, a key space
# apart from the bigint keys of migrations and dispatch): the bytes of "fllw".
LOCK_CLASS = int.from_bytes(b"fllw", "big")

Connection = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class Cycle:
    """One row of ``follow_cycles``."""

    cycle_id: int
    gallery_id: str
    cycle_no: int
    horizon: str
    follower: str
    node: str | None
    job_id: str | None
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    exit_code: int | None
    close_reason: str | None
    new_posts: int | None
    changed_posts: int | None
    deleted_posts: int | None
    deletion_checks: int | None
    comment_pages: int | None
    requests: int | None
    requests_saved: int | None
    seconds: float | None
    reason: str | None
    # Not a column: the gallery's kind as stored (galleries.kind), so the cycle's crawl is
    # told it and spends no requests finding it; None before the gallery's first crawl.
    kind: str | None = None


@dataclass(frozen=True)
class CrawlReport:
    """What a crawl writes into its cycle's row at close."""

    outcome: str  # ok | failed | stopped
    exit_code: int
    close_reason: str
    reason: str | None  # None when ok
    counts: Mapping[str, int]  # COUNT_COLUMNS → value


def connect(url: str, application_name: str = "dccrawl-follow") -> Connection:
    """An autocommit connection with a bounded connect time; the name shows in
    ``pg_stat_activity``, next to the locks it holds."""
    return psycopg.connect(
        url,
        autocommit=True,
        row_factory=dict_row,
        connect_timeout=CONNECT_TIMEOUT,
        application_name=application_name[:63],
    )


def lock_key(gallery: str) -> tuple[int, int]:
    """The two int4 keys of a gallery's follow lock: the same on every machine."""
    crc = zlib.crc32(gallery.encode())
    return LOCK_CLASS, crc - (1 << 32) if crc >= 1 << 31 else crc


def try_lock(conn: Connection, gallery: str) -> bool:
    """Take the gallery's follow lock for this session, if no other session holds it."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s, %s) AS locked", lock_key(gallery))
    found = row.fetchone()
    return bool(found and found["locked"])


def unlock(conn: Connection, gallery: str) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s, %s)", lock_key(gallery))


@contextmanager
def gallery_lock(
    url: str, gallery: str, application_name: str = "dccrawl-follow"
) -> Iterator[Connection | None]:
    """A connection holding the gallery's follow lock, or None when another session
    holds it. The lock is released (and the connection closed) at the end."""
    with connect(url, application_name) as conn:
        if not try_lock(conn, gallery):
            yield None
            return
        try:
            yield conn
        finally:
            # A lost session has released its lock already (psycopg may notice only now).
            with suppress(psycopg.OperationalError):
                if not conn.broken:
                    unlock(conn, gallery)


def _cycle(row: Mapping[str, Any] | None) -> Cycle | None:
    return Cycle(**row) if row is not None else None


def abandon_running(conn: Connection, gallery: str) -> list[int]:
    """Mark the gallery's cycles still ``running`` as ``abandoned``; their numbers.

    Call it holding the gallery's lock: then no live follow runs them."""
    rows = conn.execute(
        """
        UPDATE follow_cycles
        SET outcome = 'abandoned',
            reason = 'left running by a follow that ended without closing it'
        WHERE gallery_id = %s AND outcome = 'running'
        RETURNING cycle_no
        """,
        (gallery,),
    ).fetchall()
    return sorted(int(row["cycle_no"]) for row in rows)


def start_cycle(conn: Connection, gallery: str, horizon: str, follower: str) -> Cycle:
    """Insert the gallery's next cycle (numbered after its last one), ``running``.

    Call it holding the gallery's lock: two follows would otherwise pick the same
    number (the UNIQUE constraint would refuse the second)."""
    row = conn.execute(
        """
        INSERT INTO follow_cycles (gallery_id, cycle_no, horizon, follower)
        SELECT %(gallery)s, coalesce(max(cycle_no), 0) + 1, %(horizon)s, %(follower)s
        FROM follow_cycles WHERE gallery_id = %(gallery)s
        RETURNING *
        """,
        {"gallery": gallery, "horizon": horizon, "follower": follower},
    ).fetchone()
    cycle = _cycle(row)
    assert cycle is not None
    kind = conn.execute("SELECT kind FROM galleries WHERE gallery_id = %s", (gallery,)).fetchone()
    return replace(cycle, kind=kind["kind"]) if kind else cycle


def set_job(conn: Connection, cycle_id: int, node: str, job_id: str) -> None:
    """The scrapyd node and job that run the cycle (recorded before it is scheduled)."""
    conn.execute(
        "UPDATE follow_cycles SET node = %s, job_id = %s WHERE cycle_id = %s",
        (node, job_id, cycle_id),
    )


def get_cycle(conn: Connection, cycle_id: int) -> Cycle | None:
    return _cycle(
        conn.execute("SELECT * FROM follow_cycles WHERE cycle_id = %s", (cycle_id,)).fetchone()
    )


def running_cycle(conn: Connection, gallery: str) -> Cycle | None:
    """The gallery's latest cycle still marked ``running`` (another follow's, while it holds
    the lock), or None."""
    return _cycle(
        conn.execute(
            "SELECT * FROM follow_cycles WHERE gallery_id = %s AND outcome = 'running' "
            "ORDER BY cycle_no DESC LIMIT 1",
            (gallery,),
        ).fetchone()
    )


def cycles_of(conn: Connection, gallery: str) -> list[Cycle]:
    """Every cycle of a gallery, oldest first."""
    rows = conn.execute(
        "SELECT * FROM follow_cycles WHERE gallery_id = %s ORDER BY cycle_no", (gallery,)
    ).fetchall()
    return [Cycle(**row) for row in rows]


def record_crawl(conn: Connection, cycle_id: int, report: CrawlReport) -> bool:
    """The crawl's report, written once (False: no such row, or a crawl reported already).

    It replaces what ``follow`` may have written meanwhile (``abandoned``, or ``stopped``
    after it gave up waiting): the crawl knows best how it ended."""
    values = {column: int(report.counts.get(column, 0)) for column in COUNT_COLUMNS}
    row = conn.execute(
        """
        UPDATE follow_cycles
        SET outcome = %(outcome)s, exit_code = %(exit_code)s, close_reason = %(close_reason)s,
            reason = %(reason)s,
            new_posts = %(new_posts)s, changed_posts = %(changed_posts)s,
            deleted_posts = %(deleted_posts)s, deletion_checks = %(deletion_checks)s,
            comment_pages = %(comment_pages)s, requests = %(requests)s,
            requests_saved = %(requests_saved)s,
            finished_at = now(), seconds = extract(epoch FROM now() - started_at)
        WHERE cycle_id = %(cycle_id)s AND close_reason IS NULL
        RETURNING cycle_id
        """,
        {
            **values,
            "outcome": report.outcome,
            "exit_code": report.exit_code,
            "close_reason": report.close_reason,
            "reason": report.reason,
            "cycle_id": cycle_id,
        },
    ).fetchone()
    return row is not None


def finish_cycle(
    conn: Connection, cycle_id: int, *, stopped: bool, exit_code: int | None, reason: str
) -> Cycle | None:
    """``follow``'s close of a cycle whose crawl or job has ended.

    A cycle the crawl never reported on becomes ``stopped`` (``stopped``: follow was
    stopped) or ``failed``, with ``exit_code`` and ``reason``; a reported one keeps the
    crawl's outcome, except that a cycle follow stopped is ``stopped`` unless the crawl
    finished ``ok`` anyway."""
    row = conn.execute(
        """
        UPDATE follow_cycles
        SET outcome = CASE
                WHEN close_reason IS NULL THEN %(fallback)s
                WHEN %(stopped)s AND outcome <> 'ok' THEN 'stopped'
                ELSE outcome END,
            exit_code = coalesce(exit_code, %(exit_code)s),
            reason = CASE WHEN close_reason IS NULL THEN %(reason)s ELSE reason END,
            finished_at = coalesce(finished_at, now()),
            seconds = coalesce(seconds, extract(epoch FROM now() - started_at))
        WHERE cycle_id = %(cycle_id)s
        RETURNING *
        """,
        {
            "fallback": "stopped" if stopped else "failed",
            "stopped": stopped,
            "exit_code": exit_code,
            "reason": reason,
            "cycle_id": cycle_id,
        },
    ).fetchone()
    return _cycle(row)
