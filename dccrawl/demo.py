"""``python -m dccrawl demo``: see the crawler work with no internet and no setup.

Starts the local site replica (``testbed/replica``, in this checkout) on a free
loopback port, crawls two of its galleries with ``scrapy crawl gallery`` into
the database a real crawl would use (``DATABASE_URL``, else the embedded
PostgreSQL), and prints what was stored, so a newcomer sees the whole path:
list pages → posts → comments → PostgreSQL.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import psycopg

from dccrawl.db import queries
from dccrawl.db.connect import resolve_database
from dccrawl.hints import dccrawl_command
from dccrawl.project import project_settings

ROOT = Path(__file__).resolve().parent.parent
LISTENING = "listening on "
# Against a server on this machine no politeness delay is needed.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "DCCRAWL_PROGRESS_INTERVAL": "2",
}


def _start_replica(galleries: list[str]) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "testbed.replica", "serve", "--port", "0"]
    for gallery in galleries:
        command += ["--gallery", gallery]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith(LISTENING):
        process.terminate()
        raise SystemExit(f"demo: the site replica did not start ({line or 'no output'})")
    return process, line[len(LISTENING) :]


def _crawl(gallery: str, base_url: str) -> int:
    command = [sys.executable, "-m", "scrapy", "crawl", "gallery", "-a", f"gallery={gallery}"]
    for name, value in {**FAST_SETTINGS, "DCCRAWL_BASE_URL": base_url}.items():
        command += ["-s", f"{name}={value}"]
    print(f"\n$ scrapy crawl gallery -a gallery={gallery} -s DCCRAWL_BASE_URL={base_url} ...")
    return subprocess.call(command, cwd=ROOT)


def _show(database_url: str, gallery: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("SET TIME ZONE 'Asia/Seoul'")  # show times as the site does
        posts, comments = conn.execute(
            "SELECT (SELECT count(*) FROM posts WHERE gallery_id = %(g)s),"
            " (SELECT count(*) FROM comments WHERE gallery_id = %(g)s)",
            {"g": gallery},
        ).fetchone() or (0, 0)
        print(f"\n{gallery}: {posts} posts and {comments} comments stored. Newest posts:")
        rows = conn.execute(queries.NEWEST_POSTS, {"gallery_id": gallery, "limit": 5})
        for no, title, writer, created, views, _recommend, ncomments in rows:
            print(
                f"  {no:>9}  {created:%Y-%m-%d %H:%M}  {writer or '':<10} "
                f"{views:>6} views {ncomments:>4} comments  {title}"
            )


def cmd_demo(args: argparse.Namespace) -> int:

    if not (ROOT / "testbed" / "replica").is_dir():
        print("demo: needs a source checkout (testbed/replica is the replica)", file=sys.stderr)
        return 1
    target = resolve_database(project_settings())
    print(f"demo: storing into {target.describe()}")
    process, base_url = _start_replica([f"{args.gallery}:minor:{args.posts}"])
    print(f"demo: the site replica is serving on {base_url}")
    try:
        codes = [_crawl(gallery, base_url) for gallery in (args.gallery, "seed")]
    finally:
        process.terminate()
        process.wait(timeout=10)
    for gallery in (args.gallery, "seed"):
        _show(target.url, gallery)
    print(f"\nExplore the data with: {dccrawl_command('psql')}")
    return max(codes)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``demo`` to ``python -m dccrawl``."""
    parser = subparsers.add_parser(
        "demo", help="start the local site replica and crawl it (no internet needed)"
    )
    parser.add_argument("--gallery", default="demo", help="replica gallery id (default demo)")
    parser.add_argument("--posts", type=int, default=300, help="its number of posts")
    parser.set_defaults(handler=cmd_demo)
