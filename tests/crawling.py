"""Real crawls for integration tests: ``scrapy crawl gallery`` against the replica, into PostgreSQL.

Each crawl runs in its own process, exactly as a user runs it (``python -m scrapy
crawl gallery -a ... -s ...``), so exit codes, logging and the reactor are the
real ones. The helpers then read what the crawl stored and put it in the same
shape as the replica's ``truth`` so a test can compare the two field by field.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from dccrawl.settings import PLAYWRIGHT_LAUNCH_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
# The browser tests' mark: they run only where Debian's Chromium is (in CI a skip fails).
needs_chromium = pytest.mark.skipif(
    not os.access(PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"], os.X_OK),
    reason="Chromium is not installed (CI installs Debian's chromium)",
)

POST_FIELDS = (
    "gallery_id", "gallery_kind", "post_no", "title", "head", "writer_nick", "writer_uid",
    "writer_ip", "created_at", "views", "recommend", "downvotes", "comment_count", "body_text",
    "image_urls", "is_deleted", "is_notice", "is_recommended", "writer_class",
    "recommend_fixed", "video_urls",
)  # fmt: skip
# What only a list row shows: a crawl by number (posts=A-B) stores them as unknown (None).
LIST_FLAGS = ("is_notice", "is_recommended")
BACKFILL_POST_FIELDS = tuple(f for f in POST_FIELDS if f not in LIST_FLAGS)
COMMENT_FIELDS = (
    "gallery_id", "post_no", "comment_no", "parent_no", "writer_nick", "writer_uid", "writer_ip",
    "created_at", "body_text", "dccon_url", "is_deleted", "writer_class", "is_voice", "via_app",
)  # fmt: skip
# What identifies a stored post and a stored comment.
POST_KEY = ("gallery_id", "post_no")
COMMENT_KEY = ("gallery_id", "post_no", "comment_no")

# Against the replica on loopback: no politeness delay, plenty of concurrency.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "DCCRAWL_PROGRESS_INTERVAL": "0",
    "RETRY_TIMES": "8",
    "LOG_LEVEL": "INFO",
    # A block (dccrawl/blocks.py) is probed for within a second, and slows nothing down.
    "DCCRAWL_BLOCK_PROBE_SECONDS": "1",
    "DCCRAWL_BLOCK_MIN_DELAY": "0",
}


@dataclass
class CrawlResult:
    """How a crawl process ended and what it printed."""

    returncode: int
    output: str

    def __str__(self) -> str:
        return f"exit {self.returncode}\n{self.output[-6000:]}"


def crawl_command(
    base_url: str,
    database_url: str | None,
    arguments: Mapping[str, object],
    settings: Mapping[str, object] | None = None,
    extra: Iterable[str] = (),
) -> list[str]:
    """argv of ``scrapy crawl gallery`` with ``-a`` arguments and ``-s`` settings."""
    command = [sys.executable, "-m", "scrapy", "crawl", "gallery"]
    for name, value in arguments.items():
        command += ["-a", f"{name}={value}"]
    merged: dict[str, object] = {**FAST, "DCCRAWL_BASE_URL": base_url}
    if database_url is not None:
        merged["DATABASE_URL"] = database_url
    merged.update(settings or {})
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command + list(extra)


def crawl_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without DATABASE_URL (tests name their database)."""
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(env or {})
    return environment


