"""The SQL of an export: which rows of a table belong to it, counted and read in order.

A period (``--since`` / ``--until``) selects **posts** by their ``created_at``, the half-open
range ``[since, until)``, as the README's queries do; a post without a ``created_at`` is in no
period. The other tables follow the posts: **comments** and **snapshots** of the posts in
the period, whatever their own time (a comment written in December on a November post is
in November's export, so every exported thread is whole). Without a period every row of
the gallery is exported, comments of posts the database does not hold included.

Rows are read in the order a writer needs: for Parquet by the KST month of the table's
month column first (NULL last), so that one partition's rows come together and one file is
open at a time; then by the table's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql

from dccrawl.export.schemas import POSTS, ZONE, Table


@dataclass(frozen=True)
class Selection:
    """What to export: a gallery, and optionally a period of its posts' ``created_at``."""

    gallery: str
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def params(self) -> dict[str, Any]:
        return {"gallery": self.gallery, "since": self.since, "until": self.until}


def _period(selection: Selection) -> list[sql.Composable]:
    conditions: list[sql.Composable] = []
    if selection.since is not None:
        conditions.append(sql.SQL("created_at >= %(since)s"))
    if selection.until is not None:
        conditions.append(sql.SQL("created_at < %(until)s"))
    return conditions


def where(table: Table, selection: Selection) -> sql.Composable:
    """The condition that picks ``table``'s rows of the export."""
    conditions: list[sql.Composable] = [sql.SQL("gallery_id = %(gallery)s")]
    period = _period(selection)
    if table is POSTS:
        conditions += period
    elif period:
        posts = sql.SQL(" AND ").join([sql.SQL("gallery_id = %(gallery)s"), *period])
        conditions.append(sql.SQL("post_no IN (SELECT post_no FROM posts WHERE {})").format(posts))
    return sql.SQL(" AND ").join(conditions)


def count_query(table: Table, selection: Selection) -> sql.Composed:
    """``count(*)`` of the export's rows of ``table``: the total a progress line shows."""
    return sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
        sql.Identifier(table.name), where(table, selection)
    )


def month_expression(table: Table) -> sql.Composed:
    """The first day of the row's month in KST (NULL when its month column is)."""
    return sql.SQL("date_trunc('month', {} AT TIME ZONE {})").format(
        sql.Identifier(table.month_column), sql.Literal(ZONE)
    )


def select_query(table: Table, selection: Selection, *, by_month: bool) -> sql.Composed:
    """Every column of the export's rows of ``table``, in the order its writer needs."""
    order: list[sql.Composable] = []
    if by_month:
        order.append(sql.SQL("{} NULLS LAST").format(month_expression(table)))
    order += [sql.Identifier(name) for name in table.key]
    return sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY {}").format(
        sql.SQL(", ").join(sql.Identifier(name) for name in table.column_names),
        sql.Identifier(table.name),
        where(table, selection),
        sql.SQL(", ").join(order),
    )
