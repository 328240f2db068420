"""A real Scrapy crawl that yields prepared items, run in a subprocess by the pipeline tests.

Each crawl gets a fresh process (and so a fresh reactor and event loop), runs
the project's item pipelines on the items in a JSON file, and writes the final
stats to a JSON file. The process exits 1 when the crawl records
``dccrawl/failed_reason`` (what the project's exit-code extension turns into a
failed run), else 0.

    python -m tests.pipeline_harness ITEMS.json STATS.json [--set NAME=VALUE ...]
        [--wait-for FILE] [--hold]

``--wait-for FILE``: print ``OPENED`` once the pipelines are open, then wait for
FILE to exist before yielding items (lets a test break the database first).
``--hold``: after the items have passed the pipelines, print ``READY`` and keep
the crawl open (lets a test send SIGTERM with items still buffered).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import signal
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import psutil
import psycopg
import scrapy
from psycopg.rows import dict_row
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.test import get_crawler

from dccrawl.items import LEDGER_ITEMS, Comment, LedgerItem, Post
from pipelines.postgres import PostgresPipeline

KST = dt.timezone(dt.timedelta(hours=9), "KST")
CRAWLED_AT = dt.datetime(2026, 7, 1, 12, 0, 0, tzinfo=KST)
ROOT = Path(__file__).resolve().parent.parent

PIPELINES = {
    "pipelines.dedup.DuplicateFilterPipeline": 100,
    "pipelines.postgres.PostgresPipeline": 300,
}


def make_post(post_no: int, **fields: Any) -> Post:
    """A complete, realistic Post item; *fields* override any value."""
    minutes = post_no % 100_000 if isinstance(post_no, int) else 0
    values: dict[str, Any] = {
        "gallery_id": "programming",
        "gallery_kind": "major",
        "post_no": post_no,
        "title": f"파이썬 질문 {post_no}",
        "head": "질문",
        "writer_nick": "ㅇㅇ",
        "writer_uid": None,
        "writer_ip": "118.235",
        "created_at": dt.datetime(2026, 6, 30, 1, 20, 6, tzinfo=KST)
        + dt.timedelta(minutes=minutes),
        "views": 202,
        "recommend": 3,
        "downvotes": None,
        "comment_count": 2,
        "body_text": f"본문 {post_no}\n둘째 줄",
        "body_html": f"<p>본문 {post_no}</p><p>둘째 줄</p>",
        "image_urls": [
            f"https://dcimg.example/{post_no}/a.png",
            f"https://dcimg.example/{post_no}/b.jpg",
        ],
        "is_deleted": False,
        "url": f"https://gall.dcinside.com/board/view/?id=programming&no={post_no}",
        "crawled_at": CRAWLED_AT,
        "is_notice": False,
        "is_recommended": minutes % 7 == 0,
        "writer_class": "floating",
        "recommend_fixed": 1,
        "video_urls": [f"https://www.youtube.com/embed/v{post_no}"],
    }
    values.update(fields)
    return Post(**values)


def make_comment(post_no: int, comment_no: int, **fields: Any) -> Comment:
    """A complete, realistic Comment item; *fields* override any value."""
    seconds = comment_no % 100_000 if isinstance(comment_no, int) else 0
    values: dict[str, Any] = {
        "gallery_id": "programming",
        "post_no": post_no,
        "comment_no": comment_no,
        "parent_no": None,
        "writer_nick": "코비",
        "writer_uid": "kobi123",
        "writer_ip": None,
        "created_at": dt.datetime(2026, 6, 30, 2, 0, 0, tzinfo=KST) + dt.timedelta(seconds=seconds),
        "body_text": f"댓글 {comment_no}",
        "dccon_url": None,
        "is_deleted": False,
        "crawled_at": CRAWLED_AT,
        "writer_class": "fixed",
        "is_voice": False,
        "via_app": seconds % 5 == 0,
    }
    values.update(fields)
    return Comment(**values)


def stop_embedded(datadir: Path) -> None:
    """Stop an embedded (pgserver) PostgreSQL in *datadir* if one runs there, and wait
    until it has exited.

    SIGINT to the postmaster is PostgreSQL's "fast" shutdown, what ``pg_ctl -m fast
    stop`` sends. Sent directly rather than through ``pg_ctl``: as root, pgserver runs
    ``pg_ctl`` as its ``pgserver`` user, which must traverse the data folder's parents,
    and a concurrent pytest session re-tightens ``/tmp/pytest-of-root`` to 0700 (seen
    as "could not access directory ... Permission denied" when two suites ran at once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR warning
        from pgserver.utils import PostmasterInfo  # noqa: PLC0415 - slow import

    info = PostmasterInfo.read_from_pgdata(datadir)
    if info is None or not info.is_running() or info.pid is None:
        return
    try:
        postmaster = psutil.Process(info.pid)
        postmaster.send_signal(signal.SIGINT)
        postmaster.wait(timeout=60)
    except psutil.NoSuchProcess:
        return


def crawl_command(items: Path, stats: Path, settings: dict[str, Any], *flags: str) -> list[str]:
    """argv running this harness in a fresh Python process."""
    argv = [sys.executable, "-m", "tests.pipeline_harness", str(items), str(stats)]
    for name, value in settings.items():
        argv += ["--set", f"{name}={json.dumps(value)}"]
    return [*argv, *flags]


def crawl(
    items: Path, stats: Path, settings: dict[str, Any], *flags: str, timeout: float = 60
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run one crawl to the end; its completed process and final stats."""
    proc = subprocess.run(
        crawl_command(items, stats, settings, *flags),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc, json.loads(stats.read_text()) if stats.exists() else {}


# --- driving the pipeline in this process (on an asyncio loop, as Scrapy does) ---


def pipeline_for(url: str, **settings: Any) -> PostgresPipeline:
    crawler = get_crawler(
        settings_dict={
            "DATABASE_URL": url,
            "DCCRAWL_DB_BATCH_SIZE": 50,
            "DCCRAWL_DB_BATCH_SECONDS": 60,
            **settings,
        }
    )
    return PostgresPipeline.from_crawler(crawler)


def write(url: str, items: Iterable[Any], **settings: Any) -> dict[str, Any]:
    """Run one pipeline over *items* (open, process, close); its stats.

    Failure ledger items end their way there (``LedgerItem``), as in a crawl."""
    pipeline = pipeline_for(url, **settings)

    async def run() -> None:
        await pipeline.open_spider()
        for item in items:
            try:
                assert await pipeline.process_item(item) is item
            except LedgerItem:
                assert isinstance(item, LEDGER_ITEMS)
        await pipeline.close_spider()

    asyncio.run(run())
    return pipeline.stats.get_stats()


def fetch(url: str, query: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query, tuple(params)).fetchall()  # type: ignore[arg-type]


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "$dt" in value:
        return dt.datetime.fromisoformat(value["$dt"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump_items(items: Iterable[Post | Comment | dict[str, Any]], path: Path) -> Path:
    """Write *items* to *path* in the harness's JSON form."""
    records = []
    for item in items:
        kind = "comment" if isinstance(item, Comment) else "post"
        records.append({"$kind": kind, **{k: _encode(v) for k, v in dict(item).items()}})
    # ensure_ascii keeps lone surrogates as \\udxxx escapes that load back unchanged
    path.write_text(json.dumps(records, ensure_ascii=True), encoding="ascii")
    return path


def load_items(path: Path) -> list[Post | Comment]:
    items: list[Post | Comment] = []
    for record in json.loads(path.read_text(encoding="ascii")):
        cls = Comment if record.pop("$kind") == "comment" else Post
        items.append(cls(**{k: _decode(v) for k, v in record.items()}))
    return items


class ItemsSpider(scrapy.Spider):
    """Yields the prepared items from ``start()``; makes no request."""

    name = "items"

    def __init__(
        self, items_file: str, wait_for: str | None = None, hold: bool = False, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.items_file = Path(items_file)
        self.wait_for = Path(wait_for) if wait_for else None
        self.hold = hold
        self.scraped = 0
        self.all_scraped = asyncio.Event()
        self.expected = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ItemsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_item_done, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_done, signal=signals.item_dropped)
        return spider

    def on_item_done(self, *args: Any, **kwargs: Any) -> None:
        self.scraped += 1
        if self.scraped >= self.expected:
            self.all_scraped.set()

    async def start(self) -> AsyncIterator[Any]:
        items = load_items(self.items_file)
        self.expected = len(items)
        if self.wait_for is not None:
            print("OPENED", flush=True)
            while not self.wait_for.exists():
                await asyncio.sleep(0.02)
        for item in items:
            yield item
        if self.hold:
            await self.all_scraped.wait()
            print("READY", flush=True)
            await asyncio.sleep(3600)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("items")
    parser.add_argument("stats")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--wait-for")
    parser.add_argument("--hold", action="store_true")
    args = parser.parse_args(argv)
    settings: dict[str, Any] = {
        "ITEM_PIPELINES": PIPELINES,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": 0,
    }
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings[name] = _value(value)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ItemsSpider)
    process.crawl(crawler, items_file=args.items, wait_for=args.wait_for, hold=args.hold)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    Path(args.stats).write_text(json.dumps(stats, default=str), encoding="utf-8")
    return 1 if stats.get("dccrawl/failed_reason") else 0


if __name__ == "__main__":
    sys.exit(main())
