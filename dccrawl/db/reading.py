"""What the commands that read an archive share (``export``, ``report``): one snapshot of
it, and whether it holds the gallery asked for.

Both read several tables while crawls may be writing, and their numbers must agree with
each other: a read-only, repeatable-read connection sees one moment. Both refuse a gallery
id the database does not hold (most likely a typo) and name the ones it does.
"""

from __future__ import annotations

from typing import Any

import psycopg

HOLDS_GALLERY = """
SELECT EXISTS (SELECT 1 FROM galleries WHERE gallery_id = %(gallery)s)
    OR EXISTS (SELECT 1 FROM posts WHERE gallery_id = %(gallery)s)
    OR EXISTS (SELECT 1 FROM comments WHERE gallery_id = %(gallery)s)
"""
HELD_GALLERIES = "SELECT gallery_id FROM galleries ORDER BY gallery_id"


def snapshot(url: str) -> psycopg.Connection[Any]:
    """A connection that reads one snapshot: read-only (these commands never write) and
    repeatable read (every table as of the same moment)."""
    conn = psycopg.connect(url)
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return conn


def holds_gallery(conn: psycopg.Connection[Any], gallery: str) -> bool:
    """Whether the database holds anything of ``gallery`` (its row, a post or a comment)."""
    row = conn.execute(HOLDS_GALLERY, {"gallery": gallery}).fetchone()
    return bool(row and row[0])


def held_galleries(conn: psycopg.Connection[Any]) -> list[str]:
    """The galleries the database holds (every crawl records its gallery in ``galleries``)."""
    return [row[0] for row in conn.execute(HELD_GALLERIES)]
