"""``DuplicateFilterPipeline``: drops an item whose key this job has already passed on.

The spider can reach the same post twice in one job (a post moves between list
pages while the crawl pages through them; the comment endpoint repeats its last
page). Writing it twice is harmless (the database upserts) but wasteful, so
repeats are dropped here, cheaply, before they cost a row in a batch. The first
item for a key wins; repeats are counted in ``dccrawl/dedup/dropped``.

Keys are the tables' primary keys: (gallery_id, post_no) for posts and
(gallery_id, post_no, comment_no) for comments. To stay lean over a job of
millions of items, the gallery id is stored once per gallery, and each key within
it is one int (post_no; or post_no and comment_no packed into one int) in a set:
about 60 bytes a key instead of ~110 for a tuple of a string and ints.
Items without a usable key (and items of other kinds) pass through untouched;
the database pipeline decides about those.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from dccrawl.db.rows import BadKey, item_key, item_kind

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DROPPED = "dccrawl/dedup/dropped"
_SHIFT = 64  # comment_no occupies the low 64 bits of a comment's packed key


def pack_comment(post_no: int, comment_no: int) -> int | tuple[int, int]:
    """One int for (post_no, comment_no); a tuple for numbers that do not fit the packing."""
    if 0 <= comment_no < 1 << _SHIFT and post_no >= 0:
        return (post_no << _SHIFT) | comment_no
    return (post_no, comment_no)


class DuplicateFilterPipeline:
    """Drops exact-key repeats within one job (first item wins)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # (kind, gallery_id) -> packed keys seen
        self._seen: dict[tuple[str, str], set[int | tuple[int, int]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        kind = item_kind(adapter)
        if kind is None:
            return item
        try:
            key = item_key(adapter, kind)
        except BadKey:
            return item
        packed = key[1] if kind == "post" else pack_comment(key[1], key[2])  # type: ignore[misc]
        seen = self._seen.setdefault((kind, key[0]), set())
        if packed in seen:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(DROPPED)
            raise DropItem(f"duplicate {kind} {key}", log_level="DEBUG")
        seen.add(packed)
        return item

    def close_spider(self) -> None:
        self._seen.clear()
