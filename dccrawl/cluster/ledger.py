"""The shard ledger: the ``crawl_shards`` table (migration 0002) and every change made to it.

Several writers touch a shard row: the command that dispatches it, the job that
runs it (``dccrawl/extensions/shard.py``), and possibly a second dispatcher or
an old job that was thought lost. Every state change is therefore a
compare-and-set ``UPDATE ... WHERE state = <what the writer saw>``, and the
rules keep the ledger right whoever writes last:

* only a ``pending`` shard is claimed for dispatch (two dispatchers never send
  the same shard twice);
* a shard goes back to ``pending`` only from the state (and job id) the
  reconciler saw, so a job that reported ``done`` in the meantime stays done;
* a job's failure never overwrites ``done`` (an earlier or parallel attempt
  finished the range; its rows are in the database);
* ``done`` always wins: it is only written by a spider that closed with reason
  ``finished`` and verdict 0, after its pipeline wrote every item;
* ``cancelled`` (``python -m dccrawl cancel``) is left only for ``done`` (a job that
  finished anyway) or ``pending`` (``resume --include-cancelled``): the database itself
  skips any other change of its state (migration 0007), so a cancelled job that reports
  ``running`` or ``failed`` afterwards changes nothing.

Connections are autocommit: each statement is its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from dccrawl.cluster.planning import ShardPlan

STATES = ("pending", "scheduled", "running", "done", "failed", "cancelled")
IN_FLIGHT = ("scheduled", "running")
CONNECT_TIMEOUT = 10
# One dispatcher at a time fills the nodes (capacity is counted per round, across
# crawls): the bytes of "dcshard" as a bigint, distinct from the migration lock.
DISPATCH_LOCK_KEY = int.from_bytes(b"dcshard", "big")


@dataclass(frozen=True)
class Shard:
    """One row of ``crawl_shards``."""

    shard_id: int
    crawl_id: str
    shard_no: int
    gallery_id: str
    mode: str
    page_first: int | None
    page_last: int | None
    post_first: int | None
    post_last: int | None
    expected_posts: int
    project: str
    spider: str
    arguments: dict[str, str]
    settings: dict[str, str]
    state: str
    node: str | None
    job_id: str | None
    attempts: int
    posts: int
    comments: int
    close_reason: str | None
    exit_code: int | None
    error: str | None
    created_at: datetime
    dispatched_at: datetime | None
    started_at: datetime | None
    reported_at: datetime | None
    finished_at: datetime | None
    quality: dict[str, Any] | None = None  # the job's QualityReport (dccrawl/runreport.py)

    def describe_range(self) -> str:
        """What the shard owns, for tables: ``posts 1-300`` or ``pages 4-6 = posts 1201-1500``."""
        low = "" if self.post_first is None else str(self.post_first)
        high = "" if self.post_last is None else str(self.post_last)
        if self.mode == "posts":
            return f"posts {low}-{high}"
        return f"pages {self.page_first}-{self.page_last} = posts {low or '1'}-{high or 'newest'}"


_COLUMNS = ", ".join(Shard.__dataclass_fields__)


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    """An autocommit connection for ledger work, with a bounded connect time."""
    return psycopg.connect(
        url,
        autocommit=True,
        row_factory=dict_row,
        connect_timeout=CONNECT_TIMEOUT,
        application_name="dccrawl-cluster",
    )


@contextmanager
def dispatch_lock(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Held while one command compares, requeues and dispatches: two ``watch``/``resume``
    processes never count the same free slot twice."""
    conn.execute("SELECT pg_advisory_lock(%s)", (DISPATCH_LOCK_KEY,))
    try:
        yield
    finally:
        if not conn.broken:
            conn.execute("SELECT pg_advisory_unlock(%s)", (DISPATCH_LOCK_KEY,))


def database_now(conn: psycopg.Connection[Any]) -> datetime:
    """The database clock, which every time in the ledger comes from."""
    row = conn.execute("SELECT now() AS now").fetchone()
    assert row is not None
    value = row["now"] if isinstance(row, Mapping) else row[0]
    assert isinstance(value, datetime)
    return value


def _shard(row: Mapping[str, Any]) -> Shard:
    return Shard(**row)


