"""Helpers of the ``follow`` tests: the command's arguments, its rows, its lines, the truth.

A refresh keeps current what list rows and the pages it reads show (``dccrawl/refresh.py``):
:func:`refresh_differences` compares the database with the truth in exactly that, so a
follow over a changing replica can be held to it after any number of cycles.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tests.crawling import (
    COMMENT_FIELDS,
    COMMENT_KEY,
    FAST,
    POST_FIELDS,
    POST_KEY,
    ROOT,
    crawl_environment,
    differences,
    stored,
    truth_of,
    with_listed_posts,
)

# What only a view page shows: a refresh keeps what the post's last view read stored.
VIEW_ONLY = ("body_text", "image_urls", "video_urls", "downvotes", "recommend_fixed")
REFRESHED_POST_FIELDS = tuple(f for f in POST_FIELDS if f not in VIEW_ONLY)
# A comment deleted on a page a refresh does not read again stays unmarked.
REFRESHED_COMMENT_FIELDS = tuple(f for f in COMMENT_FIELDS if f != "is_deleted")

LINE = re.compile(
    r"^follow (?P<gallery>\w+) #(?P<no>\d+) (?P<outcome>ok|failed|stopped)(?: \(exit \d+\))?: "
    r"(?P<new>\d+) new, (?P<changed>\d+) changed, (?P<deleted>\d+) deleted, "
    r"(?P<requests>\d+) requests, \d+\.\ds(?: on \S+)?(?:; .*)?$"
)


def settings(base_url: str, database_url: str, **more: object) -> list[str]:
    """``-s`` options for follow's crawls: the replica, the test database, no delay."""
    merged = {**FAST, "DCCRAWL_BASE_URL": base_url, "DATABASE_URL": database_url, **more}
    return [arg for name, value in merged.items() for arg in ("-s", f"{name}={value}")]


def follow_process(*args: str, log: Path) -> subprocess.Popen[str]:
    """``python -m dccrawl follow ARGS`` in the background (to be stopped with a signal),
    its standard output piped, its standard error in ``log``."""
    with log.open("w") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "dccrawl", "follow", *args],
            cwd=ROOT,
            env=crawl_environment(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )


def cycle_rows(database_url: str, gallery: str | None = None) -> list[dict[str, Any]]:
    """``follow_cycles`` rows (of a gallery, or all), by gallery and number."""
    where = "WHERE gallery_id = %s" if gallery else ""
    query = f"SELECT * FROM follow_cycles {where} ORDER BY gallery_id, cycle_no"  # noqa: S608
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(query, (gallery,) if gallery else ()).fetchall()


def cycle_lines(output: str) -> list[dict[str, str]]:
    """Follow's standard output as cycle lines; any other line fails the test."""
    found = []
    for line in output.splitlines():
        match = LINE.match(line)
        assert match, f"not a cycle line: {line!r}"
        found.append(match.groupdict())
    return found


def _restricted(rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{f: row.get(f) for f in fields} for row in rows]


def refresh_differences(database_url: str, truth: list[dict[str, Any]], gallery: str) -> list[str]:
    """How the gallery's rows differ from the truth in what refreshes keep current:

    * every listed post stored, each field equal but the view-only ones;
    * every comment of those posts stored, each field equal but the deletion mark;
    * every other stored post deleted in the truth, marked deleted, its data kept."""
    listed = with_listed_posts(truth)
    live = {line["post_no"] for line in listed if line["type"] == "post"}
    posts = stored(database_url, "posts", gallery)
    comments = [row for row in stored(database_url, "comments", gallery) if row["post_no"] in live]
    problems = differences(
        truth_of(listed, "post", REFRESHED_POST_FIELDS),
        _restricted((row for row in posts if row["post_no"] in live), REFRESHED_POST_FIELDS),
        POST_KEY,
    )
    problems += differences(
        truth_of(listed, "comment", REFRESHED_COMMENT_FIELDS),
        _restricted(comments, REFRESHED_COMMENT_FIELDS),
        COMMENT_KEY,
    )
    deleted = {line["post_no"] for line in truth if line["type"] == "post" and line["is_deleted"]}
    for row in posts:
        if row["post_no"] in live:
            continue
        if row["post_no"] not in deleted:
            problems.append(f"post {row['post_no']} is stored but not in the truth")
        elif not row["is_deleted"] or not row["title"]:
            problems.append(f"post {row['post_no']}: deleted, not marked so with its data kept")
    return problems
