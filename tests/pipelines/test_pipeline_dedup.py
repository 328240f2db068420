"""DuplicateFilterPipeline: exact-key repeats within a job are dropped and counted."""

from __future__ import annotations

import contextlib
import sys

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from dccrawl.stats import DEDUP_DROPPED as DROPPED
from pipelines.dedup import DuplicateFilterPipeline, pack_comment
from tests.pipeline_harness import make_comment, make_post


@pytest.fixture
def dedup() -> DuplicateFilterPipeline:
    return DuplicateFilterPipeline.from_crawler(get_crawler())


def test_first_item_wins_and_repeats_are_counted(dedup: DuplicateFilterPipeline) -> None:
    first = make_post(1, title="first")
    assert dedup.process_item(first) is first
    with pytest.raises(DropItem, match="duplicate post"):
        dedup.process_item(make_post(1, title="second"))
    with pytest.raises(DropItem):
        dedup.process_item(make_post(1))
    assert dedup.crawler.stats is not None
    assert dedup.crawler.stats.get_value(DROPPED) == 2


def test_keys_are_exact(dedup: DuplicateFilterPipeline) -> None:
    distinct = [
        make_post(1),
        make_post(2),
        make_post(1, gallery_id="other"),
        make_comment(1, 1),  # a comment is not a post
        make_comment(1, 2),
        make_comment(2, 1),
        make_comment(1, 1, gallery_id="other"),
        make_comment(1, 2**64 + 1),  # too big to pack: still exact
        make_comment(1, 1 + 2**64),
    ]
    passed = []
    for item in distinct:
        with contextlib.suppress(DropItem):
            passed.append(dedup.process_item(item))
    assert len(passed) == len(distinct) - 1  # only the repeated 2**64+1
    assert dedup.crawler.stats is not None
    assert dedup.crawler.stats.get_value(DROPPED) == 1


def test_other_items_and_keyless_items_pass(dedup: DuplicateFilterPipeline) -> None:
    for _ in range(2):
        dedup.process_item({"url": "https://example/"})
        dedup.process_item(make_post(None))
    assert dedup.crawler.stats is not None
    assert dedup.crawler.stats.get_value(DROPPED) is None


def test_packing_is_injective_where_used() -> None:
    assert pack_comment(1, 2) != pack_comment(2, 1)
    assert pack_comment(0, 2**64 - 1) != pack_comment(1, 0)
    assert pack_comment(1, 2**64) == (1, 2**64)
    assert pack_comment(-1, 5) == (-1, 5)


def test_keys_are_compact(dedup: DuplicateFilterPipeline) -> None:
    for n in range(1000):
        dedup.process_item(make_comment(n // 10, 10_000_000 + n))
    (seen,) = dedup._seen.values()
    per_key = (sys.getsizeof(seen) + sum(sys.getsizeof(k) for k in seen)) / len(seen)
    assert per_key < 80  # one small int per key, not a (str, int, int) tuple
    dedup.close_spider()
    assert dedup._seen == {}