def create_crawl(
    conn: psycopg.Connection[Any],
    *,
    crawl_id: str,
    gallery_id: str,
    project: str,
    spider: str,
    settings: Mapping[str, str],
    plans: Iterable[ShardPlan],
) -> list[Shard]:
    """Record a planned crawl's shards (all ``pending``), in one transaction."""
    rows: list[Shard] = []
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        for plan in plans:
            cur.execute(
                f"""
                INSERT INTO crawl_shards (crawl_id, shard_no, gallery_id, mode, page_first,
                    page_last, post_first, post_last, expected_posts, project, spider,
                    arguments, settings)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                RETURNING {_COLUMNS}
                """,  # noqa: S608 - column names are this module's constants
                (
                    crawl_id,
                    plan.shard_no,
                    gallery_id,
                    plan.mode,
                    plan.page_first,
                    plan.page_last,
                    plan.post_first,
                    plan.post_last,
                    plan.expected_posts,
                    project,
                    spider,
                    Jsonb(plan.arguments),
                    Jsonb(dict(settings)),
                ),
            )
            row = cur.fetchone()
            assert row is not None
            rows.append(_shard(row))
    return rows


def latest_crawl(conn: psycopg.Connection[Any]) -> str | None:
    """The crawl id of the most recently scheduled crawl, if any."""
    row = conn.execute(
        "SELECT crawl_id FROM crawl_shards ORDER BY created_at DESC, shard_id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return str(row["crawl_id"] if isinstance(row, Mapping) else row[0])


def shards(conn: psycopg.Connection[Any], crawl_id: str) -> list[Shard]:
    """Every shard of a crawl, in planning order."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"SELECT {_COLUMNS} FROM crawl_shards WHERE crawl_id = %s ORDER BY shard_no",  # noqa: S608
            (crawl_id,),
        )
        return [_shard(row) for row in cur.fetchall()]


def claim(conn: psycopg.Connection[Any], shard: Shard, node: str, job_id: str) -> bool:
    """``pending`` → ``scheduled`` on ``node`` as ``job_id``, unless someone else got there first.

    The attempt's counts and outcome are reset here: the row describes the latest attempt.
    """
    cur = conn.execute(
        """
        UPDATE crawl_shards
        SET state = 'scheduled', node = %s, job_id = %s, attempts = attempts + 1,
            dispatched_at = now(), started_at = NULL, reported_at = NULL, finished_at = NULL,
            posts = 0, comments = 0, close_reason = NULL, exit_code = NULL, error = NULL
        WHERE shard_id = %s AND state = 'pending'
        """,
        (node, job_id, shard.shard_id),
    )
    return cur.rowcount == 1


def release(conn: psycopg.Connection[Any], shard_id: int, job_id: str, error: str) -> None:
    """Undo a claim whose ``schedule.json`` the node refused: the shard waits again."""
    conn.execute(
        """
        UPDATE crawl_shards
        SET state = 'pending', attempts = attempts - 1, error = %s
        WHERE shard_id = %s AND state = 'scheduled' AND job_id = %s
        """,
        (error, shard_id, job_id),
    )


def note_error(conn: psycopg.Connection[Any], shard_id: int, job_id: str, error: str) -> None:
    """Record a doubt about an attempt (e.g. ``schedule.json`` timed out) without changing state."""
    conn.execute(
        "UPDATE crawl_shards SET error = %s WHERE shard_id = %s AND job_id = %s",
        (error, shard_id, job_id),
    )


def requeue(conn: psycopg.Connection[Any], shard: Shard, why: str) -> bool:
    """Back to ``pending`` from exactly the state and job the caller saw; False if it moved on."""
    cur = conn.execute(
        """
        UPDATE crawl_shards SET state = 'pending', error = %s
        WHERE shard_id = %s AND state = %s AND job_id IS NOT DISTINCT FROM %s
        """,
        (why, shard.shard_id, shard.state, shard.job_id),
    )
    return cur.rowcount == 1


def mark_lost(conn: psycopg.Connection[Any], shard: Shard, why: str) -> bool:
    """``failed`` from exactly the state and job the caller saw, for a job that will never
    report (vanished, ended without reporting, its node gone): ``watch --resume`` then sends it
    again after its backoff, counted from now. False if the shard moved on meanwhile."""
    cur = conn.execute(
        """
        UPDATE crawl_shards SET state = 'failed', error = %s, finished_at = now()
        WHERE shard_id = %s AND state = %s AND job_id IS NOT DISTINCT FROM %s
        """,
        (why, shard.shard_id, shard.state, shard.job_id),
    )
    return cur.rowcount == 1


def cancel(conn: psycopg.Connection[Any], shard: Shard, why: str) -> bool:
    """``cancelled``, unless the shard is done (or cancelled) already or its job is no longer
    the one the caller saw (``python -m dccrawl cancel``, after scrapyd cancelled that job).

    Whatever state the job reported meanwhile (running, failed) is overruled; from now on
    the database keeps the shard cancelled except for ``done`` (migration 0007).
    """
    cur = conn.execute(
        """
        UPDATE crawl_shards
        SET state = 'cancelled', error = %s, finished_at = coalesce(finished_at, now())
        WHERE shard_id = %s AND job_id IS NOT DISTINCT FROM %s
          AND state NOT IN ('done', 'cancelled')
        """,
        (why, shard.shard_id, shard.job_id),
    )
    return cur.rowcount == 1


# --- what a running job reports (dccrawl/extensions/shard.py) -------------------------


# What mark_running answers for a job that is not the shard's latest attempt.
SUPERSEDED = "superseded"


def mark_running(
    conn: psycopg.Connection[Any], shard_id: int, crawl_id: str, job_id: str | None = None
) -> str | None:
    """The spider opened: ``running``. Returns the state before; None if this database
    holds no shard ``shard_id`` of crawl ``crawl_id`` (then nothing is changed).

    A shard already ``done`` (or ``cancelled``) stays so: the job is a stray duplicate (or
    was cancelled), which the caller refuses to run. A job (scrapyd's ``_job``) that is not
    the shard's latest attempt gets :data:`SUPERSEDED` and changes nothing: the shard was
    sent again since (a re-sent shard whose old job turned up after all).
    """
    with conn.transaction():
        row = conn.execute(
            "SELECT state, job_id FROM crawl_shards WHERE shard_id = %s AND crawl_id = %s "
            "FOR UPDATE",
            (shard_id, crawl_id),
        ).fetchone()
        if row is None:
            return None
        values = row if not isinstance(row, Mapping) else (row["state"], row["job_id"])
        before, latest = str(values[0]), values[1]
        if job_id is not None and latest is not None and latest != job_id:
            return SUPERSEDED
        if before not in ("done", "cancelled"):
            conn.execute(
                """
                UPDATE crawl_shards
                SET state = 'running', started_at = now(), reported_at = now(),
                    finished_at = NULL, close_reason = NULL, exit_code = NULL, error = NULL
                WHERE shard_id = %s
                """,
                (shard_id,),
            )
    return before


def report_progress(
    conn: psycopg.Connection[Any],
    shard_id: int,
    posts: int,
    comments: int,
    job_id: str | None = None,
) -> None:
    """A running job's counts so far (and a heartbeat); only the shard's latest attempt's."""
    conn.execute(
        """
        UPDATE crawl_shards SET posts = %s, comments = %s, reported_at = now()
        WHERE shard_id = %s AND state = 'running'
          AND (%s::text IS NULL OR job_id IS NULL OR job_id = %s)
        """,
        (posts, comments, shard_id, job_id, job_id),
    )


def report_closed(
    conn: psycopg.Connection[Any],
    shard_id: int,
    *,
    done: bool,
    reason: str,
    exit_code: int,
    posts: int,
    comments: int,
    error: str | None,
    job_id: str | None = None,
    quality: Mapping[str, Any] | None = None,
) -> bool:
    """The spider closed: ``done`` (with its counts) or ``failed``.

    A failure never undoes ``done``, and only the shard's latest attempt (``job_id``, when
    known) reports one, while the shard is in flight: an older attempt that fails after the
    shard was sent again, or put back to ``pending`` (``resume``, ``resume
    --include-cancelled``), must not mark it failed. ``done`` wins from any attempt (its
    whole range was stored). Returns False when nothing was recorded.
    """
    cur = conn.execute(
        """
        UPDATE crawl_shards
        SET state = %(state)s, close_reason = %(reason)s, exit_code = %(code)s,
            posts = %(posts)s, comments = %(comments)s, error = %(error)s,
            quality = %(quality)s, reported_at = now(), finished_at = now()
        WHERE shard_id = %(id)s
          AND (%(done)s OR (state IN ('scheduled', 'running', 'failed')
                            AND (%(job)s::text IS NULL OR job_id IS NULL OR job_id = %(job)s)))
        """,
        {
            "state": "done" if done else "failed",
            "reason": reason,
            "code": exit_code,
            "posts": posts,
            "comments": comments,
            "error": None if done else error,
            "id": shard_id,
            "done": done,
            "job": job_id,
            "quality": None if quality is None else Jsonb(dict(quality)),
        },
    )
    return cur.rowcount == 1
