"""``python -m dccrawl search --gallery ID WORD``: posts whose title or body contains a word.

Runs ``dccrawl.db.queries.SEARCH_POSTS``, which the bigram indexes of migration 0009 make
fast for Korean words of every length (two-syllable ones included, which trigram indexes
cannot serve), and prints one line per post, newest first.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from dccrawl.db.queries import SEARCH_POSTS
from dccrawl.kst import KST


@dataclass(frozen=True)
class Match:
    post_no: int
    title: str | None
    writer_nick: str | None
    created_at: datetime | None
    views: int | None
    comment_count: int | None
    url: str | None
    in_title: bool

    def line(self) -> str:
        when = (
            self.created_at.astimezone(KST).strftime("%Y-%m-%d %H:%M") if self.created_at else "?"
        )
        where = "title" if self.in_title else "body"
        return (
            f"{self.post_no}  {when}  [{where}] {self.title or ''}  ({self.writer_nick or '?'}, "
            f"views {self.views if self.views is not None else '?'}, "
            f"comments {self.comment_count if self.comment_count is not None else '?'})  "
            f"{self.url or ''}"
        ).rstrip()


def search_posts(
    conn: psycopg.Connection[Any], gallery_id: str, word: str, limit: int
) -> list[Match]:
    """The gallery's posts with ``word`` in the title or body, newest first."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(SEARCH_POSTS, {"gallery_id": gallery_id, "word": word, "limit": limit})
        return [Match(**row) for row in cur.fetchall()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gallery", required=True, help="the gallery id, e.g. programming")
    parser.add_argument("word", help="what the title or body contains (any length; case-blind)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many posts (50)")


def check(args: argparse.Namespace) -> str | None:
    """Why the arguments cannot be searched with, or None."""
    if not args.word.strip():
        return "the word is empty"
    if args.limit < 1:
        return f"--limit {args.limit}: must be at least 1"
    return None
