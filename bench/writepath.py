"""Figure 3: items/s through the PostgreSQL pipeline against a raw ``COPY`` of the same rows.

The items are shaped like a crawl's: posts with a few KB of body and images,
and ~19 comments each (the replica's average), some of them replies by
anonymous writers. Both sides write into an empty, migrated database of their
own:

* the pipeline (``pipelines.postgres.PostgresPipeline``, in this process, on the
  asyncio loop as in a crawl: the loop gets a turn after every page's worth of
  items, as Scrapy gives it between responses) from the first ``process_item``
  until ``close_spider`` has written the last batch — rows built from items, COPY
  into staging tables, one upsert per table per batch, snapshots, galleries;
* raw ``COPY`` of the very rows the pipeline builds (with the time columns it
  fills) straight into ``posts`` and ``comments``, in one transaction: the
  floor of what PostgreSQL can take.

Each side runs ``repeats`` times (a fresh database each time); the fastest counts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from itemadapter import ItemAdapter
from psycopg import sql
from scrapy.utils.test import get_crawler

from bench.database import scratch
from bench.figures import Figure
from dccrawl import settings as project
from dccrawl.db.migrate import migrate
from dccrawl.db.rows import COMMENT_COLUMNS, POST_COLUMNS, item_kind, to_row
from dccrawl.items import Comment, Post
from pipelines.postgres import PostgresPipeline

logger = logging.getLogger(__name__)

TARGET_RATIO = 0.5
COMMENTS_PER_POST = 19
ITEMS_PER_PAGE = 20  # a view page's post, or a comment page's comments
# The pipeline runs with the project's batching, as in a crawl.
DB_SETTINGS = ("DCCRAWL_DB_BATCH_SIZE", "DCCRAWL_DB_BATCH_SECONDS", "DCCRAWL_DB_MAX_BUFFER")
KST = dt.timezone(dt.timedelta(hours=9))
CRAWLED_AT = dt.datetime(2026, 11, 27, 0, 5, tzinfo=KST)
_BODY = "가나다라마바사 아자차카타파하 오늘 본 글은 이렇습니다. " * 40  # ~2.5 KB of UTF-8


def items(count: int) -> list[Post | Comment]:
    """``count`` items: each post followed by its comments."""
    made: list[Post | Comment] = []
    post_no = 0
    comment_no = 0
    while len(made) < count:
        post_no += 1
        made.append(
            Post(
                gallery_id="bench",
                gallery_kind="major",
                post_no=post_no,
                title=f"질문 있습니다 {post_no}",
                head=None,
                writer_nick="ㅇㅇ",
                writer_uid=None,
                writer_ip="118.235",
                created_at=CRAWLED_AT - dt.timedelta(minutes=post_no),
                views=100 + post_no % 900,
                recommend=post_no % 7,
                downvotes=0,
                comment_count=COMMENTS_PER_POST,
                body_text=f"{post_no} {_BODY}",
                body_html=f"<p>{post_no} {_BODY}</p>",
                image_urls=[f"https://dcimg8.dcinside.co.kr/viewimage.php?id=a&no={post_no}"],
                is_deleted=False,
                url=f"https://gall.dcinside.com/board/view/?id=bench&no={post_no}",
                crawled_at=CRAWLED_AT,
            )
        )
        parent = None
        for index in range(min(COMMENTS_PER_POST, count - len(made))):
            comment_no += 1
            reply = index % 3 == 2
            parent = parent if reply else comment_no
            made.append(
                Comment(
                    gallery_id="bench",
                    post_no=post_no,
                    comment_no=comment_no,
                    parent_no=parent if reply else None,
                    writer_nick="ㅇㅇ" if index % 2 else "코비",
                    writer_uid=None if index % 2 else "kobi123",
                    writer_ip="61.240" if index % 2 else None,
                    created_at=CRAWLED_AT - dt.timedelta(seconds=comment_no),
                    body_text=f"댓글 {comment_no}: 그렇군요 좋은 정보 감사합니다",
                    dccon_url=None,
                    is_deleted=False,
                    crawled_at=CRAWLED_AT,
                )
            )
    return made


def through_pipeline(url: str, batch: list[Post | Comment]) -> float:
    """Seconds from the first ``process_item`` until ``close_spider`` has written everything."""
    settings = {name: getattr(project, name) for name in DB_SETTINGS}
    crawler = get_crawler(settings_dict={**settings, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    pipeline = PostgresPipeline.from_crawler(crawler)

    async def write() -> float:
        await pipeline.open_spider()
        started = time.perf_counter()
        for index, item in enumerate(batch, 1):
            await pipeline.process_item(item)
            if index % ITEMS_PER_PAGE == 0:
                await asyncio.sleep(0)  # the rest of a crawl's loop runs here
        await pipeline.close_spider()
        return time.perf_counter() - started

    seconds = asyncio.run(write())
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    written = stats.get("dccrawl/db/posts_written", 0) + stats.get("dccrawl/db/comments_written", 0)
    if written != len(batch):
        raise RuntimeError(f"the pipeline wrote {written} of {len(batch)} items: {stats}")
    return seconds


def _stamped(row: tuple[Any, ...], stamps: int) -> tuple[Any, ...]:
    """The row with the time columns the pipeline fills from ``crawled_at``."""
    return (*row, *([row[-1]] * stamps))


def raw_copy(url: str, batch: list[Post | Comment]) -> float:
    """Seconds to COPY the pipeline's rows straight into ``posts``/``comments`` and commit."""
    tables = {
        "post": ("posts", (*POST_COLUMNS, "first_seen_at", "last_seen_at", "updated_at",
                           "counts_changed_at")),
        "comment": ("comments", (*COMMENT_COLUMNS, "first_seen_at", "last_seen_at",
                                 "updated_at")),
    }  # fmt: skip
    rows: dict[str, list[tuple[Any, ...]]] = {"post": [], "comment": []}
    for item in batch:
        adapter = ItemAdapter(item)
        kind = item_kind(adapter)
        assert kind is not None
        _, row = to_row(adapter, kind)
        rows[kind].append(_stamped(row, len(tables[kind][1]) - len(row)))
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for kind, (table, columns) in tables.items():
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with cur.copy(statement) as copy:
                for row in rows[kind]:
                    copy.write_row(row)
    return time.perf_counter() - started


def measure(admin_url: str, count: int, repeats: int = 2) -> Iterator[Figure]:
    """Write ``count`` items both ways, ``repeats`` times each; the fastest of each."""
    batch = items(count)
    timings: dict[str, list[float]] = {"pipeline": [], "copy": []}
    for _ in range(repeats):
        for side, write in (("pipeline", through_pipeline), ("copy", raw_copy)):
            with scratch(admin_url) as url:
                migrate(url)
                timings[side].append(write(url, batch))
            logger.info("write path, %s: %d items in %.2f s", side, count, timings[side][-1])
    pipeline_rate = count / min(timings["pipeline"])
    copy_rate = count / min(timings["copy"])
    posts = sum(1 for item in batch if isinstance(item, Post))
    detail = {"items": count, "posts": posts, "comments": count - posts}
    yield Figure(
        "write_pipeline_items_per_s",
        pipeline_rate,
        "items/s",
        detail={**detail, "runs_seconds": [round(s, 3) for s in timings["pipeline"]]},
    )
    yield Figure(
        "write_copy_items_per_s",
        copy_rate,
        "items/s",
        detail={**detail, "runs_seconds": [round(s, 3) for s in timings["copy"]]},
    )
    yield Figure("write_ratio", pipeline_rate / copy_rate, "ratio", TARGET_RATIO, ">=")
