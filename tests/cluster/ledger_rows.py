"""A crawl's rows in the shard ledger, made directly (shared by the ledger and the operations
tests; their connection is the ``conn`` fixture of ``tests/cluster/conftest.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from dccrawl.cluster import ledger
from dccrawl.cluster.ledger import Shard
from dccrawl.cluster.planning import plan_posts


def new_crawl(
    conn: psycopg.Connection[Any],
    shards: int = 4,
    crawl_id: str = "g-1",
    settings: Mapping[str, str] | None = None,
) -> list[Shard]:
    """A crawl of gallery ``g`` in ``shards`` shards of 10 post numbers each, all pending."""
    return ledger.create_crawl(
        conn,
        crawl_id=crawl_id,
        gallery_id="g",
        project="dccrawl",
        spider="gallery",
        settings={"DOWNLOAD_DELAY": "0"} if settings is None else settings,
        plans=plan_posts(1, shards * 10, 10, {"gallery": "g"}),
    )