def run_crawl(
    base_url: str,
    database_url: str | None,
    arguments: Mapping[str, object],
    settings: Mapping[str, object] | None = None,
    *,
    extra: Iterable[str] = (),
    timeout: float = 600,
    env: Mapping[str, str] | None = None,
) -> CrawlResult:
    """Run ``scrapy crawl gallery`` to the end and return how it ended."""
    completed = subprocess.run(
        crawl_command(base_url, database_url, arguments, settings, extra),
        cwd=ROOT,
        env=crawl_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CrawlResult(completed.returncode, completed.stdout + completed.stderr)


def start_crawl(
    base_url: str,
    database_url: str | None,
    arguments: Mapping[str, object],
    settings: Mapping[str, object] | None = None,
    *,
    log: Path,
) -> subprocess.Popen[bytes]:
    """Start ``scrapy crawl gallery`` in the background, its output going to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            crawl_command(base_url, database_url, arguments, settings),
            cwd=ROOT,
            env=crawl_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


STATS_DUMP = "Dumping Scrapy stats:"
_REQUIRED: Any = object()


def dumped_stats(output: str) -> str:
    """The last stats dump in a crawl's output: Scrapy logs ``Dumping Scrapy stats:`` and
    then the ``pprint`` of the stats dict, one ``'name': value,`` per line (a long value
    goes on over indented lines), the first line opening with ``{``, the last closing
    with ``}``."""
    _, found, dump = output.rpartition(STATS_DUMP)
    assert found, f"the crawl dumped no stats:\n{output[-3000:]}"
    lines = dump.splitlines()[1:]
    assert lines and lines[0].startswith("{"), f"no stats dict after {STATS_DUMP!r}: {lines[:3]}"
    block = [lines[0]]
    for line in lines[1:]:
        if block[-1].endswith("}") or not line.startswith(" "):
            break
        block.append(line)
    return "\n".join(block)


def stat_value(output: str, name: str, *, default: int = _REQUIRED) -> int:
    """The integer stat ``name`` from the last stats dump in a crawl's output.

    A stat that is absent from the dump fails the test, unless the caller states what
    absence means with ``default=`` (stats counted with ``inc_value`` are absent until
    the first count, so ``default=0`` says "absent means none happened"). A renamed or
    misspelt stat therefore fails instead of reading as 0."""
    stats = dumped_stats(output)
    match = re.search(rf"^[{{ ]'{re.escape(name)}': (.*?)[,}}]?$", stats, re.MULTILINE)
    if match is None:
        assert default is not _REQUIRED, f"stat {name!r} is not in the dump:\n{stats}"
        return default
    value = match.group(1)
    assert re.fullmatch(r"-?\d+", value), f"stat {name!r} is not an integer: {value}"
    return int(value)


def wait_until(condition: Callable[[], object], what: str, timeout: float = 120) -> None:
    """Wait until ``condition()`` holds, checking every 0.05 s.

    Tests wait on states and events (a row count reached, a log line written, a server
    refusing connections), never for a time; ``timeout`` is only a safety net, generous,
    and fails loudly, naming ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting until {what}")
        time.sleep(0.05)


def _plain(value: Any) -> Any:
    """A database value in the JSON shape the replica's truth uses."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat()
    return value


def stored(database_url: str, table: str, gallery: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``posts`` or ``comments`` with the truth's fields, in key order."""
    fields = POST_FIELDS if table == "posts" else COMMENT_FIELDS
    order = "gallery_id, post_no" + (", comment_no" if table == "comments" else "")
    where = "WHERE gallery_id = %s" if gallery else ""
    query = f"SELECT {', '.join(fields)} FROM {table} {where} ORDER BY {order}"  # noqa: S608
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        rows = conn.execute(query, (gallery,) if gallery else ()).fetchall()
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


def replica_truth(*options: str, timeout: float = 600) -> list[dict[str, Any]]:
    """``python -m testbed.replica truth OPTIONS``: every record a replica started with these
    options serves (``--gallery SPEC``…), without starting it."""
    command = [sys.executable, "-m", "testbed.replica", "truth", *options]
    output = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=timeout
    ).stdout
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def is_listed(line: Mapping[str, Any]) -> bool:
    """A post a list crawl finds: live (pinned notices included: they top every page)."""
    return line["type"] == "post" and not line["is_deleted"]


def listed_posts(truth: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The truth's posts a list crawl finds."""
    return [dict(line) for line in truth if is_listed(line)]


def with_listed_posts(truth: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The truth's records of the posts a list crawl finds: those posts and their comments."""
    lines = list(truth)
    numbers = {line["post_no"] for line in lines if is_listed(line)}
    return [dict(line) for line in lines if line["post_no"] in numbers]


def dccrawl_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m dccrawl ARGS`` from the project folder, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "dccrawl", *args],
        cwd=ROOT,
        env=crawl_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def truth_of(
    lines: Iterable[Mapping[str, Any]], kind: str, fields: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The truth's posts or comments, with the compared fields only (``fields``, else all of
    ``POST_FIELDS``/``COMMENT_FIELDS``), in key order."""
    fields = fields or (POST_FIELDS if kind == "post" else COMMENT_FIELDS)
    picked = [{f: line.get(f) for f in fields} for line in lines if line.get("type") == kind]
    key = ("gallery_id", "post_no") + (("comment_no",) if kind == "comment" else ())
    return sorted(picked, key=lambda row: tuple(row[k] for k in key))


def differences(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], key: tuple[str, ...]
) -> list[str]:
    """Human-readable differences between two row lists: missing, extra, and per-field."""
    want = {tuple(row[k] for k in key): row for row in expected}
    got = {tuple(row[k] for k in key): row for row in actual}
    problems = [f"missing {k}" for k in sorted(want.keys() - got.keys())]
    problems += [f"extra {k}" for k in sorted(got.keys() - want.keys())]
    for k in sorted(want.keys() & got.keys()):
        for field, value in want[k].items():
            if got[k].get(field) != value:
                problems.append(f"{k} {field}: expected {value!r}, stored {got[k].get(field)!r}")
    return problems


def comments_of(
    truth: Iterable[Mapping[str, Any]], posts: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The truth's comments on ``posts`` (any gallery's: matched by gallery and number)."""
    keys = {(post["gallery_id"], post["post_no"]) for post in posts}
    return [
        dict(line)
        for line in truth
        if line["type"] == "comment" and (line["gallery_id"], line["post_no"]) in keys
    ]


def truth_differences(
    database_url: str, lines: Iterable[Mapping[str, Any]], gallery: str | None = None
) -> list[str]:
    """Every way the stored posts and comments (of ``gallery``, or all) differ from the
    truth's ``lines``: the posts' differences first, then the comments', each one prefixed
    with its table."""
    lines = list(lines)
    posts = differences(truth_of(lines, "post"), stored(database_url, "posts", gallery), POST_KEY)
    comments = differences(
        truth_of(lines, "comment"), stored(database_url, "comments", gallery), COMMENT_KEY
    )
    return [f"posts: {p}" for p in posts] + [f"comments: {p}" for p in comments]


def assert_equal_to_truth(
    database_url: str, lines: Iterable[Mapping[str, Any]], gallery: str | None = None
) -> None:
    """The database (``gallery``'s rows, or all) holds exactly the posts and comments of the
    truth's ``lines``, every compared field equal, nothing missing, nothing extra."""
    problems = truth_differences(database_url, lines, gallery)
    assert problems == [], f"{len(problems)} difference(s) from the truth, first: {problems[:5]}"
