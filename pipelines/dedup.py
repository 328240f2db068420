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

Memory must not grow with the length of a crawl, and repeats come soon after the
original (the repeated last comment page is fetched with the post's other pages;
a post that moves between list pages is seen again a few pages later). So only
the most recent keys are kept (:class:`RecentKeys`: the last 50,000 to 100,000
per gallery and kind, ~6 MB each at most); a repeat of something older is written
again, which the database's upsert makes harmless.
Items without a usable key (and items of other kinds) pass through untouched;
the database pipeline decides about those. A ``CommentBatch`` (a comment page's
comments as one item, ``dccrawl/batching.py``) loses its repeated comments; one
left with none is dropped.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter

from dccrawl import stats as S
from dccrawl.db.rows import BadKey, item_key, item_kind
from dccrawl.items import CommentBatch, DuplicateItem

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_SHIFT = 64  # comment_no occupies the low 64 bits of a comment's packed key


def pack_comment(post_no: int, comment_no: int) -> int | tuple[int, int]:
    """One int for (post_no, comment_no); a tuple for numbers that do not fit the packing."""
    if 0 <= comment_no < 1 << _SHIFT and post_no >= 0:
        return (post_no << _SHIFT) | comment_no
    return (post_no, comment_no)


Packed = int | tuple[int, int]


class RecentKeys:
    """A set that remembers the most recent ``generation`` to ``2 * generation`` keys.

    Two generations: keys go into the current one; when it is full it becomes the
    previous one (the one before is forgotten). ``in`` looks at both.
    """

    def __init__(self, generation: int = 50_000) -> None:
        self.generation = generation
        self._current: set[Packed] = set()
        self._previous: set[Packed] = set()

    def __contains__(self, key: object) -> bool:
        return key in self._current or key in self._previous

    def add(self, key: Packed) -> None:
        if len(self._current) >= self.generation:
            self._previous = self._current
            self._current = set()
        self._current.add(key)

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)

    def __iter__(self) -> Iterator[Packed]:
        yield from self._previous
        yield from self._current

    def __sizeof__(self) -> int:
        return (
            object.__sizeof__(self) + sys.getsizeof(self._current) + sys.getsizeof(self._previous)
        )


class DuplicateFilterPipeline:
    """Drops exact-key repeats within one job (first item wins)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # (kind, gallery_id) -> the packed keys seen most recently
        self._seen: dict[tuple[str, str], RecentKeys] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, CommentBatch):
            return self._filter_batch(item)
        repeated = self._repeated(item)
        if repeated is not None:
            self._count_dropped(1)
            raise DuplicateItem(f"duplicate {repeated}", log_level="DEBUG")
        return item

    def _filter_batch(self, batch: CommentBatch) -> CommentBatch:
        comments = batch.get("comments") or []
        kept = [comment for comment in comments if self._repeated(comment) is None]
        if len(kept) < len(comments):
            self._count_dropped(len(comments) - len(kept))
            if not kept:
                raise DuplicateItem(f"{len(comments)} duplicate comments", log_level="DEBUG")
            batch["comments"] = kept
        return batch

    def _repeated(self, item: Any) -> str | None:
        """``"kind key"`` when the item's key was seen already; else None (and it is now)."""
        adapter = ItemAdapter(item)
        kind = item_kind(adapter)
        if kind is None or kind == "ledger":  # ledger items are events, not rows: all pass
            return None
        try:
            key = item_key(adapter, kind)
        except BadKey:
            return None
        packed = key[1] if kind != "comment" else pack_comment(key[1], key[2])  # type: ignore[misc]
        seen = self._seen.get((kind, key[0]))
        if seen is None:
            seen = self._seen[(kind, key[0])] = RecentKeys()
        if packed in seen:
            return f"{kind} {key}"
        seen.add(packed)
        return None

    def _count_dropped(self, count: int) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(S.DEDUP_DROPPED, count)

    def close_spider(self) -> None:
        self._seen.clear()
